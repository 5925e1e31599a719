"""Make log text safe to show: secrets redacted, terminal control bytes made visible.

Log lines come from user scripts and can hold anything: SAS URLs, bearer tokens, connection
strings, ANSI/OSC escapes (colours, cursor moves, title changes, OSC 52 clipboard writes). No
such byte may reach the terminal, and no secret may reach any screen, report or log. Rich
markup in log text is harmless once the view renders it as `Text`, never as markup.
"""

from __future__ import annotations

import re

_SECRETS: tuple[tuple[re.Pattern[str], str], ...] = (
    # SAS query parameters: signature and the parameters that make a SAS usable
    (re.compile(r"(?i)\b(sig|signature)=([^&\s\"'<>]+)"), r"\1=***"),
    (
        re.compile(
            r"(?i)\b(AccountKey|SharedAccessKey|SharedAccessSignature|client_secret|"
            r"password|pwd)=([^;&\s\"'<>]+)"
        ),
        r"\1=***",
    ),
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9\-._~+/]+=*"), r"\1 ***"),
    (
        re.compile(
            r"(?i)(\"?(?:access_token|refresh_token|id_token|accessToken|token)\"?\s*[:=]\s*"
            r"\"?)[A-Za-z0-9\-._~+/]{16,}=*"
        ),
        r"\1***",
    ),
    (re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*"), "***jwt***"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


def redact(text: str) -> str:
    """Replace secrets (SAS signatures, account keys, bearer tokens, JWTs) with `***`."""
    if not text:
        return text
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


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
