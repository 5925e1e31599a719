"""The advice table: each entry matched by the real wording (source cited), nothing else.

Wordings are quoted from ../shared/formats/evidence.md and the Learn pages it cites (ids D1, D2,
I1...). Where a source shows a placeholder ("[number]", "<process-name>") one value is put in.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from batchtop.advice import advice_for_error, advice_for_text, parse_table, table
from batchtop.snapshot import ErrorView
from helpers import ingest_files, summarise_tree

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

REAL_WORDING = {
    # I6 (job error text) and D2 ("Message logged")
    "no-succeeded-mini-batch": "… You can check logs/readme.txt for the layout of logs. The master role failed with error: There is no succeeded mini batch item returned from run(). Please check 'response: run()' in https://aka.ms/batch-inference-documentation",
    # I1, a real worker line
    "run-timeout": '2021-04-13 03:23:05,649|ERROR|334|Stop for run() unable to finish within 90 seconds for {"agent": "process000", "task_id": 16, "dequeue_count": 1, "total": 2, "succeeded": 0, "method": "run", "exc_type": ""}',
    # D2 "Message logged", [number] filled in
    "no-progress-update": "No progress update in 600 seconds. No progress update in this check. Wait 600 seconds since last update.",
    # code only (C2, old runtime), as the fixtures' overview writes it
    "error-threshold": "The number of failed items is 45, which exceeds error threshold 40.",
    # D1: `<process-name> exits with returncode -9.` in logs/sys/node/<node-id>/_main.txt
    "process-killed-oom": "process001 exits with returncode -9.",
    # Python's own exception, last line of a traceback
    "python-memory-error": 'Traceback (most recent call last):\n  File "score.py", line 12, in run\n    data = load(path)\nMemoryError',
    # PyTorch's wording, as the fixture trees hold it
    "cuda-out-of-memory": "RuntimeError: CUDA out of memory. Tried to allocate 1.35 GiB (GPU 0; 15.78 GiB total capacity; 12.14 GiB already allocated)",
    # D2 "Message logged" (Learn writes the module name in code quotes; Python writes 'azureml')
    "no-module-azureml": "ModuleNotFoundError: No module named 'azureml'",
    # D2
    "user-program-failed": "User program failed with Exception: Run failed. Please check logs for details. You can check logs/readme.txt for the layout of logs.",
    # D2
    "no-objects-to-concatenate": "ValueError: No objects to concatenate",
    # D2
    "storage-authentication": "ScriptExecutionException was caused by StreamAccessException. StreamAccessException was caused by AuthenticationException.",
    # D2
    "dataset-mount-failed": "Dataset initialization failed: UserErrorException: Message: Can't mount Dataset(ID='xxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx', name='None', version=None). Source of the dataset is either not accessible or doesn't contain any data.",
    # D2
    "unsupported-input": "Data set node [code] references parameter `dataset_param`, which doesn't have a specified value or a default value.",
    # I8 (driver traceback's last line)
    "exit-42": 'Traceback (most recent call last):\n  File "driver/amlbi_main.py", line 275, in <module>\n    main()\nSystemExit: 42',
    # I1, real line
    "task-visible-noise": "2021-04-13 03:25:50,285|ERROR|254|140325028292352|Failed to set task visible because of (195, 1).",
}

UNKNOWN_ERRORS = [
    # the fixtures' other errors: no advice is known for them, so none may be given
    "KeyError: 'feature_94'",
    "ValueError: could not convert string to float: 'abc'",
    "FileNotFoundError: [Errno 2] No such file or directory: '/mnt/azureml/inputs/part-0000005.csv'",
    # words close to known ones
    "torch.cuda.OutOfMemoryError is mentioned in a comment",
    "process001 exits with returncode -90.",
    "2021-04-13 03:23:05,649|INFO|334|run() finished within 2 seconds",
    # code review 3, R11: modules of other packages than azureml-core, in Python's wording.
    # microsoft/AMLDataPrepDocs#14 and Azure/azure-cli-extensions#2441 (fixed by
    # azureml-dataprep, not azureml-core)
    "ModuleNotFoundError: No module named 'azureml.dataprep'",
    "ModuleNotFoundError: No module named 'azureml.fsspec'",  # the azureml-fsspec package
    "ModuleNotFoundError: No module named 'azureml_user'",  # the runtime's own entry-script package
    "ModuleNotFoundError: No module named 'azureml.core.run'",
    # a local azureml.py shadows the package: installing azureml-core changes nothing
    "ModuleNotFoundError: No module named 'azureml.core'; 'azureml' is not a package",
]

MORE_REAL_WORDINGS = [
    # (wording, advice): other real wordings of a table entry's problem
    # Azure/MachineLearningNotebooks#38: `from azureml.core import Workspace` without azureml-core
    ("ImportError: No module named 'azureml.core'", "no-module-azureml"),
    ("ModuleNotFoundError: No module named 'azureml.core'", "no-module-azureml"),
    # microsoft/MeshGraphormer#17 (fixed by installing azureml-core); D2's own wording, unquoted
    (
        "No module named 'azureml'. I check the root and couldn't find the file.",
        "no-module-azureml",
    ),
    ("No module named azureml", "no-module-azureml"),
]


def test_every_entry_has_a_real_wording_test():
    assert sorted(REAL_WORDING) == sorted(a.id for a in table())


@pytest.mark.parametrize("entry_id", sorted(REAL_WORDING))
def test_real_wording_gets_exactly_its_advice(entry_id):
    found = [a.id for a in advice_for_text(REAL_WORDING[entry_id])]
    assert found == [entry_id]


@pytest.mark.parametrize("text,entry_id", MORE_REAL_WORDINGS)
def test_other_real_wordings_get_their_advice(text, entry_id):
    assert [a.id for a in advice_for_text(text)] == [entry_id]


@pytest.mark.parametrize("text", UNKNOWN_ERRORS)
def test_unknown_errors_get_no_advice(text):
    assert advice_for_text(text) == []


def test_entries_point_at_a_page_and_name_a_fix():
    for entry in table():
        assert entry.doc.startswith("https://"), entry.id
        assert entry.problem and entry.fix and entry.evidence, entry.id


def test_a_malformed_table_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="entry 0: missing fix"):
        parse_table({"advice": [{"id": "x", "problem": "p", "doc": "d", "match": ["a"]}]})
    one = {"id": "x", "problem": "p", "fix": "f", "doc": "d", "match": ["a"]}
    with pytest.raises(ValueError, match="duplicate id 'x'"):
        parse_table({"advice": [one, one]})


def test_error_group_matched_by_its_traceback_tail():
    tb = "Traceback (most recent call last):\n" + "  File 'x.py', line 1, in f\n" * 5000
    error = ErrorView(
        signature="RuntimeError: CUDA out of memory…",
        message="RuntimeError: something",
        count=1,
        first_seen=None,
        last_seen=None,
        where=(),
        files=(),
        traceback=tb + "RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB",
        path="x",
    )
    assert [a.id for a in advice_for_error(error)] == ["cuda-out-of-memory"]


def test_json_of_a_failed_fixture_has_the_advice_for_its_verdict_and_errors():
    data = summarise_tree(FIXTURES / "v2-failed")
    ids = [a["id"] for a in data["advice"]]
    assert ids == ["error-threshold", "cuda-out-of-memory"]  # the verdict's first
    for advice in data["advice"]:
        assert set(advice) == {"id", "problem", "fix", "doc"}


def test_json_of_a_job_with_only_unknown_errors_has_no_advice():
    data = summarise_tree(FIXTURES / "2021-running")  # KeyError, ValueError, FileNotFoundError only
    assert data["errors"] and data["advice"] == []


def test_real_worker_timeout_line_through_the_parser_gets_timeout_advice():
    # I1: the real line, read by the syslog parser from a worker log path
    ingestor = ingest_files(
        {"logs/sys/node/10.0.0.4/process000.txt": REAL_WORDING["run-timeout"] + "\n"}
    )
    from batchtop.advice import advice_for_snapshot

    assert [a.id for a in advice_for_snapshot(ingestor.snapshot())] == ["run-timeout"]
