"""`batchtop jobs`: list the workspace's batch scoring jobs (`--once`, `--json`, or a screen to
pick one and follow it; esc in the followed job's screen comes back to the list)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable

from batchtop.azure.credentials import SignInPrompt, check_sign_in, make_credential
from batchtop.azure.errors import AzureError, quiet_sdk_logging, redact
from batchtop.azure.flags import add_azure_arguments
from batchtop.azure.progress_probe import ProgressProbe
from batchtop.azure.session import Session
from batchtop.azure.workspace import resolve_workspace
from batchtop.azure.workspace_jobs import list_batch_pairs
from batchtop.jobslist import JobRow, keep, parse_since, row_dict, rows_text, sort_rows

BACK_TO_LIST = 100
"""The followed job's screen was left with esc: show the list again."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="batchtop jobs",
        description="The workspace's batch scoring jobs (batch endpoint jobs and pipelines "
        "with a parallel step), failing and running first; enter follows one.",
    )
    parser.add_argument("--since", metavar="AGE", help="only jobs created within AGE (2d, 12h)")
    parser.add_argument(
        "--status", metavar="STATUS", help="only jobs in STATUS (running includes Preparing...)"
    )
    parser.add_argument("--once", action="store_true", help="print the list as a table and exit")
    parser.add_argument("--json", action="store_true", help="print the list as JSON and exit")
    add_azure_arguments(parser)
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    args.job_name = None
    try:
        since = parse_since(args.since) if args.since else None
    except ValueError as exc:
        print(f"batchtop: {exc}", file=sys.stderr)
        return 2
    return _run_said(args, since)


def run_default(args: argparse.Namespace) -> int:
    """`batchtop` with no job but a workspace: the list, as `batchtop jobs` (the main parser's
    --once/--json print it)."""
    args.status = None
    return _run_said(args, None)


def _run_said(args: argparse.Namespace, since: float | None) -> int:
    """`run`, printing (not the screen) when stdout is no terminal, Azure errors said."""
    if not (args.once or args.json) and not sys.stdout.isatty():
        args.once = True
    try:
        return run(args, since)
    except AzureError as exc:
        print(redact(str(exc)), file=sys.stderr)
        return exc.exit_code


def workspace_lister(
    args: argparse.Namespace, since: float | None, clock: Callable[[], float] = time.monotonic
) -> tuple[Callable[[], list[JobRow]], str]:
    """Signed in to the workspace the flags resolve to: the list's refresh, and its label.
    `clock` paces the progress reads (tests pass their own)."""
    workspace = resolve_workspace(args.subscription, args.resource_group, args.workspace)
    prompt = SignInPrompt()
    session = Session(
        workspace, lambda: make_credential(args.device_code, args.tenant, prompt), prompt
    )
    check_sign_in(session.credential)
    probe = ProgressProbe(session, clock)  # its cache lives as long as the list

    def lister() -> list[JobRow]:
        now = time.time()
        pairs = [(r, ref) for r, ref in list_batch_pairs(session) if keep(r, now, since,
                                                                          args.status)]
        return sort_rows(probe.fill(pairs))

    return lister, workspace.describe()


def run(args: argparse.Namespace, since: float | None) -> int:
    quiet_sdk_logging(False)
    lister, label = workspace_lister(args, since)
    if args.once or args.json:
        rows, now = lister(), time.time()
        if args.json:
            print(json.dumps([row_dict(r, now) for r in rows], indent=2))
        else:
            print(rows_text(rows, now))
        return 0
    return pick_and_follow(args, lister, label)


def pick_and_follow(
    args: argparse.Namespace, lister: Callable[[], list[JobRow]], label: str
) -> int:
    """The list; enter follows a job; esc there comes back with the cursor kept."""
    from batchtop.app.jobs_app import JobsApp
    from batchtop.app.source import make_app
    from batchtop.azure.cli import LiveAzure
    from batchtop.azure.run import open_job
    from batchtop.summary import exit_code

    cursor: str | None = None
    while True:
        choice = JobsApp(lister, label, cursor).run()
        if choice is None:
            return 0
        cursor = choice
        try:
            live = LiveAzure(open_job(args, choice))
        except AzureError as exc:  # said, and back to the list
            print(redact(str(exc)), file=sys.stderr)
            continue
        app = make_app(live, bell=False)
        app.back_to_list = True
        app.run()
        if app.return_code == BACK_TO_LIST:
            continue
        return app.return_code or exit_code(live.ingestor.snapshot())
