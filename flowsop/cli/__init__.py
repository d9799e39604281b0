"""The command line: read arguments, call ``api``, print, exit.

Exit status, for every command: 0 no errors, 1 errors found (``--strict``
counts warnings too), 2 usage, configuration or I/O errors, 3 an internal
error (a bug in flowsop).
"""

from __future__ import annotations

import gc
import os
import sys

from .. import __version__
from . import check, misc, render, scenarios
from .common import EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, Parser, UsageError, common_options

REPORT_URL = "https://github.com/flowsop/flowsop/issues"
#: Each command module adds its sub-command to the parser.
COMMANDS = (check, misc, render, scenarios)


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    finally:
        if argv is None:
            # The `flowsop` command (not a caller passing arguments) is about
            # to exit: freezing the heap spares the interpreter's final
            # collections a walk over every object (0.05-0.09 s of a 0.3 s
            # `flowsop check`, bench/run.py startup).
            gc.freeze()


def _main(argv: list[str] | None) -> int:
    # A short-lived process that builds large object graphs: collect rarely.
    # (Parsing a 10,000-node file spends a fifth of its time in the collector.)
    gc.set_threshold(100_000, 50, 50)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        _resolve_once(args)
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


def _resolve_once(args) -> None:
    """What the whole run shares is read here, once: "today" (--today, else
    SOURCE_DATE_EPOCH, else the clock) and the number of worker processes."""
    from ..core.clock import DateError, resolve_today
    from ..project.workers import resolve_jobs

    if hasattr(args, "today"):
        try:
            args.today = resolve_today(args.today)
        except DateError as e:
            raise UsageError(str(e)) from None
    if hasattr(args, "jobs"):
        args.jobs = resolve_jobs(args.jobs)


# ------------------------------------------------------------------ arguments

def build_parser() -> Parser:
    p = Parser(prog="flowsop", description="Flowchart-first standard operating procedures.",
               epilog="Example: flowsop check diagrams/")
    p.add_argument("--version", action="version", version=f"flowsop {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    common = common_options()
    for module in COMMANDS:
        module.register(sub, common)
    return p
