"""What every command shares: exit codes, errors, dates, finding files."""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import sys
from pathlib import Path

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class UsageError(Exception):
    """A problem with the command line, the configuration or a file: exit 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own usage errors exit 2, as ours do
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"flowsop: error: {message}\n")


def common_options() -> argparse.ArgumentParser:
    """Options every command takes."""
    common = Parser(add_help=False)
    common.add_argument("--today", metavar="YYYY-MM-DD",
                        help="the date to use as today (default: SOURCE_DATE_EPOCH, else the clock)")
    common.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    return common


def collect(paths: list[str]):
    """(display path, real path) for each procedure; None means standard input."""
    for given in paths:
        if given == "-":
            yield "<stdin>", None
            continue
        p = Path(given)
        if p.is_dir():
            found = sorted(q for q in p.rglob("*.flow") if q.is_file())
            if not found:
                # Checking nothing and reporting success would hide a wrong path.
                raise UsageError(f"{given}: no .flow files in this folder")
            for q in found:
                yield os.path.join(given, str(q.relative_to(p))), q
        elif p.exists():
            yield given, p
        else:
            raise UsageError(f"{given}: no such file or folder")


def read(path: Path | None) -> str:
    """The text of a procedure file, or of standard input when ``path`` is None."""
    from ..parse import read_source
    from ..parse.body import decode_source

    if path is None:
        # Bytes, so that a non-UTF-8 or binary stdin is an I/O error, as for a file.
        buffer = getattr(sys.stdin, "buffer", None)
        if buffer is not None:
            data = buffer.read()
        else:  # a text stream without bytes underneath (tests, embedding)
            data = sys.stdin.read().encode("utf-8", "surrogatepass")
        return decode_source(data, "<stdin>")
    return read_source(path)


def selected_rules(select: list[str], ignore: list[str]) -> list[str] | None:
    from ..checks import RULES

    chosen = split(select)
    dropped = split(ignore)
    for name in chosen + dropped:
        if name not in RULES:
            raise UsageError(f"unknown rule '{name}'{did_you_mean(name, RULES)}; "
                             "'flowsop rules' lists them")
    if not chosen and not dropped:
        return None
    base = chosen or list(RULES)
    return [n for n in base if n not in dropped]


def split(values: list[str]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def did_you_mean(name: str, names) -> str:
    from difflib import get_close_matches
    close = get_close_matches(name, list(names), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def colour(stream) -> bool:
    return stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def source_lines(text: str) -> list[str]:
    """The lines a diagnostic's line number counts, for showing the source
    line under it: as the parser reads them (no BOM; CRLF and lone CR end
    lines), so the caret sits under the right column."""
    from ..parse.body import normalise
    return normalise(text).split("\n")
