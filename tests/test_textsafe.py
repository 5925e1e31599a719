"""One redactor, one table: the secrets user scripts really print, hidden on every path.

The forms below are those code-review finding 10 found passing through the old log redactor
(`AZURE_CLIENT_SECRET=`, env dumps, JSON keys, URL passwords), plus the forms the two old tables
each caught. Each case names the value that must vanish and the part that must stay readable.
"""

from __future__ import annotations

import re
import re._parser  # the parse tree of a pattern: checked for the linear-time design rule
import sys
from pathlib import Path
from re._constants import (
    ASSERT,
    ASSERT_NOT,
    ATOMIC_GROUP,
    BRANCH,
    MAX_REPEAT,
    MAXREPEAT,
    MIN_REPEAT,
    POSSESSIVE_REPEAT,
    SUBPATTERN,
)

import pytest

from batchtop import textsafe
from batchtop.azure import errors

sys.path.insert(0, str(Path(__file__).resolve().parent / "hostile"))
from corpus import REDOS_RUNS  # noqa: E402

CASES = [
    # (text, secret value that must vanish, context that must stay)
    (
        "AZURE_CLIENT_SECRET=Abc~8Q~dEfGhIjKlMnOpQrStUv",
        "dEfGhIjKlMnOpQrStUv",
        "AZURE_CLIENT_SECRET=",
    ),
    (
        "environ({'AZURE_CLIENT_SECRET': 'Xyz~8Q~envdumpsecret', 'HOME': '/root'})",
        "envdumpsecret",
        "'HOME': '/root'",
    ),
    ("{'AZURE_STORAGE_KEY': 'c3RvcmFnZWtleXZhbHVl'}", "c3RvcmFnZWtleXZhbHVl", "AZURE_STORAGE_KEY"),
    ('{"client_secret": "jsonclientsecret", "n": 1}', "jsonclientsecret", '"n": 1'),
    ('{"password": "hunter2", "user": "bob"}', "hunter2", '"user": "bob"'),
    ('{"accountKey": "YWNjb3VudGtleQ==", "accountName": "acc"}', "YWNjb3VudGtleQ", '"acc"'),
    ("GET https://user:p4ssw0rd@host.example/x", "p4ssw0rd", "host.example/x"),
    ("mongodb://admin:m0ngoPass@db.local:27017/jobs", "m0ngoPass", "db.local:27017/jobs"),
    ("postgresql://u:p@ss@db/x", "p@ss", "db/x"),
    ("db_password=pgpass1 next", "pgpass1", "next"),
    ("clientSecret: camelsecretvalue", "camelsecretvalue", "clientSecret"),
    ("Ocp-Apim-Subscription-Key: 0123456789abcdef", "0123456789abcdef", "Ocp-Apim"),
    ("az login --service-principal --password clisecret42 -t x", "clisecret42", "-t x"),
    # forms the old tables already knew: still hidden
    (
        "https://a.blob.core.windows.net/c/b?sv=2021-08-06&se=2030-01-01&sr=c&sp=rl&sig=AbC%2Fd",
        "AbC%2Fd",
        "a.blob.core.windows.net/c/b",
    ),
    ("AccountKey=c2VjcmV0LWtleQ==;EndpointSuffix=x", "c2VjcmV0LWtleQ", "EndpointSuffix=x"),
    ("Authorization: Bearer abc.def-ghi", "abc.def-ghi", "Authorization"),
    ('{"access_token": "abcdefghijklmnop"}', "abcdefghijklmnop", "access_token"),
    ("tok eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2ln end", "eyJzdWIiOiJ4In0", "end"),
    # code review 3, R10: the probe forms that leaked
    # azure-storage-blob's own keyword; a traceback echoes the line that passed the key
    (
        "    client = BlobServiceClient(account_url=url, credential='Zm9vYmFyYmF6cXV4cXV1eA==')",
        "Zm9vYmFyYmF6cXV4cXV1eA",
        "account_url=url",
    ),
    ('BlobClient(url, credential="c2VjcmV0a2V5MTIzNA==")', "c2VjcmV0a2V5MTIzNA", "BlobClient(url"),
    ("BlobClient(url, credential=c2VjcmV0a2V5MTIzNA==)", "c2VjcmV0a2V5MTIzNA", "BlobClient(url"),
    ("{'password': b'hunter2xyz', 'user': 'bob'}", "hunter2xyz", "'user': 'bob'"),
    ("Authorization: Basic dXNlcjpodW50ZXIy", "dXNlcjpodW50ZXIy", "Authorization: Basic"),
    (
        "{'Authorization': 'Basic dXNlcjpodW50ZXIy', 'Accept': '*/*'}",
        "dXNlcjpodW50ZXIy",
        "'Accept'",
    ),
    ("retrying with Basic dXNlcjpodW50ZXIy now", "dXNlcjpodW50ZXIy", "now"),
    (
        "Authorization: SharedKey myaccount:ctzMq410TV3wS7upTBcunJTDLEJwMAZuFPfr0mrrA08=",
        "ctzMq410TV3wS7upTBcunJTDLEJwMAZuFPfr0mrrA08",
        "SharedKey",
    ),
    ('{"password": "abc\\"cdSECRETTAIL", "n": 1}', "SECRETTAIL", '"n": 1'),
    ('{"password": "cut at the line end SECRETTAIL', "SECRETTAIL", '"password"'),
    (
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7sG1abc\nQWERTYsecondline\n"
        "-----END RSA PRIVATE KEY-----\nnext line",
        "QWERTYsecondline",
        "next line",
    ),
    (
        '{"private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0\\n-----END PRIVATE '
        'KEY-----\\n", "client_email": "a@b.iam"}',
        "MIIEvQIBADANBgkqhkiG9w0",
        "client_email",
    ),
    (
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA (record cut)",
        "b3BlbnNzaC1rZXktdjEAAAAA",
        "BEGIN",
    ),
    (
        "-----BEGIN PRIVATE KEY-----\nMIIEvCutKeyBody\n(cut)\n-----END CERTIFICATE-----\nafter",
        "MIIEvCutKeyBody",
        "after",
    ),
    ("GET /token?client_secret%3Dhunter2hunter2 HTTP/1.1", "hunter2hunter2", "HTTP/1.1"),
    (
        "url=https%3A%2F%2Fa.blob.core.windows.net%2Fc%3Fsv%3D2022-11-02%26sig%3DAbCSecretSig%252F%26sp%3Dr",
        "AbCSecretSig",
        "sp%3Dr",
    ),
    (
        "conn=DefaultEndpointsProtocol%3Dhttps%3BAccountName%3Dacc%3BAccountKey%3DYWNjb3VudGtleQ%3D%3D%3BEndpointSuffix%3Dx",
        "YWNjb3VudGtleQ",
        "EndpointSuffix",
    ),
    ("password: correct horse battery", "horse battery", "password:"),
    ("login failed, password: correct horse battery; user: bob", "horse battery", "user: bob"),
    (
        "token ghp_16C7e42F292c6912E7710c838347Ae178B4a",
        "16C7e42F292c6912E7710c838347Ae178B4a",
        "token",
    ),
    ("password: |\n  hunter2hunter2\nuser: bob", "hunter2hunter2", "user: bob"),
    ("db:\n  password: >-\n    hunter2hunter2\n  user: bob", "hunter2hunter2", "user: bob"),
]


