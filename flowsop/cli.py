"""The command line: read arguments, call ``api``, print, exit.

Exit status, for every command: 0 no errors, 1 errors found (``--strict``
counts warnings too), 2 usage, configuration or I/O errors, 3 an internal
error (a bug in flowsop).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import sys
from pathlib import Path

from . import __version__

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
REPORT_URL = "https://github.com/flowsop/flowsop/issues"


class UsageError(Exception):
    """A problem with the command line, the configuration or a file: exit 2."""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return args.run(args)
    except UsageError as e:
        print(f"flowsop: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("flowsop: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`flowsop check | head`): not our error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as e:  # noqa: BLE001 - the one place a bug becomes exit 3
        if getattr(args, "debug", False):
            import traceback
            traceback.print_exc()
        print(f"flowsop: internal error ({type(e).__name__}: {e}); this is a bug in flowsop "
              f"{__version__}, please report it at {REPORT_URL} (--debug shows the traceback)",
              file=sys.stderr)
        return EXIT_INTERNAL


# ------------------------------------------------------------------ arguments

class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own usage errors exit 2, as ours do
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"flowsop: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="flowsop", description="Flowchart-first standard operating procedures.",
                epilog="Example: flowsop check diagrams/")
    p.add_argument("--version", action="version", version=f"flowsop {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    common = _Parser(add_help=False)
    common.add_argument("--today", metavar="YYYY-MM-DD",
                        help="the date to use as today (default: SOURCE_DATE_EPOCH, else the clock)")
    common.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")

    c = sub.add_parser("check", parents=[common], help="check procedures and report problems",
                       description="Check .flow files (folders are searched for *.flow).",
                       epilog="Example: flowsop check diagrams/ --format json")
    c.add_argument("paths", nargs="+", metavar="PATH", help="a .flow file, a folder, or - for stdin")
    c.add_argument("--format", choices=("text", "json"), default="text")
    c.add_argument("--strict", action="store_true", help="warnings also make the exit status 1")
    c.add_argument("--select", metavar="RULES", action="append", default=[],
                   help="report only these rules (comma-separated)")
    c.add_argument("--ignore", metavar="RULES", action="append", default=[],
                   help="do not report these rules (comma-separated)")
    c.set_defaults(run=cmd_check)

    r = sub.add_parser("rules", help="list the rules, or show one rule's documentation",
                       epilog="Example: flowsop rules no-exit")
    r.add_argument("name", nargs="?", metavar="RULE")
    r.set_defaults(run=cmd_rules)

    n = sub.add_parser("new", help="write a new procedure from a template that passes check",
                       epilog="Example: flowsop new verify-backup -o diagrams/")
    n.add_argument("id", metavar="ID")
    n.add_argument("-o", "--output", metavar="DIR", default=".", help="folder to write ID.flow in")
    n.set_defaults(run=cmd_new)
    return p


# ------------------------------------------------------------------ commands

def cmd_check(args) -> int:
    from .api import load_text
    from .diagnostics import format_json, format_text, has_errors
    from .parse import SourceError

    rules = _selected_rules(args.select, args.ignore)
    today = _today(args.today)
    sources = list(_collect(args.paths))
    results = []
    for display, path in sources:
        try:
            text = sys.stdin.read() if path is None else _read(path)
        except SourceError as e:
            raise UsageError(str(e)) from None
        stem = "stdin" if path is None else Path(path).stem
        results.append(load_text(text, display, default_id=stem, rules=rules, today=today))
    diagnostics = [d for r in results for d in r.diagnostics]
    if args.format == "json":
        print(format_json(diagnostics))
    else:
        colour = _colour(sys.stdout)
        for r in results:
            lines = r.source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
            for d in r.diagnostics:
                print(format_text(d, lines, colour))
        errors = sum(d.severity.value == "error" for d in diagnostics)
        warnings = len(diagnostics) - errors
        print(f"{len(results)} procedure{'s' * (len(results) != 1)} checked: "
              f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}",
              file=sys.stderr)
    return EXIT_ERRORS if has_errors(diagnostics, args.strict) else EXIT_OK


def cmd_rules(args) -> int:
    from .checks import RULES

    if args.name:
        rule = RULES.get(args.name)
        if rule is None:
            raise UsageError(f"no rule named '{args.name}'{_did_you_mean(args.name, RULES)}")
        print(f"{rule.name} ({rule.severity.value})\n\n{rule.doc}")
        return EXIT_OK
    width = max(map(len, RULES))
    for rule in RULES.values():
        print(f"{rule.name:<{width}}  {rule.severity.value:<7}  {rule.summary}")
    return EXIT_OK


def cmd_new(args) -> int:
    from .fileio import write_atomic
    from .parse.body import ID_RE
    from .templates_new import new_procedure

    if not ID_RE.match(args.id):
        raise UsageError(f"'{args.id}' is not a valid ID (letters, digits, '-' and '_', "
                         "starting with a letter)")
    target = Path(args.output) / f"{args.id}.flow"
    if target.exists():
        raise UsageError(f"{target} already exists; flowsop new never overwrites a file")
    today = _today(getattr(args, "today", None))
    try:
        write_atomic(target, new_procedure(args.id, today), overwrite=False)
    except FileExistsError:
        raise UsageError(f"{target} already exists; flowsop new never overwrites a file") from None
    except OSError as e:
        raise UsageError(f"cannot write {target}: {e.strerror or e}") from None
    print(f"wrote {target}", file=sys.stderr)
    return EXIT_OK


# ------------------------------------------------------------------ helpers

def _collect(paths: list[str]):
    """(display path, real path) for each procedure; None means standard input."""
    for given in paths:
        if given == "-":
            yield "<stdin>", None
            continue
        p = Path(given)
        if p.is_dir():
            found = sorted(q for q in p.rglob("*.flow") if q.is_file())
            for q in found:
                yield os.path.join(given, str(q.relative_to(p))), q
        elif p.exists():
            yield given, p
        else:
            raise UsageError(f"{given}: no such file or folder")


def _read(path: Path) -> str:
    from .parse import read_source
    return read_source(path)


def _selected_rules(select: list[str], ignore: list[str]) -> list[str] | None:
    from .checks import RULES

    chosen = _split(select)
    dropped = _split(ignore)
    for name in chosen + dropped:
        if name not in RULES:
            raise UsageError(f"unknown rule '{name}'{_did_you_mean(name, RULES)}; "
                             "'flowsop rules' lists them")
    if not chosen and not dropped:
        return None
    base = chosen or list(RULES)
    return [n for n in base if n not in dropped]


def _split(values: list[str]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def _did_you_mean(name: str, names) -> str:
    from difflib import get_close_matches
    close = get_close_matches(name, list(names), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _today(value: str | None) -> _dt.date:
    """--today, else SOURCE_DATE_EPOCH (reproducible builds), else the clock."""
    if value:
        try:
            return _dt.date.fromisoformat(value)
        except ValueError:
            raise UsageError(f"--today {value}: not a date (YYYY-MM-DD)") from None
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc).date()
        except (ValueError, OverflowError, OSError):
            raise UsageError(f"SOURCE_DATE_EPOCH={epoch}: not a number of seconds") from None
    return _dt.date.today()


def _colour(stream) -> bool:
    return stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
