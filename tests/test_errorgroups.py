"""Error grouping: same exception type and message shape = one group; bounded."""

from __future__ import annotations

from batchtop.errorgroups import (
    OVERFLOW_SIGNATURE,
    ErrorBook,
    group_title,
    placeholder_values,
    signature_of,
)

TRACEBACK = """Traceback (most recent call last):
  File "/mnt/azureml/cr/j/abc/exe/wd/score.py", line 42, in run
    value = float(row["price"])
ValueError: could not convert string to float: '{value}'"""


def test_messages_differing_only_by_values_share_a_signature():
    a, _ = signature_of(TRACEBACK.format(value="abc"))
    b, _ = signature_of(TRACEBACK.format(value="x1"))
    assert a == b == "ValueError: could not convert string to float: '…'"


def test_different_exception_types_are_different_groups():
    a, _ = signature_of("KeyError: 'price'")
    b, _ = signature_of("ValueError: 'price'")
    assert a != b


def test_numbers_paths_and_json_are_shape_placeholders():
    sig, human = signature_of(
        'Stop for run() unable to finish within 60 seconds for {"agent": "process001", "task_id": 7}'
    )
    assert sig == "Stop for run() unable to finish within <n> seconds for {…}"
    assert '"task_id": 7' in human


def test_book_counts_first_last_and_places():
    book = ErrorBook()
    book.add(TRACEBACK.format(value="a"), 100.0, "logs/x.txt", "0", "process000", tier=1)
    book.add(TRACEBACK.format(value="b"), 50.0, "logs/y.txt", "1", "process001", tier=1)
    (group,) = book.groups.values()
    assert group.count == 2
    assert (group.first_seen, group.last_seen) == (50.0, 100.0)
    assert set(group.places) == {"0/process000", "1/process001"}
    assert "'a'" in group.last_text  # the newest occurrence by log time, not by arrival
    assert group.message.endswith("'b'")  # the earliest one


def test_the_same_failure_reported_by_two_kinds_of_file_counts_once():
    book = ErrorBook()
    for _ in range(3):
        book.add("ValueError: bad row 1", 1.0, "logs/user/error/0/process000.txt", "0", "p", tier=1)
        book.add("ValueError: bad row 2", 1.0, "logs/sys/node/0/process000.txt", "0", "p", tier=3)
    (group,) = book.groups.values()
    assert group.count == 3


def test_group_count_is_bounded():
    book = ErrorBook(max_groups=5)
    for i in range(50):
        book.add(f"Error{i}Error: boom", float(i), "f", None, None)
    assert len(book.groups) == 6  # 5 + the overflow group
    assert book.groups[OVERFLOW_SIGNATURE].count == 45


def test_the_text_kept_is_the_newest_traceback_not_a_later_one_line_report():
    """v2: job_error.txt gives the traceback and processed_mini-batches.csv the one-line
    message of the same failure, its time (start + rounded elapsed) a hair later."""
    book = ErrorBook()
    traceback = "Traceback (most recent call last):\n  File \"score.py\", line 1\nKeyError: 'a'"
    book.add(traceback, 100.0, "logs/job_error.txt", "0", "process000", tier=2)
    book.add(
        "KeyError: 'a'",
        100.0004,
        "logs/sys/job_report/processed_mini-batches.csv",
        "0",
        "process000",
        tier=4,
    )
    (group,) = book.groups.values()
    assert group.last_text == traceback
    assert group.last_path == "logs/job_error.txt"
    book.add(
        "Traceback (most recent call last):\nKeyError: 'b'", 200.0, "logs/job_error.txt", None, None
    )
    assert group.last_text.endswith("KeyError: 'b'")  # a newer traceback still wins


def test_shapes_are_remembered_within_a_bound_and_equal_the_uncached_rule():
    """Issue 12: shaping each record again was most of the cost of grouping (28,779 records,
    2,162 distinct messages on the bench's 100k tree). The remembered shape must be the rule's
    own answer (only the first SHAPED_CHARS characters count), and memory must stay bounded
    however many distinct messages a job throws."""
    from batchtop import errorgroups

    errorgroups._shape.cache_clear()
    long_a = "row 12 'abc' " * 60 + "tail one"
    long_b = "row 99 'xyz' " * 60 + "another tail"
    assert errorgroups.message_shape(long_a) == errorgroups.message_shape(long_b)
    for i in range(errorgroups.SHAPE_CACHE + 500):
        assert errorgroups.message_shape(f"KeyError word{i}x") == f"KeyError word{i}x"
    info = errorgroups._shape.cache_info()
    assert info.currsize == errorgroups.SHAPE_CACHE
    assert errorgroups.message_shape(long_a) == "row <n> '…' " * 38 + "row <n>"


