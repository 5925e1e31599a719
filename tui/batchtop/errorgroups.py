"""Group error occurrences by signature: same exception type and message shape = one group.

Thousands of mini-batches failing with `could not convert string to float: 'abc'`, `'x1'`, ...
are one problem to the user, not thousands. The shape replaces numbers, quoted values, hex ids,
paths and JSON blobs with placeholders. Memory is bounded: at most `max_groups` groups, each
keeping counts, a bounded set of places and the text of its latest occurrence.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

MAX_RECORD_CHARS = 32 * 1024
MAX_PLACES = 12
OVERFLOW_SIGNATURE = "(other errors: too many distinct kinds)"

_EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*)(?::\s?(.*))?$")
_EXCEPTION_WORD = re.compile(r"Error|Exception|Exit|Interrupt|Timeout|Failure|Fault|Warning")
"""An exception line is `dotted.Name: message` whose last name part holds one of these words
(after its first letter). Two simple regexes, not one with nested repeats: a 64 KB line of
`ErrorError...` made the single regex backtrack for a minute."""
_TRACEBACK_HEAD = "Traceback (most recent call last):"
_SHAPE_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\{.*\}"), "{…}"),
    (re.compile(r"\[[^\]]*\]"), "[…]"),
    (re.compile(r"'[^']*'|\"[^\"]*\""), "'…'"),
    (re.compile(r"(?:[A-Za-z]:)?(?:/[\w.\-]+){2,}/?"), "<path>"),
    (re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F-]{27,}\b"), "<id>"),
    (re.compile(r"\b0x[0-9a-fA-F]+\b"), "<hex>"),
    (re.compile(r"\b\d+(?:\.\d+)?(?:e[-+]?\d+)?\b"), "<n>"),
)


def split_exception(text: str) -> tuple[str | None, str]:
    """Find the exception type and message in an error record (its last `Type: msg` line).

    Returns (type or None, message). Without a recognisable exception line the first line of
    the record is the message.
    """
    lines = text.rstrip("\n").split("\n")
    seen_traceback = _TRACEBACK_HEAD in text
    for line in reversed(lines):
        stripped = line.strip()
        if not stripped or line.startswith((" ", "\t")) and seen_traceback:
            continue
        m = _EXCEPTION_LINE.match(stripped)
        if m and _is_exception_name(m.group(1)):
            return m.group(1), (m.group(2) or "").strip()
        if seen_traceback and not stripped.startswith(("During handling", "The above")):
            # a bare last line after a traceback is still the exception (custom class names)
            head, sep, rest = stripped.partition(": ")
            if sep and " " not in head and len(head) < 80:
                return head, rest
    first = lines[0].strip() if lines else ""
    return None, first


def _is_exception_name(name: str) -> bool:
    return _EXCEPTION_WORD.search(name, max(1, name.rfind(".") + 1)) is not None


SHAPED_CHARS = 500
"""Only a message's first characters are shaped: the rest cannot change its signature."""
SHAPE_CACHE = 8192
"""Shapes remembered. Errors repeat (the bench's 100k tree: 28,779 records, 2,162 distinct
messages), and the seven substitutions were most of the cost of grouping them; keys are at
most SHAPED_CHARS long, so the cache holds a few MB at most, whatever the job."""


def message_shape(message: str) -> str:
    """`row 12 'abc' in /mnt/x/y.csv` -> `row <n> '…' in <path>` (stable across occurrences)."""
    return _shape(message[:SHAPED_CHARS])


@functools.lru_cache(maxsize=SHAPE_CACHE)
def _shape(head: str) -> str:
    """The shape of a message's first SHAPED_CHARS characters: a pure function of `head`,
    so remembering it changes no answer, and the LRU bound keeps memory flat."""
    shape = head
    for pattern, placeholder in _SHAPE_RULES:
        shape = pattern.sub(placeholder, shape)
    return " ".join(shape.split())


EXAMPLE_CHARS = 40
"""Characters of the example value quoted in a pattern title."""


