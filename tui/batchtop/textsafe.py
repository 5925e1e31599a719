"""Make text safe to show: secrets redacted, terminal control bytes made visible.

Log lines come from user scripts and can hold anything: SAS URLs, bearer tokens, connection
strings, environment dumps, JSON configs with passwords, ANSI/OSC escapes (colours, cursor
moves, title changes, OSC 52 clipboard writes). No such byte may reach the terminal, and no
secret may reach any screen, report or log. Rich markup in log text is harmless once the view
renders it as `Text`, never as markup.

This module holds the ONE table of secret patterns and the one marker (`***`). Log text
(`safe`), Azure error lines and SDK log records (`batchtop.azure.errors.redact`) all use it, so
a secret one path hides is hidden by every path. Secrets handed to us at runtime (the datastore
key or SAS) are registered with `register_secret` and removed verbatim wherever they appear.
"""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import Callable

MARK = "***"

# Linear time, by design (a log line can be megabytes of anything a user printed):
# - every pattern that may start inside a run of name characters starts with a look-behind
#   that forbids it, so a run is tried once, not from each of its characters (O(n), not O(n^2));
# - every value is taken with a possessive quantifier (`++`, `*+`): once a value has been
#   consumed the engine never gives characters back to try a shorter one;
# - no backtracking repeat sits inside an unbounded repeat (no exponential backtracking).
# tests/test_textsafe.py checks these rules on each pattern's parse tree and redacts a 1 MB
# line of each ReDoS probe; bench/redact_linear.py times them.

# Key names whose value is a secret. A name matches when it ENDS with one of these words, so
# `AZURE_CLIENT_SECRET`, `clientSecret`, `db_password`, `storageAccountKey` are all caught.
# `sig` is a SAS signature, also when written `sig%3D`.
_PASSWORDS = r"password|passwd|passphrase|pwd"
_ALWAYS = (
    rf"secret|{_PASSWORDS}|account_?key|access_?key|sas_?token|api_?key"
    r"|shared_?access_?signature|sig"
)
# `credential` is azure-storage-blob's keyword for an account key or SAS (and tracebacks echo
# the source line that passed it): a secret when quoted or after `=`, not after `:`, where
# azure-identity names its credential classes ("EnvironmentCredential: EnvironmentCredential
# authentication unavailable. Environment variables are not fully configured.").
_CREDENTIAL = r"credential"
# Words that also name harmless things (`pad_token: <pad>`, `key: id`): a secret only when
# the value is long (8+ characters), and `key` only as a whole word or after a separator
# (`AZURE_STORAGE_KEY`, `Ocp-Apim-Subscription-Key`), never inside a word (`monkey`).
_LONG_ONLY = r"[A-Za-z0-9_.\-]*(?:token|signature)|(?:[A-Za-z0-9_.\-]*[_.\-])?key"

_START = r"(?<![A-Za-z0-9_.\-])"  # starts a name: one try per run, not O(n^2)
_SEP = r"[ \t]*+(?:[:=]|%3[AaDd])[ \t]*+"  # `:`, `=`, and their URL-encoded forms
# one character of a bare value: not a space, quote, separator or bracket, and not `%26`,
# `%3B`, `%22`, `%27` (an encoded `&`, `;` or quote ends an encoded value too)
_VCHAR = r"(?:[^\s\"',;&<>(){}\[\]%]|%(?!2[267]|3[Bb]))"


