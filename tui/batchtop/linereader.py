"""Turn a file's byte chunks, as they arrive, into blocks of complete lines.

A chunk may end in the middle of a line or of a UTF-8 character; the reader holds the tail back
until the rest arrives, so parsers only ever see whole lines and the same bytes give the same
lines whatever the chunking. Decoding and line finding are done on the whole chunk at C speed;
the parsers receive one string per chunk, not one call per line.
"""

from __future__ import annotations

import codecs

DEFAULT_MAX_LINE = 64 * 1024
"""Longest line kept whole. Longer lines are cut (the file itself still has the full text)."""

TRUNCATION_MARK = " …[line cut: {n} more characters]"


class LineReader:
    """Incremental bytes -> complete lines, with CRLF/CR normalised and bounded memory."""

    def __init__(self, max_line: int = DEFAULT_MAX_LINE) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._pending = ""  # start of the current, unfinished line (at most max_line chars)
        self._dropped = 0  # characters of the current line beyond max_line, not kept
        self._max_line = max_line
        self.lines_cut = 0
        """How many lines were longer than max_line (shown to the user as a file statistic)."""

    def feed(self, data: bytes) -> str:
        """Return the complete lines finished by `data`, joined and ending in `\\n` (or '')."""
        text = self._decoder.decode(data)
        return self._take(text)

    def finish(self) -> str:
        """End of file for now: hand out the unfinished last line too (used by --once)."""
        text = self._decoder.decode(b"", final=True)
        block = self._take(text)
        if self._pending or self._dropped:
            block += self._cut(self._pending) + "\n"
            self._pending, self._dropped = "", 0
        return block

    def _take(self, text: str) -> str:
        if not text:
            return ""
        if "\r" in text or self._pending.endswith("\r"):
            text = self._normalise_cr(text)
        end = text.rfind("\n")
        if end < 0:
            self._hold(text)
            return ""
        first_nl = text.find("\n")
        self._hold(text[:first_nl])
        first = self._cut(self._pending)  # the line that was pending, now complete
        self._pending, self._dropped = "", 0
        rest = text[first_nl + 1 : end + 1]
        self._hold(text[end + 1 :])
        if _has_long_line(rest, self._max_line):
            rest = self._cap_lines(rest)
        return first + "\n" + rest

    def _normalise_cr(self, text: str) -> str:
        # A CR at the very end may be the first half of a CRLF split across chunks: keep it
        # with the pending tail by turning it into nothing now and remembering it.
        if self._pending.endswith("\r"):
            self._pending = self._pending[:-1]
            text = "\r" + text
        text = text.replace("\r\n", "\n")
        if text.endswith("\r"):
            text = text[:-1].replace("\r", "\n") + "\r"
            return text
        return text.replace("\r", "\n")

    def _hold(self, tail: str) -> None:
        if not tail:
            return
        room = self._max_line - len(self._pending)
        if len(tail) <= room:
            self._pending += tail
        else:
            self._pending += tail[: max(room, 0)]
            self._dropped += len(tail) - max(room, 0)

    def _cut(self, line: str) -> str:
        if self._dropped:
            self.lines_cut += 1
            return line + TRUNCATION_MARK.format(n=self._dropped)
        return line

    def _cap_lines(self, block: str) -> str:
        out = []
        for line in block[:-1].split("\n"):
            if len(line) > self._max_line:
                self.lines_cut += 1
                extra = len(line) - self._max_line
                line = line[: self._max_line] + TRUNCATION_MARK.format(n=extra)
            out.append(line)
        return "\n".join(out) + "\n"


def _has_long_line(block: str, limit: int) -> bool:
    """Does `block` (whole lines) hold a line longer than `limit`? Linear, at C speed.

    Each step looks for the last newline within `limit + 1` characters of a line start and
    jumps past it, so a block of short lines costs a few `rfind` calls per `limit` characters
    (a regex for a long run of non-newlines would rescan every line from each of its offsets).
    """
    start = 0
    while len(block) - start > limit:
        newline = block.rfind("\n", start, start + limit + 1)
        if newline < 0:
            return True
        start = newline + 1
    return False
