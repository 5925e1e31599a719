"""The hostile corpus: a job log tree of real-shaped lines carrying everything a user script,
a changing runtime or a broken disk can put there. Written into a temporary folder at test
time (nothing of it is checked in).

`write_corpus(root)` writes the tree and returns what is in it; `SECRETS` and `CONTROL` are what
must never reach a terminal or a report.
"""

from __future__ import annotations

import os
from pathlib import Path

SECRETS = (
    "sv=2022-11-02&ss=b&srt=co&sp=rl&se=2030-01-01&sig=AbCdEf0123456789%2BSecretSig%3D",
    "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyMTIzNDU2In0.c2lnbmF0dXJlc2VjcmV0",
    "AccountKey=c2VjcmV0YWNjb3VudGtleXNlY3JldGFjY291bnRrZXk=",
    "SharedAccessSignature=sr=x&sig=AnotherSecretSig0123456789",
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL21hbmFnZW1lbnQifQ.QmFyZVNpZw",
    # forms the first log redactor let through (code review finding 10)
    "AZURE_CLIENT_SECRET=Qx8Q~EnvLineClientSecret0123",
    "environ({'AZURE_CLIENT_SECRET': 'Qx8Q~EnvDumpSecret', 'AZURE_STORAGE_KEY': 'U3RvcmFnZUtleURVTVA='})",
    '{"client_secret": "JsonClientSecretValue", "password": "JsonPassw0rd", "accountKey": "QWNjS2V5SlNPTg=="}',
    "fetching https://scorer:UrlPassw0rd@data.example.com/a and mongodb://app:MongoPassw0rd@db:27017/x",
    # forms code review 3 (R10) found leaking: the storage SDK's keyword as a traceback echoes it
    "    client = BlobServiceClient(account_url=url, credential='Q3JlZEt3YXJnQWNjb3VudEtleQ==')",
    "{'password': b'BytesPassw0rdValue', 'user': 'bob'}",
    "Authorization: Basic dXNlcjpCYXNpY0F1dGhQYXNzd29yZA==",
    '{"password": "abc\\"EscapedQuoteTail", "n": 1}',
    "-----BEGIN RSA PRIVATE KEY-----MIIEpOneLinePemBody-----END RSA PRIVATE KEY-----",
    "GET /token?client_secret%3DUrlEncodedClientSecret HTTP/1.1",
    "conn%3DAccountName%3Dacc%3BAccountKey%3DRW5jb2RlZEFjY291bnRLZXk%3D%3BEndpointSuffix%3Dx",
    "password: correct horse SpacedTailSecret",
    "token ghp_GithubTokenValue0123456789abcdef",
)
"""Secrets as they appear in logs; the parts after the markers must never be shown."""
SECRET_VALUES = (
    "AbCdEf0123456789",
    "c2lnbmF0dXJlc2VjcmV0",
    "c2VjcmV0YWNjb3VudGtleXNlY3JldGFjY291bnRrZXk",
    "AnotherSecretSig",
    "QmFyZVNpZw",
    "EnvLineClientSecret",
    "EnvDumpSecret",
    "U3RvcmFnZUtleURVTVA",
    "JsonClientSecretValue",
    "JsonPassw0rd",
    "QWNjS2V5SlNPTg",
    "UrlPassw0rd",
    "MongoPassw0rd",
    "Q3JlZEt3YXJnQWNjb3VudEtleQ",
    "BytesPassw0rdValue",
    "dXNlcjpCYXNpY0F1dGhQYXNzd29yZA",
    "EscapedQuoteTail",
    "MIIEpOneLinePemBody",
    "UrlEncodedClientSecret",
    "RW5jb2RlZEFjY291bnRLZXk",
    "SpacedTailSecret",
    "GithubTokenValue0123456789",
    "MIIEvMultiLinePemBody",  # PEM_RECORD
    "SecondPemLineBody",
)
PEM_RECORD = (
    "Traceback (most recent call last):\n"
    '  File "score.py", line 9, in init\n'
    "    key = load_pem_private_key(PEM)\n"
    "ValueError: Could not deserialize key data: -----BEGIN PRIVATE KEY-----\n"
    "MIIEvMultiLinePemBody\nSecondPemLineBody\n-----END PRIVATE KEY-----\n"
)
"""A private key split across lines inside one traceback record (user error file)."""

ESCAPES = (
    "\x1b[1;31mred\x1b[0m",  # colour
    "\x1b[2J\x1b[H",  # clear screen, cursor home
    "\x1b[10;10H\x1b[5A",  # cursor movement
    "\x1b]0;pwned title\x07",  # window title
    "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\x1b]52;c;ZXZpbA==\x07",  # OSC 52 clipboard write
    "\x9b31m8-bit CSI\x9b0m",  # C1 control as a character
    "\x07bell\x08\x7f",
    "\u202egnirts desrever\u202c",  # bidi override
)
CONTROL = ("\x1b", "\x07", "\x9b", "\x9d", "\x08", "\x00", "\x7f", "\u202e")
"""Characters that must never reach a terminal from log text."""

