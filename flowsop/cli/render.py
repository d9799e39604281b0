"""flowsop render and flowsop build: write charts and written SOPs."""

from __future__ import annotations

import sys
from pathlib import Path

from .common import (EXIT_ERRORS, EXIT_OK, EXIT_USAGE, UsageError, colour, read, source_lines,
                     split)


def register(sub, common) -> None:
    from ..render.formats import DEFAULT_FORMATS, FORMATS

    shared = common.__class__(add_help=False, parents=[common])
    shared.add_argument("--engine", choices=("graphviz-pure", "dot"), default="graphviz-pure",
                        help="layout engine: graphviz-pure (bundled, default) or a system "
                             "Graphviz 'dot' (needed for PDF)")
    shared.add_argument("--force", action="store_true",
                        help="lay out charts of more than 2,000 nodes (slow)")
    shared.add_argument("--jobs", type=int, default=0, metavar="N",
                        help="processes reading, checking and laying out at once "
                             "(default: one per core)")
    formats = ",".join(FORMATS)

    r = sub.add_parser("render", parents=[shared], help="render procedures to charts and SOPs",
                       description="Render .flow files. Outputs are OUT/<id>.<format>. A "
                                   "procedure with errors is rendered as a draft (the nodes "
                                   "with errors outlined in red, a note on the chart) if it "
                                   "parses, and the exit status is 1.",
                       epilog="Example: flowsop render diagrams/dispatch-onsite.flow "
                              "--format svg,html -o output/")
    r.add_argument("paths", nargs="+", metavar="FILE")
    r.add_argument("--format", default=",".join(DEFAULT_FORMATS),
                   help=f"comma-separated formats among {formats} (default: %(default)s)")
    r.add_argument("-o", "--output", default="output", metavar="OUT",
                   help="output folder, or - for standard output (one format)")
    r.set_defaults(run=cmd_render)

    b = sub.add_parser("build", parents=[shared],
                       help="check and render a whole library, with an index",
                       description="Check and render every .flow file in DIR (default: the "
                                   "current folder) into OUT, with index.html and index.md.",
                       epilog="Example: flowsop build diagrams/ -o output/")
    b.add_argument("dir", nargs="?", default=".", metavar="DIR")
    b.add_argument("-o", "--output", default="output", metavar="OUT")
    b.add_argument("--format", default=",".join(DEFAULT_FORMATS),
                   help=f"comma-separated formats among {formats} (default: %(default)s)")
    b.add_argument("--tag", metavar="TAG", help="build only procedures with this tag")
    b.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 and list the outputs that are out of date")
    b.add_argument("--strict", action="store_true", help="warnings also make the exit status 1")
    b.add_argument("--config", metavar="PATH", help="the configuration file to use")
    b.add_argument("--draft", action="store_true",
                   help="render procedures with errors too, as drafts (the nodes with errors "
                        "outlined in red, a note on the chart); the exit status stays 1")
    b.set_defaults(run=cmd_build)


def cmd_render(args) -> int:
    from ..project.build import BuildOptions, build

    formats = _formats(args.format)
    entries = _load(args.paths, args)
    if args.output == "-":
        if len(formats) != 1 or len(entries) != 1:
            raise UsageError("-o - writes one format of one procedure to standard output")
        return _render_stdout(entries[0], formats[0], args)
    options = BuildOptions(out=Path(args.output), formats=formats, engine=args.engine,
                           jobs=args.jobs, today=args.today, force=args.force,
                           index=False, manifest=False, draft=True)
    result = _run(lambda: build(entries, options), options)
    _report(result, entries, args)
    return EXIT_ERRORS if any(d.severity.value == "error" for d in result.diagnostics) else EXIT_OK


def cmd_build(args) -> int:
    from ..project.build import BuildOptions
    from ..project.config import ConfigError
    from ..project.incremental import build_library
    from ..project.library import LibraryError
    from ..parse import SourceError

    if not Path(args.dir).is_dir():
        raise UsageError(f"{args.dir}: not a folder")
    options = BuildOptions(out=Path(args.output), formats=_formats(args.format),
                           engine=args.engine, jobs=args.jobs, today=args.today,
                           force=args.force, check_only=args.check,
                           progress=sys.stderr.isatty(), draft=args.draft)
    try:
        result = _run(lambda: build_library(args.dir, options, config=args.config,
                                            tag=args.tag), options)
    except (SourceError, LibraryError, ConfigError) as e:
        raise UsageError(str(e)) from None
    _report(result, [], args)
    if any(d.rule == "config" for d in result.diagnostics):
        return EXIT_USAGE
    if args.check:
        for name in result.stale:
            print(f"out of date: {Path(args.output) / name}")
        if result.stale:
            return EXIT_ERRORS
    bad = any(d.severity.value == "error" or args.strict for d in result.diagnostics)
    return EXIT_ERRORS if bad else EXIT_OK