def group_title(signature: str, message: str, lowest: str = "", highest: str = "") -> str:
    """What an error group is called on screen. A group of one message is that message. A
    group joining several (`KeyError: 'feature_46'`, `KeyError: 'feature_6'`, …: its `lowest`
    and `highest` messages differ) is the message with the values that vary replaced by their
    placeholder, and one example of the first: `KeyError: '…' (e.g. 'feature_46')`, so one
    sample is never presented as the whole (U12). Values every occurrence shares stay as
    written (`[Errno 2]`). The example is `message`'s (the earliest occurrence)."""
    if lowest == highest:
        return message
    low, high = placeholders(lowest), placeholders(highest)
    mine = placeholders(message)
    if len(low) == len(high) == len(mine):
        spans = [
            span
            for span, a, b in zip(mine, low, high, strict=True)
            if lowest[a[0] : a[1]] != highest[b[0] : b[1]]
        ]
    else:  # cannot be lined up (a difference past SHAPED_CHARS): every value may vary
        spans = mine
    if not spans:
        return signature or message
    out, at = [], 0
    for begin, finish, placeholder in spans:
        out += [message[at:begin], _SHOWN.get(placeholder, placeholder)]
        at = finish
    out.append(message[at:])
    example = _short_example(message[spans[0][0] : spans[0][1]])
    if len(example) > EXAMPLE_CHARS:
        example = example[: EXAMPLE_CHARS - 1] + "…"
    return f"{''.join(out)} (e.g. {example})"


def _short_example(value: str) -> str:
    """A path's last part is what tells files apart: `'…/part-0000640.csv'`, not the whole
    mount path, which pushed the example out of a two-line row at 80 columns."""
    quote = value[0] if value[:1] in ("'", '"') and value[-1:] == value[:1] else ""
    inner = value[1:-1] if quote else value
    if "/" not in inner.rstrip("/") or len(value) <= 24:
        return value
    return f"{quote}…/{inner.rstrip('/').rsplit('/', 1)[1]}{quote}"


_SHOWN = {"<n>": "…", "<hex>": "…", "<id>": "…", "<path>": "…"}
"""How a varying value reads in a title: `allocate … GiB`, not the signature's `<n>`."""


def placeholders(message: str) -> list[tuple[int, int, str]]:
    """(start, end, placeholder) of each part of `message` that `message_shape` turns into a
    placeholder (quoted values, numbers, paths, ids…), in the order they appear. The rules are
    applied in the shape's order; each match is blanked with filler of its own length, so
    positions stay those of `message` and a later rule cannot match inside an earlier one's
    value."""
    work = message[:SHAPED_CHARS]
    found: list[tuple[int, int, str]] = []
    for pattern, placeholder in _SHAPE_RULES:
        found += [(m.start(), m.end(), placeholder) for m in pattern.finditer(work)]
        work = pattern.sub(lambda m: "\0" * len(m.group(0)), work)
    return sorted(found)


def placeholder_values(message: str) -> list[str]:
    """The values `placeholders` finds, as written."""
    return [message[a:b] for a, b, _ in placeholders(message)]


def signature_of(text: str) -> tuple[str, str]:
    """(signature, human message) of one error record."""
    exc_type, message = split_exception(text)
    shape = message_shape(message)
    signature = f"{exc_type}: {shape}" if exc_type else shape
    human = f"{exc_type}: {message}" if exc_type else message
    return signature, human[:1000]


