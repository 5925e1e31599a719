"""One job clock, from the runtime's own files (issue 16, R1).

A scoring script prints whatever it likes: a forecast row dated 2031, a history row dated 1999.
Such dates never set the job's time, its start or anyone's last sign of life, and a user
record's stamp outside the job's span is not believed (shown as unknown).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from batchtop.cli import main, read_tree_once
from batchtop.liveness import states_of
from batchtop.summary import summary_dict
from batchtop.timeparse import parse_stamp
from helpers import ingest_files

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def summary_of(path: Path) -> dict:
    ingestor, _ = read_tree_once(path)
    return summary_dict(ingestor.snapshot())


def test_dated_user_rows_do_not_move_the_clock():
    """fixtures/v2-user-dated-output (NOTES.md works the answers out by hand): the runtime's
    first stamp is 22:00:00, its newest 22:10:20; stdout's 1999 and 2031 rows are data."""
    got = summary_of(FIXTURES / "v2-user-dated-output")
    assert got["started_at"] == "2023-05-16T22:00:00Z"
    assert got["data_time"] == "2023-05-16T22:10:20Z"
    assert got["elapsed_seconds"] == 620.0
    (error,) = got["errors"]
    assert (error["first_seen"], error["last_seen"]) == (None, None)  # dated 2031: not believed
    assert {p["name"]: p["last_seen"] for p in got["nodes"][0]["processes"]} == {
        "process000": "2023-05-16T22:10:15Z",
        "process001": "2023-05-16T22:10:12Z",
    }


def test_the_review_probe_a_2031_row_changes_nothing(tmp_path):
    """code-review-3 R1's probe: one `2031-01-01 00:00:00 …` row appended to a worker's stdout
    of v2-running once gave an elapsed time of 7.6 years and turned node 1 dead."""
    tree = tmp_path / "fut"
    shutil.copytree(FIXTURES / "v2-running", tree)
    before = summary_of(tree)
    stdout = tree / "logs/user/stdout/0/process000.stdout.txt"
    with stdout.open("a") as f:
        f.write("2031-01-01 00:00:00 forecast horizon row 1\n")
        f.write("1999-01-01 00:00:00 historical row\n")
    after = summary_of(tree)
    for key in ("started_at", "data_time", "elapsed_seconds", "nodes"):
        assert after[key] == before[key], key
    assert before["data_time"] == "2023-05-16T22:01:49Z"  # fixtures/README.md: the newest line


def test_a_user_record_is_counted_but_not_dated_by_its_printed_stamp():
    """Even a stamp inside the runtime's span (Python logging's own time, 22:05) dates
    nothing: whether a printed date is a time cannot be told from its shape."""
    ing = ingest_files(
        {
            "logs/sys/node/0/process000.txt": (
                "2023-05-16 22:00:00,000|INFO|100|1|hello\n2023-05-16 22:10:00,000|INFO|100|1|x\n"
            ),
            "logs/user/stdout/0/process000.stdout.txt": (
                "2023-05-16 22:05:00,000 ERROR scoring failed\n"
                "Traceback (most recent call last):\n"
                '  File "score.py", line 3, in run\n'
                "KeyError: 'price'\n"
                "2023-05-16 22:12:00,000 INFO still printing\n"
            ),
        }
    )
    snap = ing.snapshot()
    (error,) = snap.errors
    assert (error.count, error.first_seen, error.last_seen) == (1, None, None)
    assert snap.data_time == parse_stamp("2023-05-16 22:10:00")  # not the 22:12 print
    assert snap.nodes[0].processes[0].last_seen == parse_stamp("2023-05-16 22:10:00")


def test_a_replay_is_not_stretched_to_2031(capsys):
    """R1: the replay's slices once grew to 12 days (resolution 1,048,576 s) and `+5m` showed
    the final counts. fixtures/v2-user-dated-output: 60 processed at 22:05:20 (NOTES.md)."""
    main(["--dir", str(FIXTURES / "v2-user-dated-output"), "--at", "+5m30s", "--json"])
    data = json.loads(capsys.readouterr().out)
    # 620 s of job in at most 240 slices: power-of-two widths, 4 s (2031 needed 2**21 s)
    assert data["replay"]["resolution_seconds"] == 4.0
    assert data["mini_batches"]["processed"] == 60


def test_only_the_drivers_bracketed_stamps_date_its_banners():
    """std_log_*.txt is the driver's stdout, where the script prints too (evidence.md N10):
    `[2024-01-16 01:56:57.441773] …` is the driver's time, an unbracketed date is not."""
    ing = ingest_files(
        {
            "user_logs/std_log_0.txt": (
                "[2024-01-16 01:56:50.000000] Azure Machine Learning Batch Inference Start\n"
                "2031-01-01 00:00:00 a row the script printed\n"
                "1999-01-01 00:00:00 another\n"
            )
        }
    )
    snap = ing.snapshot()
    assert snap.started_at == snap.data_time == parse_stamp("2024-01-16 01:56:50")


def test_states_of_a_tree_with_printed_dates_equal_those_without(tmp_path):
    """The same tree without its stdout gives the same judgement: user output is no clock."""
    tree = tmp_path / "t"
    shutil.copytree(FIXTURES / "v2-user-dated-output", tree)
    with_stdout = states_of(read_tree_once(tree)[0].snapshot())
    shutil.rmtree(tree / "logs/user")
    (tree / "user_logs/std_log_0.txt").write_text(
        "[2023-05-16 22:00:01.000000] Azure Machine Learning Batch Inference Start\n"
    )
    assert states_of(read_tree_once(tree)[0].snapshot()) == with_stdout