@pytest.mark.parametrize("text,secret,kept", CASES)
def test_secret_is_hidden_everywhere(text, secret, kept):
    for shown in (textsafe.safe(text), errors.redact(text), str(errors.AzureError("x", text))):
        assert secret not in shown, shown
        assert kept in shown, shown
        assert textsafe.MARK in shown


def test_one_table_one_marker():
    # The Azure error path and the log-text path are the same function, not two rule sets.
    assert errors.redact is textsafe.redact
    assert errors.register_secret is textsafe.register_secret


def test_registered_secret_is_removed_from_log_text_too():
    textsafe.register_secret("?sv=2024&sig=registeredSasValue123")
    assert "registeredSasValue123" not in textsafe.safe("printed sv=2024&sig=registeredSasValue123")


@pytest.mark.parametrize(
    "text",
    [
        "monkey=banana",
        "pad_token: <pad>",
        "max_tokens=512",
        "key=id",
        "st=3 se=4",
        "https://host:443/a@b",
        "Processed 5 of 10 mini batches",
        # near misses of the new forms: code and words, not secrets
        "credential=DefaultAzureCredential()",
        "    client = BlobServiceClient(account_url=url, credential=get_key())",
        "basic authentication failed for user",
        "Basic QUJDREVGR0g=",  # base64 of ABCDEFGH: no `user:password` in it
        "-----BEGIN CERTIFICATE-----",
        "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "ghp_short",
        # azure-identity's own wording (DefaultAzureCredential's error): class names, no secret
        "\tEnvironmentCredential: EnvironmentCredential authentication unavailable. "
        "Environment variables are not fully configured.",
        "\tManagedIdentityCredential: ManagedIdentityCredential authentication unavailable, "
        "no response from the IMDS endpoint.",
    ],
)
def test_harmless_text_is_left_alone(text):
    assert textsafe.redact(text) == text