@dataclass(slots=True)
class ErrorGroup:
    """Everything batchtop keeps about one kind of error."""

    signature: str
    message: str
    tier_counts: dict[int, int] = field(default_factory=dict)
    first_seen: float | None = None
    last_seen: float | None = None
    places: dict[str, int] = field(default_factory=dict)
    """`node/process` (or file) -> occurrences there; at most MAX_PLACES kept."""
    other_places: int = 0
    files: dict[str, int] = field(default_factory=dict)
    last_text: str = ""
    last_path: str = ""
    mini_batches: dict[int, None] = field(default_factory=dict)
    """Mini-batches this error struck, where the record names one (the first MAX_PLACES)."""
    lowest: str = ""
    highest: str = ""
    """The least and the greatest of its messages (as strings): they differ when the group
    joins several values, and where they differ says which value varies (`group_title`)."""
    _title: tuple[tuple[str, str, str], str] | None = None
    _newest: tuple[bool, float, str] | None = None
    _oldest: tuple[float, str] | None = None

    @property
    def count(self) -> int:
        """Occurrences as told by the most direct kind of file that reported this error."""
        return self.tier_counts[min(self.tier_counts)] if self.tier_counts else 0

    def add(
        self, text: str, human: str, at: float | None, place: str, path: str, tier: int
    ) -> None:
        """Count one occurrence. The message shown is the earliest occurrence's and the text
        kept is the newest one's that holds a traceback (the newest of all when none does),
        by log time (ties by text): the same whatever order the files arrive in, so a live
        follow and a later read of the tree agree. A CSV row's one-line message reported a
        millisecond after the same failure's traceback must not hide the traceback."""
        self.tier_counts[tier] = self.tier_counts.get(tier, 0) + 1
        if at is not None:
            if self.first_seen is None or at < self.first_seen:
                self.first_seen = at
            if self.last_seen is None or at >= self.last_seen:
                self.last_seen = at
        _count_bounded(self.places, place, self)
        if path in self.files or len(self.files) < MAX_PLACES:
            self.files[path] = self.files.get(path, 0) + 1
        capped = text if len(text) <= MAX_RECORD_CHARS else text[:MAX_RECORD_CHARS] + "\n…"
        key = (at if at is not None else float("-inf"), capped)
        newest = (_TRACEBACK_HEAD in capped, *key)
        if self._newest is None or newest >= self._newest:
            self._newest = newest
            self.last_text, self.last_path = capped, path
        # whatever order occurrences arrive in, the same two are kept
        if not self.lowest or human < self.lowest:
            self.lowest = human
        if human > self.highest:
            self.highest = human
        if self._oldest is None or key < self._oldest:
            self._oldest = key
            self.message = human


    @property
    def varied(self) -> bool:
        """Its occurrences' messages differ (118 different keys of one `KeyError: '…'`): the
        message kept is then one example of the group, not the group."""
        return self.lowest != self.highest

    @property
    def title(self) -> str:
        """`group_title`, remembered while the three messages it is made of stay the same
        (every snapshot asks for every group's)."""
        key = (self.message, self.lowest, self.highest)
        if self._title is None or self._title[0] != key:
            self._title = (key, group_title(self.signature, *key))
        return self._title[1]


def _count_bounded(places: dict[str, int], place: str, group: ErrorGroup) -> None:
    if place in places or len(places) < MAX_PLACES:
        places[place] = places.get(place, 0) + 1
    else:
        group.other_places += 1


class ErrorBook:
    """All error groups of a job, bounded in number."""

    def __init__(self, max_groups: int = 500) -> None:
        self.groups: dict[str, ErrorGroup] = {}
        self._max_groups = max_groups

    def add(
        self,
        text: str,
        at: float | None,
        path: str,
        node: str | None,
        process: str | None,
        tier: int = 5,
        mini_batch: int | None = None,
    ) -> ErrorGroup:
        signature, human = signature_of(text)
        group = self.groups.get(signature)
        if group is None:
            if len(self.groups) >= self._max_groups:
                signature, human = OVERFLOW_SIGNATURE, OVERFLOW_SIGNATURE
                group = self.groups.get(signature)
            if group is None:
                group = ErrorGroup(signature=signature, message=human)
                self.groups[signature] = group
        place = "/".join(p for p in (node, process) if p) or path
        group.add(text, human, at, place, path, tier)
        if mini_batch is not None and len(group.mini_batches) < MAX_PLACES:
            group.mini_batches[mini_batch] = None
        return group

    @property
    def total(self) -> int:
        return sum(group.count for group in self.groups.values())