MARKUP = (
    "[bold red]",
    "[/]",
    "[link=https://evil.example]x[/link]",
    "[blink]",
    "[@click=app.quit]",
)

T = "2023-05-16T22:{m:02d}:{s:02d}.000000"
P = "2023-05-16 22:{m:02d}:{s:02d},000"


def _hostile_text(i: int) -> str:
    """One line's worth of hostile payload, different per i."""
    parts = [ESCAPES[i % len(ESCAPES)], MARKUP[i % len(MARKUP)], SECRETS[i % len(SECRETS)]]
    return " ".join(parts)


def overview(n: int = 40) -> bytes:
    lines = [
        T.format(m=0, s=0) + " Start the simulator.",
        T.format(m=0, s=1)
        + " Scheduling finished. Scheduled 100 mini batches in 1 seconds. There are 100 tasks with 500 items.",
    ]
    for i in range(1, n):
        lines.append(
            T.format(m=1 + i // 60, s=i % 60)
            + f" Processed {i} of 100 mini batches in 0:01:{i % 60:02d}. Estimated remaining time 0:02:00."
        )
        lines.append(T.format(m=1, s=i % 60) + " " + _hostile_text(i))  # unknown wording
    lines.append("2099-12-31T23:59:59.000000 Processed 3 of 100 mini batches.")  # the future
    lines.append("1970-01-01T00:00:00.000000 Processed 2 of 100 mini batches.")  # out of order
    lines.append("2023-13-45T99:99:99.000000 Processed 9 of 100 mini batches.")  # not a date
    return ("\r\n".join(lines) + "\r\n").encode()  # CRLF line ends


def syslog() -> bytes:
    out = []
    for i in range(20):
        stamp = P.format(m=1, s=i)
        out.append(
            f"{stamp}|worker|INFO|100|1|f()|Start processing mini batch "
            f'{{"id": {i}, "dequeue_count": 1, "total": 5}}.'
        )
        if i % 4 == 0:
            out.append(
                f"{stamp}|worker|ERROR|100|1|f()|Failed to process "
                f'{{"id": {i}, "dequeue_count": 1, "total": 5}} with error ValueError: '
                + _hostile_text(i)
            )
            out.append("Traceback (most recent call last):")
            out.append('  File "score.py", line 1, in run ' + ESCAPES[i % len(ESCAPES)])
            out.append("ValueError: " + _hostile_text(i + 1))
        else:
            out.append(
                f"{stamp}|worker|INFO|100|1|f()|Processed mini batch "
                f'{{"id": {i}, "dequeue_count": 1, "total": 5, "succeeded": 5, "failed": 0}}.'
            )
        out.append(f"{stamp}|worker|INFO|100|1|f()|stderr: " + _hostile_text(i))
    return ("\r".join(out) + "\r").encode()  # CR-only line ends (old Mac, progress bars)


def attempts_csv() -> bytes:
    header = "Status,Mini-batch Id,Extra Column,Process,Start Time,Total,Succeeded,Failed,Error Message\n"
    rows = []
    for i in range(20, 40):
        status = "RUN_EXCEPTION" if i % 5 == 0 else "RUN_DONE"
        error = '"' + _hostile_text(i).replace('"', '""') + '"' if i % 5 == 0 else ""
        rows.append(f"{status},{i},junk,1/process000,2023-05-16T22:02:{i % 60:02d},5,5,0,{error}\n")
    rows.insert(3, '"RUN_DONE,999,unbalanced quote,1/process000\n')
    rows.insert(6, "RUN_DONE,41\n")  # missing columns
    rows.insert(9, "RUN_DONE,42,a,b,c,d,e,f,g,h,i,j,k\n")  # extra columns
    return (header + "".join(rows)).encode()


def user_log() -> bytes:
    body = "".join(f"print {i}: " + _hostile_text(i) + "\n" for i in range(30))
    body += PEM_RECORD
    body += "Traceback (most recent call last):\n" + '  File "x.py", line 1\n' * 2000  # never ends
    return body.encode() + b"invalid utf-8: \xff\xfe\xc3\x28 \xed\xa0\x80 NUL \x00\x00 end\n"


def write_corpus(root: Path, big_line_mb: int = 0) -> dict[str, Path]:
    """Write the hostile tree under `root`; returns notable paths. `big_line_mb` > 0 adds a
    single line that long to a user log."""
    logs = root / "logs"
    files = {
        "logs/job_progress_overview.2023051622.txt": overview(),
        "logs/sys/node/1/process000.txt": syslog(),
        "logs/sys/job_report/processed_mini-batches.csv": attempts_csv(),
        "logs/sys/metrics/job/progress.csv": b"Datetime,Total Tasks,Completed Tasks\n",  # header only
        "logs/perf/1/node_resource_usage.csv": (
            b"Utc Time,Cpu Percent,Memory Used Percent,Disk Io Read (MB)\n"
            b"2023-05-16 22:00:06,1e308,-5,1e308\n2023-05-16 22:00:36,inf,nan,-1e308\n"
            b"2023-05-16 22:01:06,50,40,1e309\n"
        ),
        "logs/user/stdout/1/process000.stdout.txt": user_log(),
        "logs/user/error/1/process000.txt": user_log(),
        "logs/job_error.txt": b"",  # 0 bytes
        "logs/job_result.txt": ("2023-05-16T22:09:00 " + _hostile_text(3) + "\n").encode(),
        "logs/azureml/executionlogs.txt": (
            "[2023-05-16 22:00:01Z] Job is running, job runstatus is Running\n"
            "[2023-05-16 22:00:02Z] " + _hostile_text(5) + "\n"
        ).encode(),
        "user_logs/std_log_0.txt": (
            "[2023-05-16 22:00:01.000000] Azure Machine Learning Batch Inference Start\n"
            "[2023-05-16 22:00:02.000000] " + _hostile_text(7) + "\n"
        ).encode(),
        "logs/" + "\x1b]0;evil\x07[bold]name.txt": b"a file whose name is hostile\n",
        # a node whose folder name is hostile: node names reach every pane, chart and report
        "logs/sys/node/n\x1b]0;PWNED\x07\u202ex/process000.txt": (
            P.format(m=0, s=5) + "|worker|INFO|100|1|f()|Setting job stage to RUNNING.\n"
        ).encode(),
    }
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    if big_line_mb:
        big = logs / "user/stdout/0/process000.stdout.txt"
        big.parent.mkdir(parents=True, exist_ok=True)
        with open(big, "wb") as fh:
            chunk = (SECRETS[0] + " " + ESCAPES[0] + " ").encode()
            fh.write(chunk * (big_line_mb * 1024 * 1024 // len(chunk)) + b"\n")
    special = logs / "sys/node/2"
    special.mkdir(parents=True, exist_ok=True)
    os.mkfifo(special / "process000.txt")  # a FIFO where a log is expected: never opened
    os.symlink("loop-b", special / "loop-a.txt")  # a symlink loop
    os.symlink("loop-a.txt", special / "loop-b")
    os.symlink(str(root), logs / "sys/node/up")  # a link to a folder above: not followed
    locked = logs / "user/error/3"
    locked.mkdir(parents=True)
    (locked / "process000.txt").write_text("hidden\n")
    os.chmod(locked, 0)  # a folder without read permission (root still reads it)
    return {"locked": locked, "fifo": special / "process000.txt"}


def unlock(root: Path) -> None:
    """Give back permissions so tmp_path can be cleaned."""
    for path in root.rglob("*"):
        if path.is_dir() and not path.is_symlink():
            os.chmod(path, 0o755)


def many_tiny_files(root: Path, count: int = 100_000) -> None:
    """`count` one-line worker logs in nested folders (100 nodes x count/100 files)."""
    per_node = max(1, count // 100)
    line = b"2023-05-16 22:00:01,000|worker|INFO|1|1|f()|Setting job stage to RUNNING.\n"
    for node in range(100):
        folder = root / "logs" / "sys" / "node" / str(node)
        folder.mkdir(parents=True, exist_ok=True)
        for k in range(per_node):
            fd = os.open(folder / f"process{k:05d}.txt", os.O_WRONLY | os.O_CREAT, 0o644)
            if k % 2:
                os.write(fd, line)
            os.close(fd)


REDOS_RUNS = (
    # runs that keep one redaction pattern busy without completing a secret (ReDoS probes);
    # the secret's prefix words are in each, so no pattern is skipped by its word filter
    "a.",
    "-",
    "key.",
    "aa=",
    "http:",
    "password:",
    "password: a ",
    "'password': '\\\\",
    "'password': b",
    "password%3",
    "ab=&",
    "ab=&sig",
    "eyJ-",
    "eyJaaaa.",
    "ghp_",
    "bearer ",
    "Basic QQ==",
    "authorization: ",
    "-----BEGIN RSA PRIVATE KEY-----",
    "-----END RSA PRIVATE KEY-----",
    "password: |\n",
    " password: |\n  ",
    "--password-",
    "x://a:",
    "credential=",
    "password=a(",
    "token=abc ",
    '"token": "ab',
    "secret secret ",
)
"""Repeated to a megabyte, each must be redacted in linear time (bench/redact_linear.py
prints the figures; tests/test_textsafe.py checks the patterns' design)."""
