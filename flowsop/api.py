"""The one place that chains the stages: parse → graph → check (→ render).

The CLI and every integration go through here; no stage imports a later one.
"""

from __future__ import annotations

import datetime as _dt
import gc
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .checks import RULES, check_procedure
from .diagnostics import Diagnostic, tidy
from .graph import build_graph
from .model import Procedure
from .parse import parse_text, read_source


@dataclass
class Loaded:
    """A procedure with its graph and every diagnostic found on it."""

    procedure: Procedure
    graph: object
    diagnostics: list[Diagnostic] = field(default_factory=list)
    source: str = ""
    #: Procedure id → title in its library, so that a call names what it runs.
    titles: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(d.severity.value == "error" for d in self.diagnostics)

    def render(self, fmt: str = "svg", **options) -> str | bytes:
        """The procedure in one output format (a name of ``render.FORMATS``):
        text, or bytes for ``png`` and ``pdf``. Options: ``today``, ``engine``
        ("graphviz-pure" or "dot"), ``link_base``, ``page_suffix``, ``titles``;
        for ``fragment`` also ``show`` ("chart", "steps", "both", "sop"),
        ``alt`` and ``caption``. Raises ``ValueError`` for an unknown format or
        a procedure with errors, ``render.engine.EngineError`` when the layout
        engine fails."""
        return _render(self, fmt, dict(options))


def load_text(text: str, path: str = "<stdin>", *, default_id: str | None = None,
              rules: Iterable[str] | None = None, today: _dt.date | None = None,
              settings: dict | None = None, severities: dict | None = None) -> Loaded:
    """Parse, build the graph and run the procedure rules on ``text``.
    ``severities`` re-grades rules (from the configuration)."""
    with _collector_paused():
        procedure, diagnostics = parse_text(text, path, default_id)
        graph = build_graph(procedure)
    selected = [RULES[n] for n in rules] if rules is not None else None
    diagnostics += check_procedure(procedure, graph, rules=selected, today=today,
                                   settings=settings, severities=severities)
    if rules is not None:
        keep = set(rules)
        diagnostics = [d for d in diagnostics if d.rule in keep]
    return Loaded(procedure, graph, tidy(diagnostics), text)


@contextmanager
def _collector_paused():
    """Parsing allocates many small objects that all stay alive, and no cycles
    to collect: the cyclic collector would only re-scan them again and again
    (a fifth of the time, growing faster than linearly, on a 10,000-node file)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_file(path: str | Path, display: str | None = None, **kwargs) -> Loaded:
    """Read and load one ``.flow`` file. Raises ``SourceError`` if it is not text."""
    text = read_source(path)
    return load_text(text, display or str(path), default_id=Path(path).stem, **kwargs)


# ------------------------------------------------------------------ libraries

@dataclass
class CheckResult:
    """What ``check_paths`` found: each file asked about, loaded, with its own
    diagnostics and the library problems that involve it; and the problems of
    the configuration files (exit status 2 in the CLI)."""

    loaded: list[Loaded] = field(default_factory=list)
    config_problems: list[Diagnostic] = field(default_factory=list)
    libraries: list = field(default_factory=list)   # flowsop.project.library.Library values

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.config_problems + [d for r in self.loaded for d in r.diagnostics]


def check_paths(paths: Iterable[str], *, config=None, today: _dt.date | None = None,
                rules: Iterable[str] | None = None, stdin: str | None = None,
                jobs: int | None = None) -> CheckResult:
    """Check files and folders (``-`` is ``stdin``) as ``flowsop check`` does:
    each with the library it belongs to, the configuration found above it (or
    ``config``: a path or a ``Config``), and the library rules. Many files are
    read and checked in ``jobs`` forked worker processes (default: one per
    core; never in a process running other threads).

    Raises ``library.LibraryError`` for a path that does not exist,
    ``config.ConfigError`` for a configuration file that cannot be read, and
    ``SourceError`` for a file that is not text.
    """
    from .project import library as lib

    today = today or _dt.date.today()
    names = list(rules) if rules is not None else list(RULES)
    result, cache = CheckResult(), {}
    for plan in lib.plan(list(paths)):
        cfg = lib.config_for(plan, config, cache)
        result.config_problems += cfg.problems
        enabled = cfg.enabled(names)
        library = lib.load_library(plan, cfg, today=today, rules=enabled, stdin_text=stdin,
                                   jobs=jobs)
        found: dict[str, list[Diagnostic]] = {}
        for d in lib.library_diagnostics(library, enabled):
            found.setdefault(d.path, []).append(d)
        order = {display: n for n, display in enumerate(plan.asked.values())}
        for member in sorted(library.asked(), key=lambda m: order.get(m.display, 0)):
            mine = found.get(member.display, [])
            member.loaded.diagnostics = tidy(member.loaded.diagnostics + mine)
            result.loaded.append(member.loaded)
        result.libraries.append(library)
    result.config_problems = tidy(result.config_problems)
    return result


# ------------------------------------------------------------------ embedding

def load(path_or_text: str | Path, *, path: str | None = None,
         today: _dt.date | str | None = None, library: str | Path | None = None,
         default_id: str | None = None) -> Loaded:
    """``flowsop.load``: a ``Path`` or a string ending in ``.flow`` (on one
    line) is read as a file; any other string is the procedure's own text,
    named ``path`` in diagnostics. ``default_id`` is the id of a procedure
    whose front matter has none (default: the file's stem). ``library`` is the
    folder of the other procedures, read for the titles that calls show."""
    if isinstance(today, str):
        today = _dt.date.fromisoformat(today)
    if isinstance(path_or_text, Path) or (
            isinstance(path_or_text, str) and path_or_text.endswith(".flow")
            and "\n" not in path_or_text):
        file = Path(path_or_text)
        loaded = load_text(read_source(file), path or str(file), today=today,
                           default_id=default_id or file.stem)
    else:
        loaded = load_text(path_or_text, path or "<text>", today=today,
                           default_id=default_id or (Path(path).stem if path else "procedure"))
    if library is not None:
        from .project.library import library_files
        from .parse.outline import outline_file

        for file in library_files(Path(library)):
            try:
                other = outline_file(file)
            except Exception:  # noqa: BLE001 - an unreadable neighbour only loses its title
                continue
            loaded.titles.setdefault(other.id, other.title)
    return loaded


def _render(loaded: Loaded, fmt: str, options: dict) -> str | bytes:
    from .project.build import NEEDS_LAYOUT, _render_one
    from .procedure import number_procedure
    from .render import BINARY_FORMATS, FORMATS, RenderContext

    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; formats are {', '.join(FORMATS)}")
    errors = [d for d in loaded.diagnostics if d.severity.value == "error"]
    if errors:
        d = errors[0]
        raise ValueError(f"{d.path}:{d.line}:{d.column}: {d.message} ({len(errors)} error(s); "
                         "a procedure with errors is not rendered)")
    fragment = {k: options.pop(k) for k in ("show", "alt", "caption") if k in options}
    titles = options.pop("titles", None) or loaded.titles
    ctx = RenderContext(**options)
    numbered = number_procedure(loaded.procedure, loaded.graph, titles=titles)
    if fmt in NEEDS_LAYOUT:
        from .render.dot import render_svg
        ctx.svg = render_svg(numbered, ctx)
    if fmt == "fragment":
        from .render.fragment import render_fragment
        return render_fragment(numbered, ctx, **fragment)
    data = _render_one(numbered, fmt, ctx, ctx.svg.encode("utf-8") if ctx.svg else None)
    return data if fmt in BINARY_FORMATS else data.decode("utf-8")
