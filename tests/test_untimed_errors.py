"""An error record without a time is counted once, however often its file is read again
(issue 16, R8). v2 user stdout/stderr carry no stamps, so their tracebacks are such records.
"""

from __future__ import annotations

from batchtop.ingest import Ingestor

PATH = "logs/user/stderr/0/process000.stderr.txt"
TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "/mnt/azureml/cr/j/000000205a1e4b7c9d2e7f3a00000032/exe/wd/score.py", line 12, in run\n'
    "    price = row['price']\n"
    "KeyError: 'price'\n"
)


def counts(ingestor: Ingestor) -> list[tuple[str, int]]:
    return [(e.message, e.count) for e in ingestor.snapshot().errors]


def read(ingestor: Ingestor, text: str) -> None:
    ingestor.feed(PATH, text.encode())
    ingestor.flush(final=True)


def test_a_file_read_again_does_not_double_its_untimed_errors():
    """The review's probe: one KeyError, then reset + re-read, gave a count of 2."""
    ing = Ingestor()
    read(ing, TRACEBACK)
    assert counts(ing) == [("KeyError: 'price'", 1)]
    ing.reset(PATH)
    read(ing, TRACEBACK)
    assert counts(ing) == [("KeyError: 'price'", 1)]


def test_the_same_untimed_error_twice_in_a_file_is_two_and_stays_two():
    """Two identical tracebacks are two occurrences (two places in the file); a re-read that
    also brings a third one adds exactly that one."""
    ing = Ingestor()
    read(ing, TRACEBACK + "scoring the next file\n" + TRACEBACK)
    assert counts(ing) == [("KeyError: 'price'", 2)]
    ing.reset(PATH)
    read(ing, TRACEBACK + "scoring the next file\n" + TRACEBACK + TRACEBACK)
    assert counts(ing) == [("KeyError: 'price'", 3)]


def test_another_file_with_the_same_untimed_error_is_another_occurrence():
    ing = Ingestor()
    read(ing, TRACEBACK)
    ing.feed(PATH.replace("process000", "process001"), TRACEBACK.encode())
    ing.flush(final=True)
    assert counts(ing) == [("KeyError: 'price'", 2)]
