"""One procedure through every stage: text → model → graph → checks →
numbered procedure → one output format.

The facade (``flowsop.api``), the library build (``flowsop.project``), the
integrations and the authoring tools all go through these few functions, so
the stage chain is written out once, here. Nothing in this module reads a
configuration file or another procedure: the project layer passes in what the
library says (settings, severities, titles).
"""

from __future__ import annotations

import datetime as _dt
import gc
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import networkx as nx

from .checks import RULES, check_procedure
from .diagnostics import Diagnostic, tidy
from .graph import build_graph
from .model import Procedure
from .parse import parse_text, read_source
from .procedure import NumberedProcedure, number_procedure


@dataclass
class Loaded:
    """A procedure with its graph and every diagnostic found on it."""

    procedure: Procedure
    graph: nx.DiGraph
    diagnostics: list[Diagnostic] = field(default_factory=list)
    source: str = ""
    #: Procedure id → title in its library, so that a call names what it runs.
    titles: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(d.severity.value == "error" for d in self.diagnostics)

    def number(self, titles: dict[str, str] | None = None,
               defaults: dict | None = None) -> NumberedProcedure:
        """The numbered, renderer-neutral procedure (what every renderer reads)."""
        return number_procedure(self.procedure, self.graph, titles=titles or self.titles,
                                defaults=defaults)

    def render(self, fmt: str = "svg", **options) -> str | bytes:
        """The procedure in one output format (a name of ``render.formats.FORMATS``):
        text, or bytes for a binary format (``png``, ``pdf``). Options: ``today``,
        ``engine`` ("graphviz-pure" or "dot"), ``link_base``, ``page_suffix``,
        ``titles``; for ``fragment`` also ``show`` ("chart", "steps", "both",
        "sop"), ``alt`` and ``caption``. Raises ``ValueError`` for an unknown
        format or a procedure with errors, ``render.engine.EngineError`` when
        the layout engine fails."""
        return render(self, fmt, **options)


def load_text(text: str, path: str = "<stdin>", *, default_id: str | None = None,
              rules: Iterable[str] | None = None, today: _dt.date | None = None,
              settings: dict | None = None, severities: dict | None = None) -> Loaded:
    """Parse, build the graph and run the procedure rules on ``text``.
    ``severities`` re-grades rules (from the configuration)."""
    with collector_paused():
        procedure, diagnostics = parse_text(text, path, default_id)
        graph = build_graph(procedure)
    selected = [RULES[n] for n in rules] if rules is not None else None
    diagnostics += check_procedure(procedure, graph, rules=selected, today=today,
                                   settings=settings, severities=severities)
    if rules is not None:
        keep = set(rules)
        diagnostics = [d for d in diagnostics if d.rule in keep]
    return Loaded(procedure, graph, tidy(diagnostics), text)


def load_file(path: str | Path, display: str | None = None, **kwargs) -> Loaded:
    """Read and load one ``.flow`` file. Raises ``SourceError`` if it is not text."""
    text = read_source(path)
    return load_text(text, display or str(path), default_id=Path(path).stem, **kwargs)


@contextmanager
def collector_paused():
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


def render(loaded: Loaded, fmt: str, **options) -> str | bytes:
    """``Loaded.render``: number the procedure, lay out its chart if the format
    reads it, and render the one format."""
    from .render import RenderContext
    from .render.formats import FORMATS, render_format

    spec = FORMATS.get(fmt)
    if spec is None:
        raise ValueError(f"unknown format {fmt!r}; formats are {', '.join(FORMATS)}")
    errors = [d for d in loaded.diagnostics if d.severity.value == "error"]
    if errors:
        d = errors[0]
        raise ValueError(f"{d.path}:{d.line}:{d.column}: {d.message} ({len(errors)} error(s); "
                         "a procedure with errors is not rendered)")
    # Another format's options are accepted and unused, as 0.1 did.
    taken = {k for f in FORMATS.values() for k in f.options}
    extra = {k: options.pop(k) for k in taken & options.keys()}
    extra = {k: v for k, v in extra.items() if k in spec.options}
    titles = options.pop("titles", None) or loaded.titles
    ctx = RenderContext(**options)
    numbered = number_procedure(loaded.procedure, loaded.graph, titles=titles)
    if spec.chart:
        from .render.chart import render_svg
        ctx.svg = render_svg(numbered, ctx)
    data = render_format(numbered, fmt, ctx, **extra)
    return data if spec.binary else data.decode("utf-8")
