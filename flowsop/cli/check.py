"""flowsop check: report the problems of procedures."""

from __future__ import annotations

import sys
from pathlib import Path

from .common import (EXIT_ERRORS, EXIT_OK, UsageError, collect, colour, read, selected_rules,
                     today)


def register(sub, common) -> None:
    c = sub.add_parser("check", parents=[common], help="check procedures and report problems",
                       description="Check .flow files (folders are searched for *.flow).",
                       epilog="Example: flowsop check diagrams/ --format json")
    c.add_argument("paths", nargs="+", metavar="PATH", help="a .flow file, a folder, or - for stdin")
    c.add_argument("--format", choices=("text", "json", "sarif"), default="text",
                   help="sarif: SARIF 2.1.0 for code-scanning views in CI")
    c.add_argument("--strict", action="store_true", help="warnings also make the exit status 1")
    c.add_argument("--select", metavar="RULES", action="append", default=[],
                   help="report only these rules (comma-separated)")
    c.add_argument("--ignore", metavar="RULES", action="append", default=[],
                   help="do not report these rules (comma-separated)")
    c.set_defaults(run=cmd_check)


def cmd_check(args) -> int:
    from ..api import load_text
    from ..diagnostics import format_json, format_text, has_errors
    from ..parse import SourceError

    rules = selected_rules(args.select, args.ignore)
    when = today(args.today)
    sources = list(collect(args.paths))
    results = []
    for display, path in sources:
        try:
            text = read(path)
        except SourceError as e:
            raise UsageError(str(e)) from None
        stem = "stdin" if path is None else Path(path).stem
        results.append(load_text(text, display, default_id=stem, rules=rules, today=when))
    diagnostics = [d for r in results for d in r.diagnostics]
    if args.format == "json":
        print(format_json(diagnostics))
    elif args.format == "sarif":
        from ..sarif import format_sarif
        print(format_sarif(diagnostics))
    else:
        use_colour = colour(sys.stdout)
        for r in results:
            lines = r.source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
            for d in r.diagnostics:
                print(format_text(d, lines, use_colour))
        errors = sum(d.severity.value == "error" for d in diagnostics)
        warnings = len(diagnostics) - errors
        print(f"{len(results)} procedure{'s' * (len(results) != 1)} checked: "
              f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}",
              file=sys.stderr)
    return EXIT_ERRORS if has_errors(diagnostics, args.strict) else EXIT_OK


