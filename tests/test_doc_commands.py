"""Every `batchtop ...` command shown in README.md and docs/*.md parses with the real parsers.

A reader copies these lines; a renamed or removed flag must fail here, not on their terminal.
The commands are only parsed (argparse, with `error` turned into a test failure), never run,
so the ones that need a workspace or a job folder are checked too. Each subcommand's `--help`
must also exit 0.
"""

from __future__ import annotations

import argparse
import re
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest

from batchtop import cli
from batchtop.report import cli as report_cli

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

SUBCOMMANDS: dict[str, Callable[[], argparse.ArgumentParser]] = {
    "report": report_cli.build_parser,
}
try:  # `batchtop jobs` (workspace job list), where this install has it
    from batchtop.azure import jobs_cli

    SUBCOMMANDS["jobs"] = jobs_cli.build_parser
except ImportError:
    pass

FENCE = re.compile(r"^```.*?$(.*?)^```", re.S | re.M)
INLINE = re.compile(r"`(batchtop(?: [^`]*)?)`")
INDENTED = re.compile(r"^    (.*)$", re.M)
SEPARATORS = re.compile(r"\s(?:\||&&|;)\s")


def commands_of(text: str) -> list[str]:
    """`batchtop` commands of the code blocks (fenced or indented four spaces; a `$ ` prompt,
    `\\` continuations and `cmd | batchtop ...` or `... && batchtop ...` allowed), then the
    inline code spans that start with `batchtop` outside them."""
    prose = FENCE.sub("", text)
    code = FENCE.findall(text) + [m for m in INDENTED.findall(prose)]
    found: list[str] = []
    for block in code:
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            for part in SEPARATORS.split(line.strip().removeprefix("$ ")):
                part = part.strip()
                if part == "batchtop" or part.startswith("batchtop "):
                    found.append(part)
    found += INLINE.findall(INDENTED.sub("", prose))
    return found


def argv_of(command: str) -> list[str]:
    """The words batchtop gets: up to a pipe or `;`, without a shell comment."""
    words = shlex.split(command, comments=True)
    for stop in ("|", ";", "&&", ">", ">>"):
        if stop in words:
            words = words[: words.index(stop)]
    return words[1:]


DOC_COMMANDS = [
    pytest.param(argv_of(c), id=f"{page.name}: {c}")
    for page in PAGES
    for c in commands_of(page.read_text(encoding="utf-8"))
]


class ParseError(Exception):
    pass


def strict(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The parser with `error` raising instead of printing usage and exiting 2."""

    def error(message: str) -> None:
        raise ParseError(message)

    parser.error = error
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                strict(sub)
    return parser


def parse(argv: list[str]) -> argparse.Namespace:
    if argv[:1] and argv[0] in SUBCOMMANDS:
        return strict(SUBCOMMANDS[argv[0]]()).parse_args(argv[1:])
    return strict(cli.build_parser()).parse_args(argv)


def test_the_pages_show_commands():
    # the extraction must find the README's examples, or the test below checks nothing
    readme = [c for c in commands_of((ROOT / "README.md").read_text()) if c.startswith("batchtop")]
    assert len(readme) >= 5
    assert argv_of("batchtop --dir x | less  # paged") == ["--dir", "x"]


def test_a_wrong_flag_is_caught():
    with pytest.raises(ParseError):
        parse(["--dir", "x", "--no-such-flag"])
    with pytest.raises(ParseError):
        parse(["report", "--dir", "x", "--no-such-flag"])


@pytest.mark.parametrize("argv", DOC_COMMANDS)
def test_every_documented_command_parses(argv):
    try:
        parse(argv)
    except ParseError as exc:
        pytest.fail(f"batchtop {shlex.join(argv)}: {exc}")


@pytest.mark.parametrize("sub", [None, *SUBCOMMANDS])
def test_help_of_each_command_exits_0(sub, capsys):
    argv = ["--help"] if sub is None else [sub, "--help"]
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    assert exit_.value.code == 0
    assert "usage:" in capsys.readouterr().out
