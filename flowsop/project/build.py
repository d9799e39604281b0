"""Project layer, builds: a library of procedures → every output file, the
index and the manifest, written atomically.

Used by ``flowsop render`` and ``flowsop build``: it reads the loaded
procedures (parse → graph → checks already done by ``pipeline``), numbers
them once, lays out the charts (in parallel, in separate engine processes),
renders the text forms, and records what it wrote in a manifest so that a
later build can remove its own stale files (and never anything else) and skip
procedures whose inputs did not change.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import posixpath
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from .. import __version__
from ..diagnostics import FILE_START, Diagnostic, Severity, Span
from ..model import next_review
from .fileio import output_lock, remove_stale_temporaries, write_atomic
from ..pipeline import Loaded, draft_options
from ..procedure import NumberedProcedure, number_procedure
from ..render import RenderContext
from ..render.formats import DEFAULT_FORMATS, FORMATS, render_format
from .workers import fork_map, resolve_jobs, workers_for

MANIFEST = ".flowsop-manifest.json"


@dataclass
class Entry:
    """One procedure of the library as the build sees it."""

    display: str          # the path as shown to the user
    path: Path | None     # the source file (None for standard input)
    loaded: Loaded


@dataclass
class BuildOptions:
    out: Path
    formats: tuple[str, ...] = DEFAULT_FORMATS
    engine: str = "graphviz-pure"
    jobs: int = 0                     # 0: one per core
    today: _dt.date = field(default_factory=_dt.date.today)
    check_only: bool = False          # --check: compare, write nothing
    force: bool = False               # lay out charts past the size limit
    index: bool = True
    #: Keep a manifest and remove the outputs of procedures that are gone
    #: (build); render only writes the files asked for.
    manifest: bool = True
    progress: bool = False
    settings: dict = field(default_factory=dict)
    #: Render procedures with errors too, as drafts (``Loaded.drawable`` ones):
    #: their charts mark the nodes with errors and say the chart is a draft.
    draft: bool = False


@dataclass
class BuildResult:
    written: list[str] = field(default_factory=list)    # relative to out
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)      # --check: what would change
    skipped: list[str] = field(default_factory=list)    # procedure ids not rendered (errors)
    rendered: list[str] = field(default_factory=list)   # procedure ids whose pages were made
    drafted: list[str] = field(default_factory=list)    # of those, the ones with errors (drafts)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    layouts: int = 0


def output_name(proc_id: str, fmt: str) -> str:
    """``<id><suffix>``; the id is a checked ID, so it cannot leave the folder."""
    name = f"{proc_id}{FORMATS[fmt].suffix}"
    if "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"unsafe output name {name!r}")
    return name


def build(entries: list[Entry], options: BuildOptions) -> BuildResult:
    """Render the given procedures (and the index, if asked); write what changed.
    ``flowsop render`` and the Python API use this; ``flowsop build`` goes through
    ``flowsop.project.incremental.build_library``, which adds the manifest's caching."""
    result = BuildResult()
    titles = {e.loaded.procedure.id: e.loaded.procedure.title for e in entries}
    for e in entries:
        titles.update(getattr(e.loaded, "titles", {}) or {})
    for e in entries:
        result.diagnostics += e.loaded.diagnostics
    files, charts = render_entries(entries, options, titles, result)
    if options.index:
        rows = []
        for e in entries:
            row = row_for(e.loaded, e.display, options)
            row["diagnostics"] = [d.to_json() for d in e.loaded.diagnostics]
            rows.append(row)
        from ..render.index import index_files
        files.update(index_files(rows, options.today))
    with output_lock(options.out, create=not options.check_only):
        previous = read_manifest(options.out)
        manifest = {"flowsop": __version__, "procedures": {}}
        write_outputs(options.out, files, [], previous, manifest, options, result)
    return result


def render_entries(entries: list[Entry], options: BuildOptions, titles: dict[str, str],
                   result: BuildResult, chart_cache: dict | None = None
                   ) -> tuple[dict[str, bytes], dict[str, str]]:
    """Every output file of every entry without errors: name → bytes; and the
    chart key of each chart (the hash of its DOT and engine).

    A large library is rendered by worker processes, one per core (``--jobs``):
    numbering, DOT, templates and the engine's own process all run in
    parallel, not only the layout. Workers are forked, so they read the
    loaded procedures without copying them through a pipe."""
    workers = workers_for(options.jobs, len(entries))
    if workers > 1:
        return _render_parallel(entries, options, titles, result, chart_cache or {}, workers)
    return _render_serial(entries, options, titles, result, chart_cache or {})


