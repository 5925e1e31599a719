"""Cells of a CSV column to numbers, all at once, with the per-cell functions' exact answers.

The attempt CSVs repeat one shape on millions of rows; converting a column with one C-level
`map` or one numpy expression costs a fraction of a Python call per cell. Each function gives
what `to_int` / `to_float` / `parse_stamp` give cell by cell (NaN or -1 where they give None),
and falls back to them for the cells (or the column) that do not have the common shape.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from batchtop.timeparse import parse_stamp

_LIMIT = 1 << 53


def ints(cells: Sequence[str], slow: Callable[[str], int | None]) -> Any:
    """`slow(cell)` for each cell as an int64 array, -1 where it gives None (`to_int`: only
    0 <= value < 2**53 is a number)."""
    import numpy as np

    try:
        values = list(map(int, cells))
    except ValueError:
        return np.array([_or_minus(slow(c)) for c in cells], dtype=np.int64)
    if values and (min(values) < 0 or max(values) >= _LIMIT):
        return np.array([_or_minus(slow(c)) for c in cells], dtype=np.int64)
    return np.array(values, dtype=np.int64)


def _or_minus(value: int | None) -> int:
    return -1 if value is None else value


def floats(cells: Sequence[str], slow: Callable[[str], float | None]) -> Any:
    """`slow(cell)` for each cell as a float64 array, NaN where it gives None (`to_float`:
    only finite values are numbers)."""
    import numpy as np

    try:
        values = np.array(list(map(float, cells)), dtype=np.float64)
    except ValueError:
        return np.array([_or_nan(slow(c)) for c in cells], dtype=np.float64)
    values[~np.isfinite(values)] = np.nan
    return values


def _or_nan(value: float | None) -> float:
    return math.nan if value is None else value


def stamps(cells: Sequence[str]) -> Any:
    """`parse_stamp(cell.strip())` for each cell as a float64 array (NaN for None).

    Vectorised when every cell has one length and the shape `YYYY-MM-DD?hh:mm:ss[.,]f{1,9}`
    (optionally a trailing `Z`): the seconds of each distinct minute come from `parse_stamp`
    itself (a few per block), the seconds and fraction from the digits, with the same float
    operations in the same order, so each value is bit-identical."""
    import numpy as np

    if not cells:
        return np.zeros(0)
    width = len(cells[0])
    fast = width >= 19 and set(map(len, cells)) == {width}
    try:
        raw = "".join(cells).encode("ascii") if fast else b""
    except UnicodeEncodeError:
        fast = False
    if fast:
        found = _vector_stamps(np.frombuffer(raw, dtype=np.uint8).reshape(len(cells), width))
        if found is not None:
            return found
    return np.array([_or_nan(parse_stamp(c.strip())) for c in cells], dtype=np.float64)


_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]


def _vector_stamps(a: Any) -> Any:
    import numpy as np

    width = a.shape[1]
    frac_end = width - 1 if a[0, -1] == ord("Z") and width > 19 else width
    if frac_end - 20 > 9 or frac_end == 20:
        return None
    d = a.astype(np.int64) - ord("0")
    seps = (
        (a[:, 4] == ord("-"))
        & (a[:, 7] == ord("-"))
        & ((a[:, 10] == ord("T")) | (a[:, 10] == ord(" ")))
        & (a[:, 13] == ord(":"))
        & (a[:, 16] == ord(":"))
    )
    digit_cols = _DIGITS + list(range(20, frac_end))
    if not seps.all() or not ((d[:, digit_cols] >= 0) & (d[:, digit_cols] <= 9)).all():
        return None
    if frac_end > 19 and not ((a[:, 19] == ord(".")) | (a[:, 19] == ord(","))).all():
        return None
    if frac_end < width and not (a[:, -1] == ord("Z")).all():
        return None

    def number(columns: range) -> Any:
        value = np.zeros(len(a), dtype=np.int64)
        for c in columns:
            value = value * 10 + d[:, c]
        return value

    minute_key = (
        number(range(0, 4)) * 100_000_000
        + number(range(5, 7)) * 1_000_000
        + number(range(8, 10)) * 10_000
        + number(range(11, 13)) * 100
        + number(range(14, 16))
    )
    keys, which = np.unique(minute_key, return_inverse=True)
    starts = np.array([_minute(int(k)) for k in keys], dtype=np.float64)
    second = number(range(17, 19))
    seconds = starts[which] + second  # float + int, as parse_stamp adds them
    if frac_end > 20:
        seconds = seconds + number(range(20, frac_end)) / float(10 ** (frac_end - 20))
    seconds[second > 59] = np.nan
    return seconds


def _minute(key: int) -> float:
    """Seconds at the start of minute YYYYMMDDhhmm, from parse_stamp itself (NaN if none)."""
    y, rest = divmod(key, 100_000_000)
    mo, rest = divmod(rest, 1_000_000)
    day, rest = divmod(rest, 10_000)
    h, mi = divmod(rest, 100)
    return _or_nan(parse_stamp(f"{y:04d}-{mo:02d}-{day:02d}T{h:02d}:{mi:02d}:00"))
