"""One redactor, one table: the secrets user scripts really print, hidden on every path.

The forms below are those code-review finding 10 found passing through the old log redactor
(`AZURE_CLIENT_SECRET=`, env dumps, JSON keys, URL passwords), plus the forms the two old tables
each caught. Each case names the value that must vanish and the part that must stay readable.
"""

from __future__ import annotations

import pytest

from batchtop import textsafe
from batchtop.azure import errors

CASES = [
    # (text, secret value that must vanish, context that must stay)
    ("AZURE_CLIENT_SECRET=Abc~8Q~dEfGhIjKlMnOpQrStUv", "dEfGhIjKlMnOpQrStUv", "AZURE_CLIENT_SECRET="),
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
    ],
)
def test_harmless_text_is_left_alone(text):
    assert textsafe.redact(text) == text


@pytest.mark.parametrize("run", ["a.", "-", "a-", ".", "key.", "aa=", "http:"])
def test_long_runs_take_linear_time(run):
    """Progress dots, separator dashes, dotted names: no pattern may retry a long run from
    every position (a first draft of the key patterns took 40 s on 20 KB of `a.`: quadratic)."""
    import time

    text = run * (200_000 // len(run))
    start = time.perf_counter()
    textsafe.redact(text)
    assert time.perf_counter() - start < 3.0
