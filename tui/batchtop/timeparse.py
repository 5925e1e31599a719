"""Timestamps and durations as the runtime writes them, to UTC epoch seconds.

Every era writes UTC without a zone suffix, in one of a few spellings (ISO with `T`, space and
`,mmm` in the pipe logs, bracketed in driver logs, trailing `Z` in execution logs). Durations are
Python `timedelta` text such as `1 day, 2:03:04`.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

_STAMP = re.compile(r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?Z?")
_DURATION = re.compile(r"(?:(-?\d{1,9}) days?, )?(\d{1,9}):(\d\d):(\d\d)(?:\.(\d{1,9}))?")


def parse_stamp(text: str) -> float | None:
    """`2023-05-16T22:10:01.123456` (and the other spellings) -> epoch seconds, None if not one."""
    m = _STAMP.match(text)
    if m is None:
        return None
    second, frac = m.group(6, 7)
    minute = _minute_start(m)
    if minute is None or int(second) > 59:  # datetime's own range for seconds
        return None
    seconds = minute + int(second)
    if frac:
        seconds += int(frac) / 10 ** len(frac)
    return seconds


_MINUTES: dict[str, float | None] = {}
"""Epoch seconds at the start of each minute seen (`2023-05-16 22:10`), or None if invalid.

Logs write many stamps per minute; building a datetime for each one was the single biggest
cost of reading a large tree. Cleared when full, so memory stays bounded."""
_MAX_MINUTES = 4096


def _minute_start(m: re.Match[str]) -> float | None:
    key = m.group(0)[:16]
    try:
        return _MINUTES[key]
    except KeyError:
        pass
    year, month, day, hour, minute = (int(g) for g in m.group(1, 2, 3, 4, 5))
    try:
        start: float | None = datetime(
            year, month, day, hour, minute, tzinfo=timezone.utc
        ).timestamp()
    except ValueError:
        start = None
    if len(_MINUTES) >= _MAX_MINUTES:
        _MINUTES.clear()
    _MINUTES[key] = start
    return start


def parse_duration(text: str) -> float | None:
    """`1 day, 2:03:04.5` -> seconds; None if the text is not a timedelta."""
    m = _DURATION.fullmatch(text.strip())
    if m is None:
        return None
    days, hours, minutes, seconds, frac = m.groups()
    total = int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + int(seconds)
    if frac:
        total += int(frac) / 10 ** len(frac)
    return float(total)


def format_stamp(seconds: float | None) -> str | None:
    """Epoch seconds -> `2023-05-16T22:10:01Z` for summaries (None stays None)."""
    if seconds is None:
        return None
    try:
        return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return None


def format_duration(seconds: float | None) -> str:
    """Seconds -> `2d 03:04:05` / `03:04:05` for humans; `-` when unknown."""
    if seconds is None or seconds != seconds or seconds < 0 or seconds > 1e9:
        return "-"
    whole = int(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{days}d {clock}" if days else clock