def _key_value(keys: str, least: int) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(quoted, bare) patterns for `KEY[:=]VALUE` with these key names.

    A quoted value may be a Python bytes/raw literal (`b'...'`), may hold escaped quotes
    (`"a\\"b"`), and when its closing quote is missing (a cut line) runs to the line's end.
    """
    key = rf"{_START}(?:{keys})"
    quoted = re.compile(
        rf"(?i)(?P<k>[\"']?{key}[\"']?{_SEP}(?:[bru]{{1,2}}(?=[\"']))?)"
        rf"(?:(?P<q>\")(?P<v>(?:[^\"\\\n]|\\.){{{least},}}+)(?P<c>\"?)"
        rf"|(?P<q2>')(?P<v2>(?:[^'\\\n]|\\.){{{least},}}+)(?P<c2>'?))"
    )
    bare = re.compile(rf"(?i)(?P<k>{key}{_SEP})(?!\*\*\*)(?P<v>{_VCHAR}{{{least},}}+)")
    return quoted, bare


_QUOTED = _key_value(rf"[A-Za-z0-9_.\-]*?(?:{_ALWAYS}|{_CREDENTIAL})", 1)[0]
_BARE = _key_value(rf"[A-Za-z0-9_.\-]*?(?:{_ALWAYS})", 1)[1]
_CREDENTIAL_KWARG = re.compile(
    rf"(?i)(?P<k>{_START}[A-Za-z0-9_.\-]*?{_CREDENTIAL}[ \t]*+(?:=|%3[Dd])[ \t]*+)(?!\*\*\*)"
    rf"(?P<v>{_VCHAR}++)"
)
_QUOTED_LONG, _BARE_LONG = _key_value(_LONG_ONLY, 8)
# A password may hold spaces (`password: correct horse battery`): after `:` its value runs to
# the end of the clause. Generated secrets (keys, tokens) hold none, and a sentence after
# `secret:` ("Error retrieving secret: access denied") is worth keeping readable.
_PASSPHRASE = re.compile(
    rf"(?i)(?P<k>{_START}[A-Za-z0-9_.\-]*?(?:{_PASSWORDS})[ \t]*+:[ \t]*+)(?!\*\*\*)"
    rf"(?P<v>{_VCHAR}++(?:[ \t]++{_VCHAR}++)*+)"
)
# YAML block scalar: `password: |` and the indented lines below it (in one record).
_YAML_BLOCK = re.compile(
    rf"(?im)^(?P<k>(?P<ind>[ \t]*+)[\"']?[A-Za-z0-9_.\-]*?(?:{_ALWAYS})[\"']?[ \t]*+:[ \t]*+"
    r"[|>][-+0-9]{0,2}[ \t]*+\n)(?P<v>(?:(?P=ind)[ \t][^\n]*+(?:\n|\Z))++)"
)
_CLI_FLAG = re.compile(
    rf"(?i)((?<![A-Za-z0-9\-])--[A-Za-z0-9\-]*(?:{_ALWAYS})[ =])(?!\*\*\*)(\S++)"
)
_URL_PASSWORD = re.compile(
    r"(?i)(?<![a-z0-9+.\-])([a-z][a-z0-9+.\-]*+://[^:/?#\s@]*+:)(?!\*\*\*@)[^/?#\s@]++@"
)
_SAS = re.compile(
    r"(?i)(?<![\w%])(?:[a-z]{2,6}=[^&\s\"'<>]{0,512}+&)*+sig=[^&\s\"'<>]*+"
    r"(?:&[a-z]{2,6}=[^&\s\"'<>]{0,512}+)*+"
)
_SAS_VALUE = re.compile(r"=[^&]*+")
# `Authorization: <scheme> <credentials>` in any header dump (Basic, Bearer, SharedKey...)
_AUTHORIZATION = re.compile(
    r"(?i)(?P<k>(?<![\w-])(?:proxy-)?authorization[\"']?[ \t]*+[:=][ \t]*+[\"']?"
    r"(?:[a-z][a-z0-9-]{0,30}+[ \t]++(?=\S))?)(?!\*\*\*)(?P<v>[^\s\"',;]++)"
)
_BEARER = re.compile(r"(?i)(?<![\w-])(bearer[ \t]++)(?!\*\*\*)[A-Za-z0-9\-._~+/]++=*+")
# `Basic <base64 of user:password>` outside a header: only when it decodes to `user:password`
# ("basic authentication" stays)
_BASIC = re.compile(r"(?i)(?<![\w-])(basic[ \t]++)([A-Za-z0-9+/]{8,}+={0,2}+)(?![\w+/=-])")
_JWT = re.compile(
    r"(?<![A-Za-z0-9_\-])eyJ[A-Za-z0-9_\-]{4,}+\.[A-Za-z0-9_\-]{4,}+\.[A-Za-z0-9_\-]*+"
)
# GitHub's token formats (ghp_, gho_, ghu_, ghs_, ghr_ and fine-grained github_pat_)
_GITHUB_TOKEN = re.compile(r"(?<![A-Za-z0-9_])(?:gh[opusr]|github_pat)_[A-Za-z0-9_]{20,}+")
# PEM private keys (RSA, EC, OPENSSH, ENCRYPTED, PKCS#8): the body up to the next END line, or to
# the record's end when there is none; also with `\n` escapes, as JSON key files hold it
_PEM = re.compile(
    r"(?P<k>-----BEGIN [A-Z0-9 ]{0,40}?PRIVATE KEY-----)(?:(?!-----END)[\s\S])*+"
    r"(?P<e>-----END [A-Z0-9 ]{0,40}?PRIVATE KEY-----|)"  # another END: the body stops there
)


def _quoted(m: re.Match[str]) -> str:
    if m["q"]:
        return f"{m['k']}{m['q']}{MARK}{m['c']}"
    return f"{m['k']}{m['q2']}{MARK}{m['c2']}"


def _bare(m: re.Match[str]) -> str:
    """A bare value followed by `(` is a call in source code (`credential=get_key()`), not a
    value. Checked here, not by a look-ahead in the pattern: a failed look-ahead after a
    possessive value would make the engine retry from inside the value (quadratic)."""
    if m.string.startswith("(", m.end()):
        return m.group(0)
    return f"{m['k']}{MARK}"


def _yaml(m: re.Match[str]) -> str:
    """The block's lines become one `***` line; the line after the block stays its own."""
    return f"{m['k']}  {MARK}" + ("\n" if m["v"].endswith("\n") else "")


def _token(m: re.Match[str]) -> str:
    """`Bearer TOKEN`, unless what follows shows the "token" is a key name (`password=`)."""
    after = m.string[m.end() : m.end() + 1]
    if after and not after.isspace() and after not in "\"',;)]}>":
        return m.group(0)
    return f"{m.group(1)}{MARK}"