@pytest.mark.parametrize("run", REDOS_RUNS)
def test_a_megabyte_of_a_hostile_run_is_redacted(run):
    """A 1 MB line made of a run that keeps a pattern busy (progress dots, `password:` over and
    over, unclosed quotes, PEM headers...), then a secret: the secret is gone. A pattern
    retried from every position of the run would take hours here (bench/redact_linear.py
    times it: about 10x the CPU for a 10x longer line)."""
    text = run * (1_000_000 // len(run)) + " password=hunter2xyz"
    assert "hunter2xyz" not in textsafe.redact(text)


def _repeats(tree, inside_unbounded: bool = False):
    """(opcode, repeated item, whether it sits inside an unbounded backtracking repeat) for
    every repeat of a parsed pattern, at any depth."""
    for op, av in tree:
        if op in (MAX_REPEAT, MIN_REPEAT, POSSESSIVE_REPEAT):
            low, high, item = av
            yield op, high, item, inside_unbounded
            yield from _repeats(
                item, inside_unbounded or (high == MAXREPEAT and op != POSSESSIVE_REPEAT)
            )
        elif op == BRANCH:
            for branch in av[1]:
                yield from _repeats(branch, inside_unbounded)
        elif op in (SUBPATTERN, ATOMIC_GROUP, ASSERT, ASSERT_NOT):
            yield from _repeats(av[-1], inside_unbounded)


NAME_CLASSES = [list(re._parser.parse(c)) for c in (r"[A-Za-z0-9_.\-]", r"[A-Za-z0-9\-]")]
"""The characters of a key name (`AZURE_CLIENT_SECRET`) and of a command-line flag."""


@pytest.mark.parametrize("entry", textsafe._SECRETS, ids=lambda e: e[0].pattern[:40])
def test_patterns_cannot_backtrack_over_a_long_run(entry):
    """The table's design rule for linear time (textsafe.py, top): every unbounded repeat is
    possessive, except a key name's characters, which need backtracking to find where the
    name's word begins; those are only ever tried once per run of name characters, because
    the pattern starts with a look-behind that forbids starting inside a run (or at a line's
    start). And no
    backtracking repeat sits inside an unbounded one (the exponential case)."""
    pattern = entry[0]
    tree = re._parser.parse(pattern.pattern, pattern.flags)
    for op, high, item, inside in _repeats(tree):
        if high != MAXREPEAT and not inside:
            continue  # bounded: a constant number of tries at each place
        if op == POSSESSIVE_REPEAT:
            continue
        assert not inside, f"backtracking repeat inside an unbounded one: {pattern.pattern}"
        once_per_run = "(?<![A-Za-z0-9" in pattern.pattern or pattern.pattern.startswith("(?im)^")
        assert list(item) in NAME_CLASSES, f"only a name's characters may backtrack: {item}"
        assert once_per_run, f"a name tried from inside a run: {pattern.pattern}"


def test_lines_of_a_file_hide_a_key_split_across_them():
    """The log viewer and the error detail show a file or record line by line: a PEM key's
    body lines must go too, not only its BEGIN line (per-line redaction showed them)."""
    text = (
        "loading key\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBodyLineOne\nBodyLineTwoAoGCCqGSM49\n"
        "-----END EC PRIVATE KEY-----\npassword: |\n  hunter2hunter2\nuser: bob\n\x1b[31mdone"
    )
    lines = textsafe.safe_lines(text)
    shown = "\n".join(lines)
    for secret in ("BodyLineOne", "BodyLineTwo", "hunter2hunter2", "\x1b"):
        assert secret not in shown
    assert lines[0] == "loading key" and lines[-2:] == ["user: bob", "␛[31mdone"]
