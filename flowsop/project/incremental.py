"""Library build: ``flowsop build DIR`` with a content-hash manifest, so that
a rebuild does only the work its changes need.

Sits on top of the library stage (``flowsop.project.library``) and the render core
(``flowsop.project.build``). What each output depends on:

- every output: the build key (flowsop's version, the layout engine's version,
  the templates, the configuration file, the formats, today's date, --tag,
  --draft and where the output folder is);
- a procedure's pages: its source and the titles of the procedures it calls;
- its chart: the DOT text only (a template change re-renders pages, but no
  chart is laid out again: an unchanged DOT reuses the SVG already written).

An unchanged file is not parsed: the library rules read its outline (cheap),
and its own diagnostics come from the manifest. A no-op rebuild reads and
hashes the sources and the manifest, and writes nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .. import __version__
from .build import (MANIFEST, BuildOptions, BuildResult, Entry, read_manifest, render_entries,
                    row_for, write_outputs)
from ..render.index import index_files
from ..diagnostics import Diagnostic, Severity, Span, tidy
from .fileio import output_lock
from .workers import load_files
from . import library as lib
from ..checks import RULES
from ..parse.outline import outline_file
from ..pipeline import Loaded, load_file
from ..render.formats import FORMATS

#: Library rules that read a procedure in full (its links): an outline does not
#: carry what they need, so their findings on an unchanged file are reused.
PER_FILE_LIBRARY_RULES = ("path-escape",)


@dataclass
class _Source:
    path: Path
    display: str
    sha: str
    previous: dict | None


def build_library(folder: str, options: BuildOptions, *, config=None,
                  tag: str | None = None) -> BuildResult:
    """Build a library into ``options.out``, skipping what the manifest says is
    unchanged. Holds the output folder's lock from reading the manifest to
    writing it, so two builds into one folder run one after the other."""
    with output_lock(options.out, create=not options.check_only):
        return _build_library(folder, options, config=config, tag=tag)


def _build_library(folder: str, options: BuildOptions, *, config=None,
                   tag: str | None = None) -> BuildResult:
    """The build, step by step: plan, hash, load what changed, library rules,
    decide which pages to render, render them, write and record."""
    plan = lib.plan([folder])[0]
    cfg = lib.config_for(plan, config, {})
    result = BuildResult()
    result.diagnostics += list(cfg.problems)
    if cfg.problems:
        return result
    rules = cfg.enabled(list(RULES))
    key = build_key(options, cfg, tag, plan.root)
    manifest = read_manifest(options.out)
    before = manifest.get("procedures", {}) if manifest.get("key") == key else {}
    sources = [_source(f, d, before) for f, d in plan.asked.items()]
    changed = {s.display for s in sources if s.previous is None or s.previous["sha"] != s.sha}
    gone = set(before) - {s.display for s in sources}
    if not changed and not gone and _outputs_present(options.out, manifest):
        return _nothing_to_do(sources, tag, result)

    load = dict(rules=rules, today=options.today, settings=cfg.settings,
                severities=cfg.severities)
    loaded, members = _load_changed(sources, changed, load, options.jobs)
    found = _library_findings(lib.Library(plan.root, cfg, members), rules, sources, changed)
    titles = {m.procedure.id: m.procedure.title for m in members}
    page_keys, to_render = _pages_to_render(sources, members, titles, loaded, load)
    record, entries, kept = _records(sources, loaded, found, page_keys, to_render, plan.root,
                                     options, tag, result)
    # Charts whose DOT did not change are reused from the SVG on disk.
    # (Also across a changed build key: the chart key says all a chart depends on.)
    cache = {p["row"]["id"]: (p.get("chart"), options.out / f'{p["row"]["id"]}.svg')
             for p in manifest.get("procedures", {}).values() if p.get("chart")}
    files, charts = render_entries(entries, options, titles, result, chart_cache=cache)
    _record_outputs(record, entries, files, charts, sources, to_render)
    rows = [dict(r["row"], diagnostics=r["diagnostics"] + r["library"])
            for _, r in sorted(record.items()) if _tagged(r["tags"], tag)]
    files.update(index_files(rows, options.today))
    new_manifest = {"flowsop": __version__, "key": key, "procedures": record}
    write_outputs(options.out, files, kept, manifest, new_manifest, options, result)
    return result


def _nothing_to_do(sources: list[_Source], tag: str | None, result: BuildResult) -> BuildResult:
    """A no-op rebuild: the manifest already says what every file gives."""
    for s in sources:
        if _tagged(s.previous.get("tags", ()), tag):
            result.diagnostics += _diagnostics(s.previous["diagnostics"] + s.previous["library"])
            result.unchanged += s.previous["files"]
    return result


def _load_changed(sources: list[_Source], changed: set[str], load: dict, jobs: int
                  ) -> tuple[dict[str, Loaded], list[lib.Member]]:
    """Changed files loaded in full (by worker processes when there are many);
    the others read as outlines, which is all the library rules need."""
    loaded: dict[str, Loaded] = {}
    members = []
    fresh = load_files([(s.path, s.display) for s in sources if s.display in changed], load, jobs)
    for s in sources:
        if s.display in changed:
            loaded[s.display] = fresh[s.display]
            members.append(lib.Member(s.path, s.display, fresh[s.display].procedure,
                                      fresh[s.display]))
        else:
            members.append(lib.Member(s.path, s.display, outline_file(s.path, s.display)))
    return loaded, members


def _library_findings(library: lib.Library, rules: list[str], sources: list[_Source],
                      changed: set[str]) -> dict[str, list[Diagnostic]]:
    """The library rules' diagnostics by file. The per-file rules need a full
    parse, so on an unchanged file their findings come from the manifest."""
    found: dict[str, list[Diagnostic]] = {}
    for d in lib.library_diagnostics(library, rules):
        found.setdefault(d.path, []).append(d)
    for s in sources:
        if s.display in changed:
            continue
        found[s.display] = [d for d in found.get(s.display, [])
                            if d.rule not in PER_FILE_LIBRARY_RULES]
        found[s.display] += [d for d in _diagnostics(s.previous["library"])
                             if d.rule in PER_FILE_LIBRARY_RULES] if s.previous else []
    return found


def _pages_to_render(sources: list[_Source], members: list[lib.Member], titles: dict[str, str],
                     loaded: dict[str, Loaded], load: dict
                     ) -> tuple[dict[str, str], dict[str, _Source]]:
    """Each file's page key (its source and the titles of what it calls) and
    the files whose pages must be rendered again (loading those in full)."""
    page_keys, to_render = {}, {}
    for s, m in zip(sources, members):
        calls = sorted({n.text for n in m.procedure.nodes if n.info.calls})
        page_keys[s.display] = _sha(json.dumps([s.sha, [(c, titles.get(c)) for c in calls]]))
        stale = s.previous is None or s.previous.get("page") != page_keys[s.display]
        if stale and s.display not in loaded:
            loaded[s.display] = load_file(s.path, s.display, **load)
        if stale:
            to_render[s.display] = s
    return page_keys, to_render


def _records(sources, loaded, found, page_keys, to_render, root: Path, options: BuildOptions,
             tag: str | None, result: BuildResult):
    """The manifest's record of every file, the entries to render and the
    files kept from before; the run's diagnostics go into ``result``."""
    record: dict[str, dict] = {}
    entries, kept = [], []
    for s in sources:
        own = loaded[s.display].diagnostics if s.display in loaded \
            else _diagnostics(s.previous["diagnostics"])
        mine = tidy(found.get(s.display, []))
        if s.display in loaded:
            full = loaded[s.display]
            full.diagnostics = tidy(list(own) + mine)
            # Named from the library's folder, never by an absolute path: the
            # index is the same wherever the library is built.
            row = row_for(full, (Path(root.name) / s.path.relative_to(root)).as_posix(), options)
        else:
            row = dict(s.previous["row"])
        tags = row.get("tags", ())
        record[s.display] = {"sha": s.sha, "page": page_keys[s.display],
                             "diagnostics": _plain(own), "library": _plain(mine),
                             "row": row, "tags": list(tags),
                             "files": s.previous["files"] if s.previous else []}
        if not _tagged(tags, tag):
            continue
        result.diagnostics += tidy(list(own) + mine)
        if s.display in to_render:
            entries.append(Entry(s.display, s.path, loaded[s.display]))
        else:
            kept += s.previous["files"]
    return record, entries, kept


