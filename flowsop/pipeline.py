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


#: Errors that stop a procedure from being rendered even as a draft: a file
#: that does not parse (what would be drawn is a guess), a link the checks
#: refused or a path that leaves the library (the checks are the first line of
#: defence, the renderers' own link checks the second: a draft keeps both), and
#: two procedures with one ID (their pages would overwrite each other).
DRAFT_REFUSED = frozenset({"syntax", "unsafe-link", "path-escape", "duplicate-procedure"})


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

    @property
    def drawable(self) -> bool:
        """Can be drawn as a draft despite its errors (``render(..., draft=True)``):
        it parses (no ``syntax`` error), has nodes, and none of its errors is
        one that rendering must never get past (``DRAFT_REFUSED``)."""
        return bool(self.procedure.nodes) and self.procedure.body_found and not any(
            d.severity.value == "error" and d.rule in DRAFT_REFUSED for d in self.diagnostics)

    def number(self, titles: dict[str, str] | None = None,
               defaults: dict | None = None) -> NumberedProcedure:
        """The numbered, renderer-neutral procedure (what every renderer reads)."""
        return number_procedure(self.procedure, self.graph, titles=titles or self.titles,
                                defaults=defaults)

    def render(self, fmt: str = "svg", **options) -> str | bytes:
        """The procedure in one output format (a name of ``render.formats.FORMATS``):
        text, or bytes for a binary format (``png``, ``pdf``). Options: ``today``,
        ``engine`` ("graphviz-pure" or "dot"), ``link_base``, ``page_suffix``,
        ``titles``, ``draft``; for ``fragment`` also ``show`` ("chart", "steps",
        "both", "sop"), ``alt`` and ``caption``. With ``draft=True`` a
        procedure with errors is rendered anyway, its chart marked (the nodes
        with errors outlined in red, a note listing the errors) if it is
        ``drawable``. Raises ``ValueError`` for an unknown format or a procedure
        with errors (not ``drawable`` ones in draft mode),
        ``render.engine.EngineError`` when the layout engine fails."""
        return render(self, fmt, **options)


def load_text(text: str, path: str = "<stdin>", *, default_id: str | None = None,
              rules: Iterable[str] | None = None, today: _dt.date | None = None,
              settings: dict | None = None, severities: dict | None = None) -> Loaded:
    """Parse, build the graph and run the procedure rules on ``text``.
    ``severities`` re-grades rules (from the configuration). Diagnostics that
    only follow from a line the parser dropped are marked as its consequences."""
    options = dict(rules=rules, today=today, settings=settings, severities=severities)
    procedure, graph, diagnostics = _check(text, path, default_id, **options)
    if procedure.repairs:
        diagnostics = _mark_consequences(text, path, default_id, procedure, diagnostics,
                                         options)
    return Loaded(procedure, graph, tidy(diagnostics), text)


#: Dropped lines looked at for consequences: each costs one more parse and check.
MAX_REPAIRS = 5


def _check(text: str, path: str, default_id: str | None, *, rules, today, settings,
           severities):
    with collector_paused():
        procedure, diagnostics = parse_text(text, path, default_id)
        graph = build_graph(procedure)
    selected = [RULES[n] for n in rules] if rules is not None else None
    diagnostics += check_procedure(procedure, graph, rules=selected, today=today,
                                   settings=settings, severities=severities)
    if rules is not None:
        keep = set(rules)
        diagnostics = [d for d in diagnostics if d.rule in keep]
    return procedure, graph, diagnostics


def _mark_consequences(text, path, default_id, procedure, diagnostics, options):
    """Check the text again with each dropped line read as the parser guessed
    it was meant ('stpe:' as 'step:', a missing text filled in): whatever then
    goes away followed only from that line. Lines keep their numbers, so the
    diagnostics compare by place."""
    from dataclasses import replace

    from .parse.body import normalise

    lines = normalise(text).split("\n")
    marked = list(diagnostics)
    for span, meant in procedure.repairs[:MAX_REPAIRS]:
        fixed = list(lines)
        row = fixed[span.line - 1]
        if meant is None:
            fixed[span.line - 1] = row.rstrip() + " …"
        else:
            fixed[span.line - 1] = row[:span.column - 1] + meant + row[span.end_column - 1:]
        _, _, after = _check("\n".join(fixed), path, default_id, **options)
        remaining = {(d.rule, d.span.line, d.span.column, d.message) for d in after}
        marked = [replace(d, consequence_of=span)
                  if d.consequence_of is None and d.rule != "front-matter"
                  and (d.span.line, d.span.column) != (span.line, span.column)
                  and (d.rule, d.span.line, d.span.column, d.message) not in remaining
                  else d for d in marked]
    return marked


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


def render(loaded: Loaded, fmt: str, *, draft: bool = False, **options) -> str | bytes:
    """``Loaded.render``: number the procedure, lay out its chart if the format
    reads it, and render the one format."""
    from .render import RenderContext
    from .render.formats import FORMATS, render_format

    spec = FORMATS.get(fmt)
    if spec is None:
        raise ValueError(f"unknown format {fmt!r}; formats are {', '.join(FORMATS)}")
    errors = [d for d in loaded.diagnostics if d.severity.value == "error"]
    if errors and not (draft and loaded.drawable):
        d = next((e for e in errors if e.rule in DRAFT_REFUSED), errors[0]) if draft else errors[0]
        why = ("a procedure that does not parse, has no nodes or has this error is not "
               "rendered, even as a draft" if draft else "a procedure with errors is not rendered")
        raise ValueError(f"{d.path}:{d.line}:{d.column}: {d.message} ({len(errors)} error(s); "
                         f"{why})")
    # Another format's options are accepted and unused, as 0.1 did.
    taken = {k for f in FORMATS.values() for k in f.options}
    extra = {k: options.pop(k) for k in taken & options.keys()}
    extra = {k: v for k, v in extra.items() if k in spec.options}
    titles = options.pop("titles", None) or loaded.titles
    ctx = RenderContext(**options, **(draft_options(loaded) if errors else {}))
    numbered = number_procedure(loaded.procedure, loaded.graph, titles=titles)
    if spec.chart:
        from .render.chart import render_svg
        ctx.svg = render_svg(numbered, ctx)
    if fmt == "dot" and ctx.draft:  # the DOT the chart is laid out from, marks included
        from .render.chart import render_chart
        data = render_chart(numbered, ctx, "dot")
        return data.decode("utf-8")
    data = render_format(numbered, fmt, ctx, **extra)
    return data if spec.binary else data.decode("utf-8")


def draft_options(loaded: Loaded) -> dict:
    """The ``RenderContext`` fields of a draft of ``loaded``: ``draft``, and
    where its errors are (``render.draft.locate``)."""
    from .render.draft import locate

    defects, problems = locate(loaded.procedure, loaded.diagnostics)
    return {"draft": True, "defects": defects, "problems": problems}
