"""The liveness rules live in the core (batchtop.liveness) so --once/--json derive the same
states as the screens; this name stays for the panes that import from here."""

from batchtop.liveness import (
    DEAD,
    ENDED,
    IDLE,
    OPENED_LATER_AFTER,
    STALE,
    STATE_RANK,
    WORKING,
    Liveness,
    NodeRow,
    ProcessRow,
    View,
    judge,
    seconds_per_batch,
    stale_threshold,
)

__all__ = [
    "DEAD",
    "ENDED",
    "IDLE",
    "OPENED_LATER_AFTER",
    "STALE",
    "STATE_RANK",
    "WORKING",
    "Liveness",
    "NodeRow",
    "ProcessRow",
    "View",
    "judge",
    "seconds_per_batch",
    "stale_threshold",
]
