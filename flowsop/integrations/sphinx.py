"""Embedding in Sphinx: ``extensions = ["flowsop.integrations.sphinx"]``.

    .. flowsop:: procedures/dispatch.flow
       :alt: How a dispatch flows
       :caption: Dispatching an on-site technician
       :name: fig-dispatch
       :show: both

or, with the procedure written inline, no argument and the text as content.
``:show:`` is ``chart`` (default), ``steps`` or ``both``; ``:caption:`` makes
the chart a numbered figure that ``:name:`` lets ``:ref:``/``:numref:`` point
at; ``:alt:`` names the chart (default: the procedure's title, with its
purpose as the description). Paths are relative to the document, or to the
source folder when they start with ``/``.

The HTML builders get the inline SVG and the steps as flowsop renders them;
the LaTeX builder gets an image file (PDF when a system Graphviz ``dot`` is
installed, else PNG from the bundled engine), so ``make latexpdf`` shows the
chart; other builders get the steps as a numbered list. A procedure with
errors becomes an error admonition and a warning at the ``.flow`` file's
line (``sphinx-build -W`` fails). Config values: ``flowsop_today``
("YYYY-MM-DD", else SOURCE_DATE_EPOCH, else the clock), ``flowsop_engine``
("graphviz-pure" or "dot"), ``flowsop_latex_format`` ("auto", "pdf", "png"),
``flowsop_library`` (folder of the procedures calls refer to). Rendering goes
through the public API (``flowsop.load`` → ``.render``).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import re
import shutil
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from .. import __version__

logger = logging.getLogger(__name__)
SHOWS = ("chart", "steps", "both")


class flowsop_chart(nodes.General, nodes.Element):
    """The chart: ``svg`` for HTML; ``source``/``name``/``proc_id`` to draw an
    image for LaTeX; ``alt``."""


class flowsop_steps(nodes.General, nodes.Element):
    """The numbered steps: ``html`` for HTML builders; its children (a plain
    enumerated list) for every other builder."""


class FlowsopDirective(SphinxDirective):
    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = {
        "alt": directives.unchanged,
        "caption": directives.unchanged,
        "name": directives.unchanged,
        "show": lambda value: directives.choice(value, SHOWS),
    }

    def run(self) -> list[nodes.Node]:
        if self.arguments and self.content:
            raise self.error("flowsop: give a .flow file or the procedure's text, not both")
        if self.arguments:
            rel, path = self.env.relfn2path(self.arguments[0], self.env.docname)
            self.env.note_dependency(rel)
            try:
                source = Path(path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as e:
                raise self.error(f"flowsop: cannot read {rel}: {e}") from None
            display, offset, default_id = rel, 0, Path(rel).stem
        else:
            source = "\n".join(self.content) + "\n"
            display = self.env.doc2path(self.env.docname, False)
            offset = self.content_offset
            default_id = f"{_slug(self.env.docname)}-flowsop-{self.env.new_serialno('flowsop')}"
        return self._nodes(source, str(display), offset, default_id)

    def _nodes(self, source: str, display: str, offset: int, default_id: str) -> list:
        import flowsop

        config = self.config
        library = config.flowsop_library or (os.path.dirname(os.path.join(self.env.srcdir,
                                                                          display)))
        loaded = flowsop.load(source, path=display, today=_today(config), library=library,
                              default_id=default_id)
        errors = [d for d in loaded.diagnostics if d.severity.value == "error"]
        if errors:
            box = nodes.error()
            box += nodes.paragraph(text=f"flowsop: this procedure was not drawn "
                                        f"({len(errors)} error{'s' * (len(errors) != 1)})")
            items = nodes.bullet_list()
            for d in errors:
                where = f"{display}:{d.line + offset}:{d.column}"
                logger.warning("%s: error[%s]: %s", where, d.rule, d.message,
                               location=f"{display}:{d.line + offset}", type="flowsop")
                items += nodes.list_item("", nodes.paragraph(text=f"{where}: {d.message}"))
            box += items
            return [box]
        show = self.options.get("show", "chart")
        alt = self.options.get("alt")
        out: list[nodes.Node] = []
        if show in ("chart", "both"):
            chart = flowsop_chart(source=source, display=display, proc_id=loaded.procedure.id,
                                  alt=alt or loaded.procedure.title, library=library)
            try:
                chart["svg"] = _unlink_calls(loaded.render("fragment", show="chart", alt=alt,
                                                           today=_today(config),
                                                           engine=config.flowsop_engine))
            except Exception as e:  # noqa: BLE001 - the engine failed: say where
                logger.warning("%s: the chart could not be drawn: %s", display,
                               getattr(e, "message", e), location=self.get_location())
                return [nodes.error("", nodes.paragraph(text=f"flowsop: {e}"))]
            if self.options.get("caption"):
                figure = nodes.figure("", chart, nodes.caption(text=self.options["caption"]))
                self.add_name(figure)
                out.append(figure)
            else:
                self.add_name(chart)
                out.append(chart)
        if show in ("steps", "both"):
            steps = flowsop_steps(html=_unlink_calls(loaded.render(
                "fragment", show="steps", today=_today(config), engine=config.flowsop_engine)))
            steps += _step_list(loaded)
            if show == "steps":
                self.add_name(steps)
            out.append(steps)
        return out


# ------------------------------------------------------------------ HTML

def visit_chart_html(self, node: flowsop_chart) -> None:
    self.body.append(node["svg"])
    raise nodes.SkipNode


def visit_steps_html(self, node: flowsop_steps) -> None:
    self.body.append(node["html"])
    raise nodes.SkipNode


# ------------------------------------------------------------------ LaTeX

def visit_chart_latex(self, node: flowsop_chart) -> None:
    """Draw the chart to a file beside the .tex and include it."""
    fmt = _latex_format(self.builder.config)
    data = _draw(node, fmt, self.builder.config)
    digest = hashlib.sha1(data).hexdigest()[:12]
    name = f"flowsop-{_slug(node['proc_id'])}-{digest}.{fmt}"
    target = Path(self.builder.outdir) / name
    if not target.exists() or target.read_bytes() != data:
        target.write_bytes(data)
    in_figure = isinstance(node.parent, nodes.figure)
    # Sphinx shrinks a picture wider than the line, not one taller than the
    # page: a long procedure is fitted into both.
    fit = "[width=\\linewidth,height=0.8\\textheight,keepaspectratio]" \
        if _height_pt(data, fmt) > TALL_PT else ""
    self.body.append(("" if in_figure else "\n\\begin{center}") +
                     f"\\sphinxincludegraphics{fit}{{{name}}}" +
                     ("\n" if in_figure else "\\end{center}\n"))
    raise nodes.SkipNode


#: Charts taller than this (points) are fitted to the page in LaTeX.
TALL_PT = 450


def _height_pt(data: bytes, fmt: str) -> float:
    """The drawn height in points: PDF's MediaBox, or PNG pixels at the
    engine's resolution."""
    from ..render.engine import PNG_DPI

    if fmt == "png" and data[:8] == b"\x89PNG\r\n\x1a\n":
        return int.from_bytes(data[20:24], "big") * 72 / PNG_DPI
    m = re.search(rb"/MediaBox\s*\[\s*[-\d.]+\s+[-\d.]+\s+[-\d.]+\s+([-\d.]+)", data)
    return float(m.group(1)) if m else 0.0


