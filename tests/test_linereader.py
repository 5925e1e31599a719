"""LineReader: whole lines out, whatever the chunking; CR/CRLF; split UTF-8; long lines."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from batchtop.linereader import LineReader, _has_long_line


def read_in_chunks(data: bytes, cuts: list[int], max_line: int = 64 * 1024) -> str:
    reader = LineReader(max_line=max_line)
    out, last = [], 0
    for cut in sorted(set(c % (len(data) + 1) for c in cuts)):
        out.append(reader.feed(data[last:cut]))
        last = cut
    out.append(reader.feed(data[last:]))
    out.append(reader.finish())
    return "".join(out)


def test_partial_line_is_held_until_its_end_arrives():
    reader = LineReader()
    assert reader.feed(b"first line\nsec") == "first line\n"
    assert reader.feed(b"ond li") == ""
    assert reader.feed(b"ne\n") == "second line\n"


def test_utf8_character_split_across_chunks_is_not_mangled():
    data = "température 20°C — ok\n".encode()
    split = data.index("°".encode()) + 1  # inside the two-byte character
    reader = LineReader()
    assert reader.feed(data[:split]) == ""
    assert reader.feed(data[split:]) == "température 20°C — ok\n"


def test_crlf_split_between_chunks_gives_one_line_break():
    reader = LineReader()
    assert reader.feed(b"a\r") == ""
    assert reader.feed(b"\nb\r\n") == "a\nb\n"


def test_cr_only_line_ends_become_lines():
    assert LineReader().feed(b"10%\r20%\r30%\n") == "10%\n20%\n30%\n"


def test_invalid_utf8_becomes_replacement_characters():
    assert LineReader().feed(b"bad \xff\xfe bytes\n") == "bad \ufffd\ufffd bytes\n"


def test_huge_line_is_cut_with_a_visible_mark_and_memory_stays_bounded():
    reader = LineReader(max_line=100)
    for _ in range(1000):
        assert reader.feed(b"x" * 1000) == ""
        assert len(reader._pending) <= 100
    out = reader.feed(b"tail\nnext\n")
    first, second = out.split("\n")[:2]
    assert first.startswith("x" * 100)
    assert "line cut: 999904 more characters" in first
    assert second == "next"
    assert reader.lines_cut == 1


def test_long_line_inside_one_chunk_is_cut_too():
    out = LineReader(max_line=10).feed(b"short\n" + b"y" * 50 + b"\nend\n")
    lines = out.split("\n")
    assert lines[0] == "short"
    assert lines[1].startswith("y" * 10) and "40 more" in lines[1]
    assert lines[2] == "end"


@given(
    st.lists(
        st.sampled_from(["abc", "é", "°C", "\r\n", "\n", "\r", "x" * 30, "日本", "\x00"]),
        max_size=40,
    ),
    st.lists(st.integers(min_value=0, max_value=10_000), max_size=12),
)
def test_any_chunking_gives_the_same_text(pieces, cuts):
    data = "".join(pieces).encode()
    assert read_in_chunks(data, cuts) == read_in_chunks(data, [])


@given(
    st.lists(st.integers(min_value=0, max_value=25), max_size=30),
    st.integers(min_value=1, max_value=12),
)
def test_lines_longer_than_the_limit_are_found_exactly(lengths, limit):
    block = "".join("x" * n + "\n" for n in lengths)
    expected = any(n > limit for n in lengths)
    assert _has_long_line(block, limit) == expected
    cut = LineReader(max_line=limit).feed(block.encode())
    assert ("line cut" in cut) == expected