def _sas(m: re.Match[str]) -> str:
    return _SAS_VALUE.sub("=" + MARK, m.group(0))


def _basic(m: re.Match[str]) -> str:
    token = m.group(2)
    try:
        plain = base64.b64decode(token + "=" * (-len(token) % 4), validate=True)
    except ValueError:
        return m.group(0)
    return f"{m.group(1)}{MARK}" if b":" in plain else m.group(0)


def _pem(m: re.Match[str]) -> str:
    return f"{m['k']}{MARK}{m['e']}"


_KEY_WORDS = (
    "secret",
    "pass",
    "pwd",
    "key",
    "sas",
    "token",
    "signature",
    "credential",
    "sig",
)
_SECRETS: tuple[
    tuple[re.Pattern[str], str | Callable[[re.Match[str]], str], tuple[str, ...]], ...
] = (
    # (pattern, replacement, words one of which the lowercased text must hold for the pattern
    # to possibly match: most log lines hold none, and skip the regular expressions)
    (_PEM, _pem, ("private key",)),  # first: a whole key block, whatever else is in it
    (_YAML_BLOCK, _yaml, _KEY_WORDS),  # password: |  (then indented lines)
    (_JWT, MARK, ("eyj",)),  # a JWT inside any other form is gone whatever its key
    (_GITHUB_TOKEN, MARK, ("gh", "github_pat_")),
    (_SAS, _sas, ("sig=",)),  # every parameter of a SAS query that carries a signature
    (_URL_PASSWORD, rf"\1{MARK}@", ("://",)),  # scheme://user:PASSWORD@host
    (_AUTHORIZATION, _bare, ("authorization",)),
    (_BEARER, _token, ("bearer",)),
    (_BASIC, _basic, ("basic",)),
    (_QUOTED, _quoted, _KEY_WORDS),  # "client_secret": "...", 'AZURE_CLIENT_SECRET': b'...'
    (_QUOTED_LONG, _quoted, _KEY_WORDS),  # "access_token": "...", 'AZURE_STORAGE_KEY': '...'
    (_PASSPHRASE, _bare, ("pass", "pwd")),  # password: correct horse battery
    (_BARE, _bare, _KEY_WORDS),  # AZURE_CLIENT_SECRET=..., AccountKey=...;, password: ...
    (_CREDENTIAL_KWARG, _bare, ("credential",)),  # BlobServiceClient(url, credential=KEY)
    (_BARE_LONG, _bare, _KEY_WORDS),  # access_token=..., Ocp-Apim-Subscription-Key: ...
    (_CLI_FLAG, rf"\1{MARK}", ("--",)),  # --client-secret VALUE
)
_MULTI_LINE = 2
"""The first entries of the table are the forms that span lines."""

_registered: set[str] = set()
_registered_lock = threading.Lock()
_registered_sorted: tuple[str, ...] = ()


def register_secret(value: str | None) -> None:
    """Remember a secret we were handed (datastore key, SAS) so `redact` removes it verbatim."""
    global _registered_sorted
    if value and len(value) >= 8:
        with _registered_lock:
            _registered.add(value)
            _registered.add(value.lstrip("?"))
            _registered_sorted = tuple(sorted(_registered, key=len, reverse=True))


def redact(text: str) -> str:
    """Replace every secret we know how to spot (see the table above) with `***`."""
    if not text:
        return text
    for secret in _registered_sorted:
        if secret in text:
            text = text.replace(secret, MARK)
    low = text.lower()
    for pattern, replacement, words in _SECRETS:
        if any(word in low for word in words):
            text = pattern.sub(replacement, text)
            low = text.lower()
    return text


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    ch = match.group(0)
    code = ord(ch)
    if code == 0x1B:
        return "␛"
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ ␁ ... control pictures
    if code == 0x7F:
        return "␡"
    return f"\\u{code:04x}"


def make_printable(text: str) -> str:
    """Control characters (ESC, CSI, BEL, NUL, bidi overrides) shown as visible symbols."""
    return _CONTROL.sub(_visible, text)


def safe(text: str, limit: int | None = None) -> str:
    """Redacted and printable, optionally cut to `limit` characters (with a visible mark)."""
    text = make_printable(redact(text))
    if limit is not None and len(text) > limit:
        text = text[: max(0, limit - 1)] + "…"
    return text


def safe_lines(text: str) -> list[str]:
    """`text` split into lines, each redacted and printable. The forms that span lines (a PEM
    private key, a YAML `password: |` block) are redacted on the whole text first; the rest
    line by line, where the word filter skips most lines (the whole table on a 4 MB tail
    costs ~7x the CPU of the line-by-line pass)."""
    low = text.lower()
    for pattern, replacement, words in _SECRETS[:_MULTI_LINE]:
        if any(word in low for word in words):
            text = pattern.sub(replacement, text)
    return [safe(line) for line in text.split("\n")]