# ------------------------------------------------------------------ helpers

def _formats(value: str) -> tuple[str, ...]:
    from ..render.formats import FORMATS
    chosen = tuple(dict.fromkeys(split([value])))
    for f in chosen:
        if f not in FORMATS:
            raise UsageError(f"unknown format '{f}'; formats are {', '.join(FORMATS)}")
    if not chosen:
        raise UsageError("--format needs at least one format")
    return chosen


def _load(paths: list[str], args):
    """Each file with its library (for call titles and library problems) and
    its configuration, exactly as ``flowsop check`` reads it."""
    from ..api import check_paths
    from ..project.build import Entry
    from ..project.config import ConfigError
    from ..project.library import LibraryError
    from ..parse import SourceError

    try:
        stdin = read(None) if "-" in paths else None
        result = check_paths(paths, today=args.today, stdin=stdin, jobs=args.jobs)
    except (SourceError, LibraryError, ConfigError) as e:
        raise UsageError(str(e)) from None
    if result.config_problems:
        _print(result.config_problems)
        raise UsageError("the configuration cannot be used")
    entries = []
    for library in result.libraries:
        titles = {m.procedure.id: m.procedure.title for m in library.members}
        for m in library.asked():
            m.loaded.titles = titles
            path = None if m.display == "<stdin>" else m.path
            entries.append(Entry(m.display, path, m.loaded))
    return entries


def _run(work, options):
    from ..render.engine import EngineError
    try:
        return work()
    except EngineError as e:
        raise UsageError(f"{e.message}" + (f" ({e.hint})" if e.hint else "")) from None
    except OSError as e:
        raise UsageError(f"cannot write to {options.out}: {e.strerror or e}") from None


def _render_stdout(entry, fmt: str, args) -> int:
    from ..project.build import BuildOptions, build

    if not entry.loaded.ok and not entry.loaded.drawable:
        _print_diagnostics([entry])
        return EXIT_ERRORS
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        options = BuildOptions(out=Path(tmp), formats=(fmt,), engine=args.engine,
                               today=args.today, force=args.force, index=False,
                               manifest=False, draft=True)
        result = _run(lambda: build([entry], options), options)
        from ..project.build import output_name
        target = Path(tmp) / output_name(entry.loaded.procedure.id, fmt)
        if not target.exists():
            _report(result, [entry], args)
            return EXIT_ERRORS
        sys.stdout.buffer.write(target.read_bytes())
        sys.stdout.flush()
    if not entry.loaded.ok:  # a draft: what is wrong, on standard error
        _print_diagnostics([entry])
        return EXIT_ERRORS
    return EXIT_OK


def _print(diagnostics) -> None:
    from ..diagnostics import format_text
    use_colour = colour(sys.stderr)
    for d in diagnostics:
        print(format_text(d, None, use_colour), file=sys.stderr)


def _print_diagnostics(entries, extra=()) -> None:
    from ..diagnostics import format_text
    use_colour = colour(sys.stderr)
    sources = {e.display: source_lines(e.loaded.source)
               for e in entries}
    seen = set()
    for e in entries:
        for d in e.loaded.diagnostics:
            seen.add(id(d))
            print(format_text(d, sources.get(d.path), use_colour), file=sys.stderr)
    for d in extra:
        if id(d) not in seen:
            print(format_text(d, sources.get(d.path), use_colour), file=sys.stderr)


def _report(result, entries, args) -> None:
    _print_diagnostics(entries, result.diagnostics)
    parts = [f"{len(result.written)} written", f"{len(result.unchanged)} unchanged"]
    if result.removed:
        parts.append(f"{len(result.removed)} removed")
    if result.drafted:
        parts.append(f"{len(result.drafted)} procedure{'s' * (len(result.drafted) != 1)} "
                     "rendered as a draft, its errors marked")
    if result.skipped:
        parts.append(f"{len(result.skipped)} procedure{'s' * (len(result.skipped) != 1)} "
                     "not rendered because of errors")
    print(f"flowsop: {', '.join(parts)}", file=sys.stderr)