def _render_parallel(entries, options, titles, result, cache, workers):
    serial = replace(options, jobs=1, progress=False)
    files: dict[str, bytes] = {}
    keys: dict[str, str] = {}
    shared = (entries, serial, titles, cache)
    for (f, k, part), done, chunks in fork_map(_render_chunk, shared, len(entries), workers):
        files.update(f)
        keys.update(k)
        result.diagnostics += part.diagnostics
        result.skipped += part.skipped
        result.rendered += part.rendered
        result.drafted += part.drafted
        result.layouts += part.layouts
        if options.progress:
            progress(done, chunks)
    return files, keys


def _render_chunk(shared: tuple, indexes: range):
    entries, options, titles, cache = shared
    part = BuildResult()
    files, keys = _render_serial([entries[i] for i in indexes], options, titles, part, cache)
    return files, keys, part


def _render_serial(entries, options, titles, result, cache):
    from ..render.chart import render_chart
    from ..render.engine import EngineError

    files: dict[str, bytes] = {}
    numbered: dict[str, NumberedProcedure] = {}
    renderable = []
    for e in entries:
        if not e.loaded.ok and not (options.draft and e.loaded.drawable):
            result.skipped.append(e.loaded.procedure.id)
            continue
        n = number_procedure(e.loaded.procedure, e.loaded.graph, titles=titles,
                             defaults=options.settings.get("defaults"))
        numbered[n.id] = n
        renderable.append(e)
    charts, keys = _layout_all(renderable, numbered, options, result, cache)
    for done, e in enumerate(renderable, 1):
        n = numbered[e.loaded.procedure.id]
        ctx = _context(e, options, charts.get(n.id))
        for fmt in options.formats:
            try:
                if fmt == "dot" and ctx.draft:  # the DOT the chart is laid out from, marked
                    data = render_chart(n, ctx, "dot")
                else:
                    data = render_format(n, fmt, ctx)
            except EngineError as err:
                result.diagnostics.append(_diagnostic(e, Severity.ERROR, "engine",
                                                      err.message, err.hint))
                continue
            if data is not None:
                files[output_name(n.id, fmt)] = data
            if fmt == "mermaid" and data is not None:
                result.diagnostics += _mermaid_limits(e, n, data)
        result.rendered.append(n.id)
        if ctx.draft:
            result.drafted.append(n.id)
        if options.progress:
            progress(done, len(renderable))
    return files, keys


def _context(e: Entry, options: BuildOptions, svg: bytes | None) -> RenderContext:
    base = ""
    if e.path is not None:
        source_dir = e.path.resolve().parent
        base = Path(os.path.relpath(source_dir, options.out.resolve())).as_posix()
        base = "" if base == "." else base
    # A draft: the procedure has errors and is rendered anyway (only with
    # options.draft does an entry with errors get this far), its chart marked
    # at the nodes that hold them (render.draft.locate).
    draft = draft_options(e.loaded) if not e.loaded.ok else {}
    return RenderContext(today=options.today, svg=svg.decode() if svg else None,
                         link_base=base, page_suffix=".html", engine=options.engine, **draft)


