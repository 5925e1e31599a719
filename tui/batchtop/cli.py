"""Command line: choose the source (workspace job, --dir, --stream, --demo) and the output
(interactive TUI, or --once text / --json for scripts).

Exit codes (summary.EXIT_*): 0 job completed or running fine, 1 job failed, 2 bad usage or
unreadable source, 3 sign-in / workspace / network failure (Azure), 4 job canceled, 5 job not
responding, 6 a --stream ended without the job's outcome. Errors are one line on stderr, no
traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from batchtop import __version__
from batchtop.azure.flags import add_azure_arguments
from batchtop.ingest import Ingestor
from batchtop.snapshot import Snapshot
from batchtop.sources.local import LocalTree, SourceError, check_job_tree, follow
from batchtop.summary import EXIT_CODES_HELP, EXIT_USAGE, exit_code, summary_dict, summary_text
from batchtop.textsafe import safe
from batchtop.timeline import RecordingState
from batchtop.timeparse import format_stamp
from batchtop.watch import Alerts, Follow, watch


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="batchtop",
        description="Follow an Azure ML batch scoring job (batch endpoint job, parallel job, "
        "ParallelRunStep) live in the terminal.",
        epilog=EXIT_CODES_HELP + ".",
    )
    parser.add_argument("job_name", nargs="?", help="job to follow in your Azure ML workspace")
    source = parser.add_argument_group("source (one of)")
    source.add_argument(
        "--dir",
        type=Path,
        metavar="PATH",
        help="a local log tree: the folder holding logs/, or logs/ itself",
    )
    source.add_argument(
        "--stream",
        metavar="FILE",
        help="output of `az ml job stream -n JOB` ('-' for standard input)",
    )
    source.add_argument(
        "--demo",
        action="store_true",
        help="simulate a running job in a temporary folder and follow it",
    )
    out = parser.add_argument_group("output")
    out.add_argument(
        "--once", action="store_true", help="print a summary of what the logs say now and exit"
    )
    out.add_argument("--json", action="store_true", help="print the summary as JSON and exit")
    out.add_argument(
        "--at",
        metavar="TIME",
        help="replay: show the job as it stood at this log time, an ISO time (UTC) or an "
        "offset from the job's start such as +25m (with --once or --json; alone, the screen "
        "opens at that moment and esc returns to live)",
    )
    out.add_argument(
        "--bell", action="store_true", help="ring the terminal bell when the job finishes or fails"
    )
    alerts = parser.add_argument_group("alerts")
    alerts.add_argument(
        "--watch",
        action="store_true",
        help="follow with no screen: one line per event on stdout; exit with the job's exit "
        "code when it ends (for nohup, systemd or a CI step)",
    )
    alerts.add_argument(
        "--notify",
        metavar="CMD",
        help="run CMD through the shell once per event (node_dead, node_stale, "
        "process_killed, errors_burst, job_finished, source_quiet), the event as one JSON "
        "object on its stdin; killed after 10 s",
    )
    alerts.add_argument(
        "--notify-url",
        metavar="URL",
        help="POST each event's JSON to URL (a chat or incident webhook), retried on 5xx",
    )
    alerts.add_argument(
        "--notify-history",
        action="store_true",
        help="also send events for what had already happened when batchtop attached",
    )
    parser.add_argument("--version", action="version", version=f"batchtop {__version__}")
    add_azure_arguments(parser)  # plain argparse: no Azure SDK is imported for this
    return parser


def workspace_given(args: argparse.Namespace) -> bool:
    """Do flags, env, config.json or az defaults name a workspace (resolve_workspace's rules)?
    Only called when no source was chosen, so `--dir` never imports the Azure package."""
    from batchtop.azure.errors import AzureError
    from batchtop.azure.workspace import resolve_workspace

    try:
        resolve_workspace(args.subscription, args.resource_group, args.workspace)
    except AzureError:
        return False
    return True


def fail(message: str, code: int = EXIT_USAGE) -> int:
    one_line = safe(message).replace("\r", "␍").replace("\n", "␤")  # a path may hold newlines
    print(f"batchtop: {one_line}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["report"]:  # `batchtop report ...`: the post-mortem (report/cli.py)
        from batchtop.report.cli import main as report_main

        return report_main(argv[1:])
    if argv[:1] == ["jobs"]:  # `batchtop jobs ...`: the workspace's batch jobs
        from batchtop.azure.jobs_cli import main as jobs_main

        return jobs_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    chosen = [bool(args.job_name), args.dir is not None, args.stream is not None, args.demo]
    if sum(chosen) == 0 and workspace_given(args):  # `batchtop` alone: the workspace's jobs
        from batchtop.azure.jobs_cli import run_default

        return run_default(args)
    if sum(chosen) == 0:
        return fail(
            "give one of: a job name, --dir PATH, --stream FILE, --demo, or a workspace "
            "(-w, env, config.json) to list its batch jobs (batchtop jobs; see batchtop --help)"
        )
    if sum(chosen) != 1:
        return fail(
            "give exactly one of: a job name, --dir PATH, --stream FILE, --demo "
            "(see batchtop --help)"
        )
    if args.watch and (args.once or args.json or args.at):
        return fail("--watch follows the job until it ends: it takes no --once, --json or --at")
    if args.notify_url and not args.notify_url.lower().startswith(("https://", "http://")):
        return fail(f"--notify-url needs an http(s) address, not {args.notify_url!r}")
    if not (args.once or args.json or args.watch) and not sys.stdout.isatty():
        args.once = True  # `batchtop --dir x | less`: a full-screen app there would never end
    try:
        if args.dir is not None:
            return run_dir(args)
        if args.stream is not None:
            return run_stream(args)
        if args.demo:
            return run_demo(args)
        return run_job(args)
    except SourceError as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `batchtop --once | head`: the reader left; say nothing more, as Unix tools do
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def print_summary(ingestor: Ingestor, args: argparse.Namespace, source: str) -> int:
    snap = ingestor.snapshot()
    replay: dict | None = None
    if getattr(args, "at", None):
        snap, replay = replay_of(ingestor, snap, args.at)
    data = summary_dict(snap, source)
    if replay is not None:
        data["replay"] = replay
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        print(summary_text(data))
    return exit_code(snap)


def replay_of(ingestor: Ingestor, final: Snapshot, at_text: str) -> tuple[Snapshot, dict]:
    """`--at`: the snapshot at that log time (see replay.py) and a note saying so."""
    from batchtop.replay import ReplayTimeError, parse_at, resolution, snapshot_at

    state = ingestor.state
    if not isinstance(state, RecordingState):
        raise SourceError("--at needs the history of the job, which this source does not keep")
    try:
        at = parse_at(at_text, final.started_at)
    except ReplayTimeError as exc:
        raise SourceError(str(exc)) from None
    snap = snapshot_at(state.timeline, final, at)
    note = {
        "at": format_stamp(at),
        "live": format_stamp(final.data_time),
        "resolution_seconds": resolution(state.timeline),
    }
    return snap, note


def new_ingestor(args: argparse.Namespace | None = None) -> Ingestor:
    """An Ingestor; one that also keeps the job's timeline when --at asks for the past."""
    if args is not None and getattr(args, "at", None):
        return Ingestor(RecordingState())
    return Ingestor()


def read_tree_once(
    path: Path, args: argparse.Namespace | None = None
) -> tuple[Ingestor, LocalTree]:
    ingestor = new_ingestor(args)
    tree = LocalTree.open(path, ingestor)
    paths = tree.scan()
    check_job_tree(path, paths)
    tree.read_all(paths)
    ingestor.flush(final=True)
    return ingestor, tree


def alerts_of(args: argparse.Namespace, source: str) -> Alerts | None:
    """What --watch, --notify and --notify-url ask for (None: no alerts)."""
    from batchtop.notify import Dispatcher, post_url, print_line, run_command

    command, url = getattr(args, "notify", None), getattr(args, "notify_url", None)
    slow = [run_command(command)] if command else []
    if url:
        slow.append(post_url(url))
    fast = [print_line()] if getattr(args, "watch", False) else []
    if not slow and not fast:
        return None
    history = getattr(args, "notify_history", False)
    return Alerts(Dispatcher(slow, fast), args.job_name, source, history=history)


def tree_follower(tree: LocalTree) -> Follow:
    """A local tree's follow: what is there first, then what changes (watchfiles)."""

    def run(stop: threading.Event, on_change: Callable[[], None]) -> None:
        tree.read_all(on_progress=on_change)
        on_change()
        follow(tree, stop, on_change)

    return run


def run_dir(args: argparse.Namespace) -> int:
    if args.once or args.json:
        ingestor, _ = read_tree_once(args.dir, args)
        return print_summary(ingestor, args, str(args.dir))
    ingestor = Ingestor(RecordingState())  # keeps the timeline the replay keys scrub through
    tree = LocalTree.open(args.dir, ingestor)
    check_job_tree(args.dir, tree.scan())  # the same refusals as --once, before any screen
    alerts = alerts_of(args, str(args.dir))
    if args.watch:
        assert alerts is not None
        return watch(ingestor, tree_follower(tree), alerts)
    return _run_tui_on_tree(tree, args, label=str(args.dir), alerts=alerts)


def _run_tui_on_tree(
    tree: LocalTree, args: argparse.Namespace, label: str, alerts: Alerts | None = None
) -> int:
    from batchtop.app.main import run_source
    from batchtop.app.source import LocalSource

    at = getattr(args, "at", None)
    if at:
        check_at(at)  # a bad time is said here, before the screen takes the terminal
    return run_source(LocalSource(tree, label), bell=args.bell, at=at, alerts=alerts)


def check_at(at_text: str) -> None:
    """Refuse `--at` text that names no time (what it means waits for the logs)."""
    from batchtop.replay import ReplayTimeError, parse_at

    try:
        parse_at(at_text, 0.0)
    except ReplayTimeError as exc:
        raise SourceError(str(exc)) from None


def run_stream(args: argparse.Namespace) -> int:
    from batchtop.sources.stream import read_stream

    if args.once or args.json:
        ingestor = new_ingestor(args)
        if args.stream == "-":
            read_stream(sys.stdin.buffer, ingestor)
        else:
            try:
                with open(args.stream, "rb") as handle:
                    read_stream(handle, ingestor)
            except OSError as exc:
                raise SourceError(f"{args.stream}: {exc.strerror or exc}") from exc
        return print_summary(ingestor, args, f"stream {args.stream}")
    alerts = alerts_of(args, f"stream {args.stream}")
    if args.watch:
        assert alerts is not None
        return watch_stream(args.stream, alerts)
    from batchtop.app.main import run_tui_on_stream
    from batchtop.sources.stream import check_stream_file

    if args.at:
        check_at(args.at)
    if args.stream != "-":
        try:
            check_stream_file(args.stream)  # refused before the screen takes the terminal
        except OSError as exc:
            raise SourceError(f"{args.stream}: {exc.strerror or exc}") from exc
    ingestor = Ingestor(RecordingState())  # keeps the timeline the replay keys scrub through
    return run_tui_on_stream(ingestor, args.stream, bell=args.bell, at=args.at, alerts=alerts)


def watch_stream(stream_arg: str, alerts: Alerts) -> int:
    """`--stream FILE --watch`: events from a stream (stdin or a file) until it ends."""
    from batchtop.sources.stream import read_stream

    ingestor = Ingestor()
    try:
        handle = sys.stdin.buffer if stream_arg == "-" else open(stream_arg, "rb")  # noqa: SIM115
    except OSError as exc:
        raise SourceError(f"{stream_arg}: {exc.strerror or exc}") from exc

    def run(stop: threading.Event, on_change: Callable[[], None]) -> None:
        try:
            read_stream(handle, ingestor, stop=stop, on_change=on_change)
        finally:
            if handle is not sys.stdin.buffer:
                handle.close()

    return watch(ingestor, run, alerts)


def run_demo(args: argparse.Namespace) -> int:
    """A simulated 4-node job (one node dies half way) in a temporary folder, removed after."""
    from batchtop.simulator import SimConfig, run_live, write_tree

    config = SimConfig(
        era="v2",
        nodes=4,
        processes=4,
        mini_batches=2000,
        failure_rate=0.02,
        timeout_rate=0.003,
        max_attempts=3,
        error_threshold=-1,
        dead_node=3,
        dead_at=0.6,
        stop_at=1.0,
        seed=7,
    )
    with tempfile.TemporaryDirectory(prefix="batchtop-demo-") as name:
        folder = Path(name)
        if args.once or args.json:
            write_tree(folder, config)
            ingestor, _ = read_tree_once(folder, args)
            return print_summary(ingestor, args, "demo (simulated job)")
        stop = threading.Event()
        writer = threading.Thread(
            target=run_live,
            args=(folder, config),
            kwargs={"rate": 8.0, "stop": stop},
            daemon=True,
        )
        writer.start()
        tree = LocalTree(folder=folder, ingestor=Ingestor(RecordingState()))
        alerts = alerts_of(args, "demo (simulated job)")
        try:
            if args.watch:
                assert alerts is not None
                return watch(tree.ingestor, tree_follower(tree), alerts)
            return _run_tui_on_tree(tree, args, label="demo (simulated job)", alerts=alerts)
        finally:
            stop.set()
            writer.join(timeout=5)


def run_job(args: argparse.Namespace) -> int:
    from batchtop.azure.cli import run_job as run_azure_job

    return run_azure_job(args)
