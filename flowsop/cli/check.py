"""flowsop check: report the problems of procedures, each with its library."""

from __future__ import annotations

import json
import sys

from .common import (EXIT_ERRORS, EXIT_OK, EXIT_USAGE, UsageError, colour, read, source_lines,
                     selected_rules)

#: --overdue lists reviews due within this many days, and those already past.
DUE_WITHIN_DAYS = 30


def register(sub, common) -> None:
    c = sub.add_parser("check", parents=[common], help="check procedures and report problems",
                       description="Check .flow files (folders are searched for *.flow). "
                       "Each file is checked with its library: the folder given, or for a "
                       "single file the nearest folder above it with a flowsop.yaml or a "
                       "pyproject.toml with [tool.flowsop] (else its own folder), so calls "
                       "and overlaps between procedures are found too.",
                       epilog="Example: flowsop check diagrams/ --format json")
    c.add_argument("paths", nargs="+", metavar="PATH", help="a .flow file, a folder, or - for stdin")
    c.add_argument("--format", choices=("text", "json", "sarif"), default="text",
                   help="sarif: SARIF 2.1.0 for code-scanning views in CI")
    c.add_argument("--strict", action="store_true", help="warnings also make the exit status 1")
    c.add_argument("--select", metavar="RULES", action="append", default=[],
                   help="report only these rules (comma-separated)")
    c.add_argument("--ignore", metavar="RULES", action="append", default=[],
                   help="do not report these rules (comma-separated)")
    c.add_argument("--config", metavar="PATH",
                   help="the configuration file to use (default: the nearest flowsop.yaml or "
                        "pyproject.toml with [tool.flowsop] above each library)")
    c.add_argument("--jobs", type=int, default=0, metavar="N",
                   help="processes reading and checking files at once (default: one per core)")
    c.add_argument("--overdue", action="store_true",
                   help="instead of the problems, list per owner the procedures whose review is "
                        f"overdue or due within {DUE_WITHIN_DAYS} days (exit 1 if any is overdue)")
    c.set_defaults(run=cmd_check)


def cmd_check(args) -> int:
    from ..api import check_paths
    from ..project.config import ConfigError
    from ..diagnostics import format_json, format_text, has_errors
    from ..project.library import LibraryError
    from ..parse import SourceError

    rules = selected_rules(args.select, args.ignore)
    when = args.today
    try:
        stdin = read(None) if "-" in args.paths else None
        result = check_paths(args.paths, config=args.config, today=when, rules=rules,
                             stdin=stdin, jobs=args.jobs)
    except (SourceError, LibraryError, ConfigError) as e:
        raise UsageError(str(e)) from None
    if args.overdue:
        return _overdue(result, when, args.format)
    diagnostics = result.diagnostics
    if args.format == "json":
        print(format_json(diagnostics))
    elif args.format == "sarif":
        from .sarif import format_sarif
        print(format_sarif(diagnostics))
    else:
        use_colour = colour(sys.stdout)
        for d in result.config_problems:
            print(format_text(d, _config_lines(result, d.path), use_colour))
        for r in result.loaded:
            lines = source_lines(r.source)
            for d in r.diagnostics:
                print(format_text(d, lines, use_colour))
        errors = sum(d.severity.value == "error" for d in diagnostics)
        warnings = len(diagnostics) - errors
        count = len(result.loaded)
        print(f"{count} procedure{'s' * (count != 1)} checked: "
              f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}",
              file=sys.stderr)
    if result.config_problems:
        return EXIT_USAGE  # the configuration is wrong: nothing else can be trusted
    return EXIT_ERRORS if has_errors(diagnostics, args.strict) else EXIT_OK


def _config_lines(result, shown: str) -> list[str] | None:
    """The lines of the configuration file a problem is in, for the caret."""
    for lib in result.libraries:
        config = lib.config
        if config.path is not None and any(d.path == shown for d in config.problems):
            try:
                return config.path.read_text(encoding="utf-8").split("\n")
            except (OSError, UnicodeDecodeError):
                return None
    return None


def _overdue(result, when, fmt: str) -> int:
    from ..project.library import review_schedule

    configs = {id(m): lib.config for lib in result.libraries for m in lib.asked()}
    members = [m for lib in result.libraries for m in lib.asked()]
    due = review_schedule(members, lambda m: configs[id(m)], when, DUE_WITHIN_DAYS)
    if fmt == "json":
        print(json.dumps([{"owner": d.owner, "id": d.procedure.id, "title": d.procedure.title,
                           "path": d.display, "due": d.due.isoformat(), "days": d.days(when)}
                          for d in due], indent=2, ensure_ascii=False))
    else:
        owner = None
        for d in due:
            if d.owner != owner:
                owner = d.owner
                print(f"{'' if d is due[0] else chr(10)}{owner}")
            days = d.days(when)
            state = (f"overdue by {-days} day{'s' * (days != -1)}" if days < 0 else
                     "due today" if days == 0 else f"due in {days} day{'s' * (days != 1)}")
            print(f"  {d.due.isoformat()}  {state:<20} {d.procedure.title} ({d.display})")
        late = sum(d.days(when) < 0 for d in due)
        print(f"{late} procedure{'s' * (late != 1)} overdue, {len(due) - late} due within "
              f"{DUE_WITHIN_DAYS} days, of {len(members)} checked", file=sys.stderr)
    return EXIT_ERRORS if any(d.days(when) < 0 for d in due) else EXIT_OK
