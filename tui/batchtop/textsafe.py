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

import re
import threading
from collections.abc import Callable

MARK = "***"

# Key names whose value is a secret. A name matches when it ENDS with one of these words, so
# `AZURE_CLIENT_SECRET`, `clientSecret`, `db_password`, `storageAccountKey` are all caught.
_ALWAYS = (
    r"secret|password|passwd|passphrase|pwd|account_?key|access_?key|sas_?token|api_?key"
    r"|shared_?access_?signature"
)
# Words that also name harmless things (`pad_token: <pad>`, `key: id`): a secret only when
# the value is long (8+ characters), and `key` only as a whole word or after a separator
# (`AZURE_STORAGE_KEY`, `Ocp-Apim-Subscription-Key`), never inside a word (`monkey`).
_LONG_ONLY = r"[A-Za-z0-9_.\-]*(?:token|signature)|(?:[A-Za-z0-9_.\-]*[_.\-])?key"


def _key_value(keys: str, least: int) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(quoted, bare) patterns for `KEY[:=]VALUE` with these key names."""
    key = rf"(?<![A-Za-z0-9_.\-])(?:{keys})"  # starts a name: one try per run, not O(n^2)
    quoted = re.compile(
        rf"(?i)(?P<k>[\"']?{key}[\"']?\s*[:=]\s*)(?P<q>[\"'])(?P<v>[^\"'\n]{{{least},}})(?P=q)"
    )
    bare = re.compile(
        rf"(?i)(?P<k>{key}\s*[:=]\s*)(?!\*\*\*)(?P<v>[^\s\"',;&<>(){{}}\[\]]{{{least},}})"
    )
    return quoted, bare


_QUOTED, _BARE = _key_value(rf"[A-Za-z0-9_.\-]*?(?:{_ALWAYS})", 1)
_QUOTED_LONG, _BARE_LONG = _key_value(_LONG_ONLY, 8)
_CLI_FLAG = re.compile(rf"(?i)((?<![A-Za-z0-9\-])--[A-Za-z0-9\-]*(?:{_ALWAYS})[ =])(?!\*\*\*)(\S+)")
_URL_PASSWORD = re.compile(
    r"(?i)(?<![a-z0-9+.\-])([a-z][a-z0-9+.\-]*://[^:/?#\s@]*:)(?!\*\*\*@)[^/?#\s]+@"
)
_SAS = re.compile(
    r"(?i)(?<![\w%])(?:[a-z]{2,6}=[^&\s\"'<>]{0,512}&)*sig=[^&\s\"'<>]*"
    r"(?:&[a-z]{2,6}=[^&\s\"'<>]{0,512})*"
)
_SAS_VALUE = re.compile(r"=[^&]*")
_BEARER = re.compile(r"(?i)\b(bearer\s+)(?!\*\*\*)[A-Za-z0-9\-._~+/]+=*")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*")


def _quoted(m: re.Match[str]) -> str:
    return f"{m['k']}{m['q']}{MARK}{m['q']}"


def _bare(m: re.Match[str]) -> str:
    return f"{m['k']}{MARK}"


def _sas(m: re.Match[str]) -> str:
    return _SAS_VALUE.sub("=" + MARK, m.group(0))


_KEY_WORDS = (
    "secret",
    "password",
    "passwd",
    "passphrase",
    "pwd",
    "key",
    "sas",
    "token",
    "signature",
)
_SECRETS: tuple[
    tuple[re.Pattern[str], str | Callable[[re.Match[str]], str], tuple[str, ...]], ...
] = (
    # (pattern, replacement, words one of which the lowercased text must hold for the pattern
    # to possibly match: most log lines hold none, and skip the regular expressions)
    (_JWT, MARK, ("eyj",)),  # first: a JWT inside any other form is gone whatever its key
    (_SAS, _sas, ("sig=",)),  # every parameter of a SAS query that carries a signature
    (_URL_PASSWORD, rf"\1{MARK}@", ("://",)),  # scheme://user:PASSWORD@host
    (_BEARER, rf"\1{MARK}", ("bearer",)),
    (_QUOTED, _quoted, _KEY_WORDS),  # "client_secret": "...", 'AZURE_CLIENT_SECRET': '...'
    (_QUOTED_LONG, _quoted, _KEY_WORDS),  # "access_token": "...", 'AZURE_STORAGE_KEY': '...'
    (_BARE, _bare, _KEY_WORDS),  # AZURE_CLIENT_SECRET=..., AccountKey=...;, password: ...
    (_BARE_LONG, _bare, _KEY_WORDS),  # access_token=..., Ocp-Apim-Subscription-Key: ...
    (_CLI_FLAG, rf"\1{MARK}", ("--",)),  # --client-secret VALUE
)

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