def _layout_all(entries: list[Entry], numbered: dict[str, NumberedProcedure],
                options: BuildOptions, result: BuildResult, cache: dict
                ) -> tuple[dict[str, bytes], dict[str, str]]:
    """Lay out every chart the formats need, in parallel engine processes.
    ``cache`` maps a procedure id to (chart key, SVG file) from an earlier
    build: a chart whose DOT and engine are unchanged is read back, not laid out."""
    if not any(FORMATS[f].needs_layout for f in options.formats):
        return {}, {}
    from ..render.chart import chart_dot, finish_chart
    from ..render.dot import check_text_support, choose_engine, too_large
    from ..render.engine import EngineError, engine_version_or_none, layout_many

    by_engine: dict[str, list] = {}
    charts, keys = {}, {}
    for e in entries:
        n = numbered[e.loaded.procedure.id]
        if too_large(n) and not options.force:
            result.diagnostics.append(_diagnostic(
                e, Severity.WARNING, "too-large",
                f"the chart has {len(n.items)} nodes; laying it out would take minutes",
                "split the procedure with 'call', or pass --force"))
            continue
        for w in check_text_support(n, options.engine):
            result.diagnostics.append(Diagnostic(e.display, Span(w.line, 1), Severity.WARNING,
                                                 "unsupported-script", w.message, w.hint))
        engine = choose_engine(n, options.engine)
        ctx = _context(e, options, None)
        dot = chart_dot(n, ctx)
        # Everything the finished SVG depends on: the DOT, the engine, and what
        # finish_svg adds (title, purpose, id prefix; its code comes with the version).
        key = hashlib.sha256("\0".join((__version__, str(engine_version_or_none(engine)), n.id, n.title,
                                        n.meta.purpose or "", dot)).encode()).hexdigest()
        keys[n.id] = key
        old_key, old_file = cache.get(n.id, (None, None))
        if old_key == key:
            try:
                charts[n.id] = old_file.read_bytes()
                continue
            except OSError:
                pass  # gone: lay it out again
        by_engine.setdefault(engine, []).append((e, n, dot, ctx))
    for engine, group in sorted(by_engine.items()):
        outputs = layout_many([(dot, "svg") for _, _, dot, _ in group], engine,
                              resolve_jobs(options.jobs))
        result.layouts += len(group)
        for (e, n, _, ctx), output in zip(group, outputs):
            if isinstance(output, EngineError):
                result.diagnostics.append(_diagnostic(e, Severity.ERROR, "engine",
                                                      output.message, output.hint))
                keys.pop(n.id, None)
            else:
                charts[n.id] = finish_chart(output.decode("utf-8"), n, ctx).encode("utf-8")
    return charts, keys


def _diagnostic(e: Entry, severity: Severity, rule: str, message: str,
                hint: str | None) -> Diagnostic:
    """A render-stage diagnostic about a procedure as a whole: at 1:1."""
    return Diagnostic(e.display, FILE_START, severity, rule, message, hint)


def _mermaid_limits(e: Entry, n: NumberedProcedure, data: bytes) -> list[Diagnostic]:
    from ..render.mermaid import LIMITS_RULE, limits_warning
    message = limits_warning(n, data.decode("utf-8"))
    if message is None:
        return []
    return [Diagnostic(e.display, FILE_START, Severity.WARNING, LIMITS_RULE, message,
                       "split the procedure with 'call', or publish the SVG chart instead")]


def row_for(loaded: Loaded, display: str, options: BuildOptions) -> dict:
    """What the index says of one procedure, as plain data (kept in the manifest)."""
    p = loaded.procedure
    due = next_review(p.meta, options.settings.get("defaults"))
    return {"id": p.id, "title": p.title, "owner": p.meta.owner or
            options.settings.get("defaults", {}).get("owner"), "version": p.meta.version,
            "next_review": due.isoformat() if due else None, "source": display,
            "calls": sorted({n.text for n in p.nodes if n.info.calls}),
            "tags": list(p.meta.tags), "ok": loaded.ok}


# ------------------------------------------------------------------ writing

def write_outputs(out: Path, files: dict[str, bytes], kept: list[str], previous: dict,
                  manifest: dict, options: BuildOptions, result: BuildResult) -> None:
    """Write the files that differ from what is on disk (atomically), remove
    the files an earlier build wrote that this one no longer makes, and record
    it all in the manifest. With ``check_only``, list what would change."""
    for name in sorted(files):
        target = out / name
        if _same(target, files[name]):
            result.unchanged.append(name)
        elif options.check_only:
            result.stale.append(name)
        else:
            write_atomic(target, files[name])
            result.written.append(name)
    result.unchanged += kept
    if not options.manifest:
        return
    old_files = previous.get("files", {})
    made = {**{k: old_files.get(k) for k in kept},
            **{name: hashlib.sha256(data).hexdigest() for name, data in files.items()}}
    for name in sorted(set(old_files) - set(made)):
        # Only names an earlier build recorded, and only inside the output folder.
        if posixpath.normpath(name) != name or name.startswith(("..", "/")) or "/" in name:
            continue
        target = out / name
        if target.is_file():
            if options.check_only:
                result.stale.append(name)
            else:
                target.unlink()
                result.removed.append(name)
    if options.check_only:
        return
    manifest = dict(manifest, files=dict(sorted(made.items())))
    write_atomic(out / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    remove_stale_temporaries(out)


def _same(target: Path, data: bytes) -> bool:
    try:
        return target.stat().st_size == len(data) and target.read_bytes() == data
    except OSError:
        return False


def read_manifest(out: Path) -> dict:
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def progress(done: int, total: int, stream=sys.stderr) -> None:
    width = 30
    filled = width * done // max(total, 1)
    stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done == total:
        stream.write("\n")
    stream.flush()
