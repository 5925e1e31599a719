"""`batchtop report`: read a job's logs once (a folder, a stream, or a workspace job by name)
and write its post-mortem to one file.

The logs are read through the same sources as `batchtop --once`, into a RecordingState so the
report also has the job's timeline.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from batchtop.azure.flags import add_azure_arguments
from batchtop.ingest import Ingestor
from batchtop.report.data import gather
from batchtop.report.html import render_html
from batchtop.report.markdown import render_markdown
from batchtop.sources.local import LocalTree, SourceError, check_job_tree
from batchtop.summary import EXIT_USAGE
from batchtop.textsafe import safe
from batchtop.timeline import RecordingState


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="batchtop report",
        description="Write a post-mortem of a batch scoring job to one self-contained file: "
        "status, charts over time, errors with tracebacks, and what to do.",
    )
    parser.add_argument("job_name", nargs="?", help="job in your Azure ML workspace")
    parser.add_argument("--dir", type=Path, metavar="PATH", help="a local log tree")
    parser.add_argument(
        "--stream", metavar="FILE", help="output of `az ml job stream` ('-' for standard input)"
    )
    parser.add_argument(
        "-o", "--output", type=Path, metavar="FILE", required=True, help="file to write"
    )
    parser.add_argument(
        "--format",
        choices=("html", "md"),
        help="html (charts inline) or md (text tables); default from the file name, else html",
    )
    add_azure_arguments(parser)  # plain argparse: no Azure SDK is imported for this
    return parser


FORMATS = {".html": "html", ".htm": "html", ".md": "md", ".markdown": "md"}
"""Output names the report can write, by extension. Anything else (`.pdf`, `.png`) is refused:
writing HTML into a `.pdf` makes a file no PDF reader opens."""


def _format_of(output: Path) -> str | None:
    """html or md from the file name; html when it has no extension at all; None when the
    extension names a format the report cannot write."""
    suffix = output.suffix.lower()
    if not suffix:
        return "html"
    return FORMATS.get(suffix)


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    print("batchtop: " + safe(message).replace("\n", "␤"), file=sys.stderr)
    return code


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    if sum([bool(args.job_name), args.dir is not None, args.stream is not None]) != 1:
        return _fail("give exactly one of: a job name, --dir PATH, --stream FILE")
    by_name = _format_of(args.output)
    if by_name is None:  # `--format html` does not make a `.pdf` a PDF either
        return _fail(
            f"{args.output}: cannot write a {args.output.suffix} file; "
            "give a name ending in .html or .md (or choose with --format html|md)"
        )
    if args.format and args.output.suffix and args.format != by_name:
        return _fail(f"{args.output} names a {by_name} file, but --format says {args.format}")
    fmt = args.format or by_name
    ingestor = Ingestor(RecordingState())
    try:
        if args.dir is not None:
            tree = LocalTree.open(args.dir, ingestor)
            paths = tree.scan()
            check_job_tree(args.dir, paths)  # the same refusals as --dir, before writing
            tree.read_all(paths)
            source = str(args.dir)
        elif args.stream is not None:
            source = f"stream {args.stream}"
            _read_stream(args.stream, ingestor)
        else:
            code = _read_job(args, ingestor)
            if code:
                return code
            source = f"azure:{args.job_name}"
        ingestor.flush(final=True)
    except SourceError as exc:
        return _fail(str(exc))
    state = ingestor.state
    assert isinstance(state, RecordingState)
    data = gather(ingestor.snapshot(), state.timeline, source)
    if fmt == "md":
        html_name = args.output.with_suffix(".html").name
        text = render_markdown(
            data, html_name if args.output.with_suffix(".html").exists() else None
        )
    else:
        text = render_html(data)
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as exc:
        return _fail(f"{args.output}: {exc.strerror or exc}")
    print(f"batchtop: wrote {fmt} report to {safe(str(args.output))}", file=sys.stderr)
    return 0


def _read_stream(name: str, ingestor: Ingestor) -> None:
    from batchtop.sources.stream import read_stream

    if name == "-":
        read_stream(sys.stdin.buffer, ingestor)
        return
    try:
        with open(name, "rb") as handle:
            read_stream(handle, ingestor)
    except OSError as exc:
        raise SourceError(f"{name}: {exc.strerror or exc}") from exc


def _read_job(args: argparse.Namespace, ingestor: Ingestor) -> int:
    """Fetch a workspace job's logs the way `batchtop JOB --once` does; 0 or an exit code."""
    try:
        from batchtop.azure.errors import AzureError, redact
        from batchtop.azure.run import fetch_all, open_job
    except ImportError:
        return _fail("reading a workspace job needs the Azure support module", 3)
    try:
        target = open_job(args, args.job_name, interactive=False)
        for event in target.job_events():
            ingestor.state.apply(event)
        fetch_all(target, ingestor)
    except AzureError as exc:
        print(redact(str(exc)), file=sys.stderr)
        return exc.exit_code
    return 0