def visit_plain(self, node) -> None:
    """Other builders: the chart is left out (its steps say the same);
    the steps' children are the numbered list."""
    if isinstance(node, flowsop_chart):
        raise nodes.SkipNode


def depart_plain(self, node) -> None:
    pass


# ------------------------------------------------------------------ helpers

def _draw(node: flowsop_chart, fmt: str, config) -> bytes:
    import flowsop

    loaded = flowsop.load(node["source"], path=node["display"], today=_today(config),
                          library=node.get("library"), default_id=node["proc_id"])
    engine = "dot" if fmt == "pdf" else config.flowsop_engine
    return loaded.render(fmt, today=_today(config), engine=engine)


def _latex_format(config) -> str:
    wanted = config.flowsop_latex_format
    if wanted in ("pdf", "png"):
        return wanted
    return "pdf" if shutil.which("dot") else "png"


def _step_list(loaded) -> nodes.enumerated_list:
    """The steps as plain docutils nodes, for builders without HTML."""
    from ..procedure import number_procedure

    numbered = number_procedure(loaded.procedure, loaded.graph, titles=loaded.titles)
    listing = nodes.enumerated_list(enumtype="arabic")
    for item in numbered.steps:
        who = f"{item.lane}: " if item.lane else ""
        text = (f"Follow the procedure {item.call_title or item.call_id}."
                if item.info.calls else item.text)
        entry = nodes.list_item("", nodes.paragraph(text=" ".join(
            [who + text, *item.sentences, *(f"Caution: {w}" for w in item.warnings)])))
        listing += entry
    return listing


def _unlink_calls(html: str) -> str:
    """A call's page (``<id>.html``) may not exist in this project: keep its
    name, drop the link, in the steps and in the chart (an SVG ``<a>`` without
    ``href`` is inert)."""
    html = re.sub(r'<a href="[^"#:]*\.html">(<em>.*?</em>)</a>', r"\1", html)
    return re.sub(r'\s(?:xlink:)?href="[^"#:]*\.html"', "", html)


def _today(config) -> _dt.date:
    from ..core.clock import resolve_today

    value = config.flowsop_today
    return resolve_today(value or None)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "chart"


def setup(app):
    app.add_config_value("flowsop_today", None, "env")
    app.add_config_value("flowsop_engine", "graphviz-pure", "env")
    app.add_config_value("flowsop_latex_format", "auto", "env")
    app.add_config_value("flowsop_library", None, "env")
    plain = (visit_plain, depart_plain)
    app.add_node(flowsop_chart, html=(visit_chart_html, None),
                 latex=(visit_chart_latex, None), text=plain, man=plain, texinfo=plain)
    app.add_node(flowsop_steps, html=(visit_steps_html, None), latex=plain, text=plain,
                 man=plain, texinfo=plain)
    app.add_directive("flowsop", FlowsopDirective)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
