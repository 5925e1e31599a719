"""Hostile-input suite: paths for the shared helpers, and hypothesis profiles for the fuzzers.

`BATCHTOP_FUZZ_EXAMPLES=5000 pytest tests/hostile` runs the fuzzers longer than CI does.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

HERE = Path(__file__).resolve().parent
for folder in (HERE, HERE.parent):  # corpus.py beside this file, helpers.py in tests/
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

settings.register_profile(
    "hostile",
    max_examples=int(os.environ.get("BATCHTOP_FUZZ_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=not os.environ.get("BATCHTOP_FUZZ_EXAMPLES"),
)
