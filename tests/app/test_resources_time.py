"""Resources on the job's clock (issue 18, U13): heatmap columns are times, not sample counts, so
a silent node ends in blanks; a sample older than the stale threshold is old; a short screen
gets one summary line. Expected answers are worked out by hand in the comments."""

from __future__ import annotations

from batchtop.app.resources_pane import heat_cells, is_old, placed, summary_line
from batchtop.liveness import WORKING, NodeRow
from batchtop.snapshot import NodeView


def node(name: str, cpu: float | None, mem: float | None, at: float | None, state=WORKING):
    view = NodeView(
        name=name,
        processes=(),
        last_seen=at,
        latest={"cpu": cpu, "memory": mem},
        series={"cpu": (cpu,) if cpu is not None else (), "memory": ()},
        sampled_at=at,
        sample_every=10.0,
    )
    return NodeRow(view, state, 0.0, (), 0, 0, 0, 0)


def test_samples_are_placed_on_the_job_clock():
    # samples at t = 80, 90, 100 (the newest at 100, 10 s apart); the job's clock says 130:
    # 50, 40 and 30 s back, in 10 s columns ending at 130: columns 0, 1, 2 of 6; 3-5 empty
    assert placed([10, 20, 30], 100.0, 10.0, 130.0, 6, 10.0) == [10, 20, 30, None, None, None]
    # 20 s columns: 50 s and 40 s back share column 0 (mean 15), 30 s back is column 1
    assert placed([10, 20, 30], 100.0, 10.0, 130.0, 3, 20.0) == [15, 30, None]
    # a node that is current fills up to the right edge
    assert placed([10, 20, 30], 130.0, 10.0, 130.0, 4, 10.0) == [None, 10, 20, 30]
    # samples older than the chart's span fall off its left
    assert placed([10, 20, 30], 100.0, 10.0, 130.0, 2, 10.0) == [None, None]
    # no clock: right-aligned, one sample a column
    assert placed([10, 20, 30], None, None, None, 4, None) == [None, 10, 20, 30]


def test_a_blank_means_no_sample_and_zero_is_a_shade():
    cells = heat_cells([0.0, None, 100.0]).plain
    assert cells == "░ █"


def test_old_samples_and_the_summary_line():
    stale_after = 30.0
    now = 1000.0
    fresh = node("0", 56.0, 43.0, 995.0)
    busy = node("1", 94.0, 48.0, 1000.0)
    silent = node("2", 12.0, 90.0, 900.0)  # 100 s old > 30 + 10 s: old, not in the ranges
    none = node("3", None, None, None)
    assert not is_old(fresh, now, stale_after)
    assert is_old(silent, now, stale_after)
    assert not is_old(none, now, stale_after)  # nothing to call old: it is "no data"
    line = summary_line([fresh, busy, silent, none], now, stale_after).plain
    assert line == "Resources cpu 56-94% · mem 43-48% · 1 node old · 1 node no data"
