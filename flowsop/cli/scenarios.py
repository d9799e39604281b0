"""flowsop scenarios: list every path through a procedure, for review and testing."""

from __future__ import annotations

import sys

from .common import EXIT_ERRORS, EXIT_OK, UsageError, colour, read, source_lines

DEFAULT_MAX_PATHS = 1000


def register(sub, common) -> None:
    s = sub.add_parser(
        "scenarios", parents=[common],
        help="list every path from a trigger to an outcome, as checklists for testing",
        description="Print every scenario of a procedure as Markdown: each distinct path "
                    "from a start to an end (each loop followed around at most once), with "
                    "the SOP's step numbers, the decisions taken, the outcome and the "
                    "expected time, as a checklist to tick off while testing in a sandbox. "
                    "The file must check without errors first (as 'flowsop check FILE' "
                    "does, with its library). Exit status: 0 written; 1 the file has errors, "
                    "or it has more scenarios than --max-paths (nothing is written then); "
                    "2 a usage or file problem.",
        epilog="Example: flowsop scenarios diagrams/dispatch-onsite.flow -o review.md")
    s.add_argument("file", metavar="FILE", help="a .flow file, or - for standard input")
    s.add_argument("-o", "--output", metavar="OUT", help="write the Markdown to OUT "
                   "instead of standard output")
    s.add_argument("--max-paths", type=_positive, default=DEFAULT_MAX_PATHS, metavar="N",
                   help="stop with exit status 1 when there are more than N scenarios "
                        "(default: %(default)s)")
    s.add_argument("--count", action="store_true",
                   help="print only the number of scenarios, counted without listing them")
    s.set_defaults(run=cmd_scenarios)


def cmd_scenarios(args) -> int:
    from ..api import check_paths
    from ..project.config import ConfigError
    from ..project.library import LibraryError
    from ..parse import SourceError
    from ..procedure import number_procedure
    from ..scenarios import TooComplex, count_scenarios, render_scenarios, say_count, scenarios

    try:
        stdin = read(None) if args.file == "-" else None
        result = check_paths([args.file], today=args.today, stdin=stdin)
    except (SourceError, LibraryError, ConfigError) as e:
        raise UsageError(str(e)) from None
    if not result.loaded:
        raise UsageError(f"{args.file}: no procedure found")
    loaded = result.loaded[0]
    problems = result.config_problems + loaded.diagnostics
    if any(d.severity.value == "error" for d in problems):
        _print_diagnostics(problems, loaded.source)
        print(f"flowsop: {args.file} has errors; fix them before listing its scenarios",
              file=sys.stderr)
        return EXIT_ERRORS
    titles = {p.id: p.title for lib in result.libraries for p in lib.procedures}
    numbered = number_procedure(loaded.procedure, loaded.graph, titles=titles)
    try:
        total = count_scenarios(numbered)
    except TooComplex as e:
        print(f"flowsop: {args.file}: too many scenarios to count or list: {e}; split the "
              "procedure with 'call:' so that each part can be tested on its own",
              file=sys.stderr)
        return EXIT_ERRORS
    if args.count:
        print(total)
        return EXIT_OK
    if total > args.max_paths:
        print(f"flowsop: {args.file}: stopped at {args.max_paths:,} scenarios (--max-paths); "
              f"the procedure has {say_count(total)}. Nothing was written: raise "
              "--max-paths, or split the procedure with 'call:' so that each part can be "
              "tested on its own",
              file=sys.stderr)
        return EXIT_ERRORS
    text = render_scenarios(numbered, list(scenarios(numbered, args.max_paths)), total)
    if args.output:
        from ..project.fileio import write_atomic
        try:
            write_atomic(args.output, text)
        except OSError as e:
            raise UsageError(f"cannot write {args.output}: {e.strerror or e}") from None
        print(f"wrote {args.output} ({total} scenario{'s' * (total != 1)})", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _positive(value: str) -> int:
    import argparse
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def _print_diagnostics(diagnostics, source: str) -> None:
    from ..diagnostics import format_text
    lines = source_lines(source)
    use_colour = colour(sys.stderr)
    for d in diagnostics:
        print(format_text(d, lines if d.rule != "config" else None, use_colour), file=sys.stderr)