def _record_outputs(record, entries, files, charts, sources, to_render) -> None:
    """Which files and which chart each rendered procedure now has; the others
    keep the chart key they had."""
    for e in entries:
        rec = record[e.display]
        pid = e.loaded.procedure.id
        rec["files"] = sorted(name for name in files if name.startswith(f"{pid}."))
        if pid in charts:
            rec["chart"] = charts[pid]
    for s in sources:
        if s.display not in to_render and s.previous and s.previous.get("chart"):
            record[s.display]["chart"] = s.previous["chart"]


def build_key(options: BuildOptions, cfg, tag: str | None, root: Path | None) -> str:
    from ..render.engine import engine_version_or_none

    needs_engine = any(FORMATS[f].needs_layout for f in options.formats)
    where = os.path.relpath(root, options.out.resolve()) if root else ""
    config = Path(cfg.path).read_bytes() if cfg.path else b""
    return _sha(json.dumps({
        "flowsop": __version__, "templates": templates_digest(),
        "engine": engine_version_or_none(options.engine) if needs_engine else None,
        "config": _sha(config), "formats": list(options.formats),
        "today": options.today.isoformat(), "tag": tag, "force": options.force,
        "where": where,
        # --draft renders procedures with errors too (only then in the key, so
        # that a manifest written before the option existed stays valid).
        **({"draft": True} if options.draft else {})}, sort_keys=True))


@lru_cache(maxsize=1)
def templates_digest() -> str:
    folder = Path(__file__).parents[1] / "templates"
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def _source(path: Path, display: str, before: dict) -> _Source:
    return _Source(path, display, _sha(path.read_bytes()), before.get(display))


def _outputs_present(out: Path, manifest: dict) -> bool:
    return all((out / name).is_file() for name in manifest.get("files", {}))


def _tagged(tags, tag: str | None) -> bool:
    return tag is None or tag in tags


def _plain(diagnostics) -> list[dict]:
    return [d.to_json() for d in diagnostics]


def _diagnostics(items: list[dict]) -> list[Diagnostic]:
    return [Diagnostic(d["path"], Span(d["line"], d["column"]), Severity(d["severity"]),
                       d["rule"], d["message"], d.get("hint")) for d in items]


def _sha(data) -> str:
    return hashlib.sha256(data if isinstance(data, bytes) else data.encode()).hexdigest()


__all__ = ["build_library", "build_key", "MANIFEST"]
