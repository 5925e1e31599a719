"""What a piped `az ml job stream` cannot show, said once in the panes it leaves empty (U21).

The stream carries the job's own streamed files (executionlogs, std_log): never a parallel
step's `logs/` folder, since azure-ai-ml refuses to stream a pipeline child. So the Nodes pane
stays empty and the Errors pane lacks the workers' errors; a blank pane would read as "no nodes,
no errors". Following the job itself (`batchtop <job name>`) reads the step's logs.
"""

from __future__ import annotations

from batchtop.snapshot import Snapshot

NODES = "a stream carries no node logs: `batchtop <job name>` shows them"
ERRORS = "a stream shows no worker errors: `batchtop <job name>` reads the step's logs"


def from_stream(snap: Snapshot) -> bool:
    """The job is read from a piped or saved stream (its one file is the stream itself)."""
    return any(f.kind == "stream" for f in snap.files)