KEY_ERROR = """Traceback (most recent call last):
  File "/mnt/azureml/cr/j/abc/exe/wd/score.py", line 17, in run
    row = features['{key}']
KeyError: '{key}'"""


def test_a_group_of_many_values_is_titled_as_its_pattern_with_one_example():
    """U12: 118 different keys were titled `KeyError: 'feature_46'`, one sample as the whole."""
    book = ErrorBook()
    for i, key in enumerate(("feature_46", "feature_94", "feature_6")):
        book.add(KEY_ERROR.format(key=key), 100.0 + i, "logs/user/error/0/x.txt", "0", "p", 1)
    (group,) = book.groups.values()
    assert group.varied
    # the example is the earliest occurrence's value (t=100): the same whatever the read order
    assert group.title == "KeyError: '…' (e.g. 'feature_46')"


def test_a_group_of_one_message_is_titled_by_that_message():
    book = ErrorBook()
    for at in (1.0, 2.0):
        book.add(TRACEBACK.format(value="abc"), at, "logs/x.txt", "0", "p", 1)
    (group,) = book.groups.values()
    assert not group.varied
    assert group.title == "ValueError: could not convert string to float: 'abc'"


def test_the_example_is_the_value_that_varies_not_one_every_occurrence_shares():
    """fixtures/v2-running: `FileNotFoundError: [Errno 2] No such file or directory: '…'`
    was titled `(e.g. [Errno 2])`, a value all its occurrences share."""
    book = ErrorBook()
    for i, name in enumerate(("/mnt/in/b.csv", "/mnt/in/a.csv", "/mnt/in/c.csv")):
        text = f"FileNotFoundError: [Errno 2] No such file or directory: '{name}'"
        book.add(text, 10.0 - i, "logs/x.txt", "0", "p", 1)
    (group,) = book.groups.values()
    # earliest occurrence: c.csv at t=8; `[Errno 2]`, the same in all, stays as written
    assert group.title == (
        "FileNotFoundError: [Errno 2] No such file or directory: '…' (e.g. '/mnt/in/c.csv')"
    )
    # a long path: its last part tells the files apart, and fits a two-line row at 80 columns
    title = group_title(
        "FileNotFoundError: [Errno 2] No such file or directory: '…'",
        "FileNotFoundError: [Errno 2] No such file or directory: "
        "'/mnt/azureml/inputs/part-0000640.csv'",
        "FileNotFoundError: [Errno 2] No such file or directory: '/mnt/a'",
        "FileNotFoundError: [Errno 2] No such file or directory: '/mnt/b'",
    )
    assert title.endswith(": '…' (e.g. '…/part-0000640.csv')")


def test_placeholder_values_are_in_message_order_and_titles_are_cut():
    assert placeholder_values("row 12 of /mnt/data/a.csv: 'x'") == ["12", "/mnt/data/a.csv", "'x'"]
    assert placeholder_values("no values here") == []
    long = "KeyError: '" + "k" * 100 + "'"
    title = group_title("KeyError: '…'", long, "KeyError: 'a'", "KeyError: 'z'")
    assert title.startswith("KeyError: '…' (e.g. 'kkk") and title.endswith("…)")
    assert len(title) == len("KeyError: '…' (e.g. )") + 40
    assert group_title("KeyError: '…'", "KeyError: 'a'", "x", "x") == "KeyError: 'a'"


def test_varying_numbers_read_as_an_ellipsis_in_a_title():
    book = ErrorBook()
    for at, size in ((1.0, "2.10"), (2.0, "1.50")):
        text = f"RuntimeError: CUDA out of memory. Tried to allocate {size} GiB (GPU 1)"
        book.add(text, at, "logs/x.txt", "0", "p", 1)
    (group,) = book.groups.values()
    assert group.title == (
        "RuntimeError: CUDA out of memory. Tried to allocate … GiB (GPU 1) (e.g. 2.10)"
    )
