"""Render stage, text back ends: the Jinja2 environment and the view that the
SOP templates (Markdown, HTML, checklist) read.

The view is derived from the renderer-neutral ``NumberedProcedure`` only; it
adds presentation (anchors, rewritten links, the anchor of each part of a
flow sentence that names a step, so HTML can link "step 3") and never
re-derives the flow or words it: the sentences are ``Item.flow``, so the
text and the chart keep saying the same thing.
"""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import escape

from ..procedure import Item, NumberedProcedure, Sentence
from . import RenderContext
from .links import (is_safe_link, md_block, md_escape, md_url, page_href, rewrite_link, slug,
                    url_quote)


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The one Jinja2 environment, made on first use. HTML templates are
    autoescaped; Markdown templates escape author text with the ``md`` filter."""
    env = Environment(loader=PackageLoader("flowsop", "templates"),
                      undefined=StrictUndefined,
                      autoescape=select_autoescape(["html", "html.j2"]),
                      keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["md"] = md_escape
    env.filters["md_block"] = md_block
    env.filters["md_url"] = md_url
    env.filters["attr"] = lambda s: str(escape(s))
    return env


def render_template(name: str, **context) -> str:
    return environment().get_template(name).render(**context)


@dataclass(frozen=True)
class Href:
    """A ``link:`` as the page shows it; ``href`` is None when it was refused."""

    text: str
    href: str | None


@dataclass(frozen=True)
class Flow:
    """One flow sentence of ``Item.flow``, as (text, anchor) parts so that HTML
    can link the words that name a step; ``text`` is the plain sentence."""

    parts: tuple[tuple[str, str | None], ...]

    @property
    def text(self) -> str:
        return "".join(t for t, _ in self.parts)


@dataclass(frozen=True)
class ItemView:
    item: Item
    flows: tuple[Flow, ...]
    links: tuple[Href, ...]
    call_name: str | None = None
    call_href: str | None = None
    #: outcomes and triggers written right after this step, shown under it
    after: tuple["ItemView", ...] = ()
    #: flow into an outcome on the next line, which needs no sentence where the
    #: outcome follows the step (the SOP) but does where outcomes are listed
    #: apart (the checklist)
    silent_ends: tuple[Flow, ...] = ()
    #: the flows are alternatives, one of which is taken (a decision's
    #: branches, a call's outcomes): HTML lists them
    alternatives: bool = False


@dataclass(frozen=True)
class SopView:
    p: NumberedProcedure
    title: str
    title_rows: tuple[tuple[str, str], ...]
    overdue: bool
    purpose: str | None
    scope: tuple[tuple[str, str], ...]
    equipment: tuple[str, ...]
    chart_src: str
    chart_alt: str
    svg: str | None
    svg_note: str | None
    leading: tuple[ItemView, ...]     # triggers (and anything) before step 1
    steps: tuple[ItemView, ...]       # numbered items, each with what follows it
    glossary: tuple[tuple[str, str, str], ...]   # term, anchor, meaning
    terms: dict                       # term → anchor
    changes: tuple


def build_view(p: NumberedProcedure, ctx: RenderContext) -> SopView:
    meta = p.meta
    terms: dict[str, str] = {}
    for term, _ in meta.glossary:
        a, n = "term-" + slug(term), 2
        while a in terms.values():
            a, n = f"term-{slug(term)}-{n}", n + 1
        terms[term] = a
    leading, steps = [], []
    for item in p.items:
        view = _item_view(p, item, ctx)
        if item.number is not None:
            steps.append(view)
        elif steps:
            last = steps[-1]
            steps[-1] = dataclasses.replace(last, after=last.after + (view,))
        else:
            leading.append(view)
    overdue = p.next_review is not None and p.next_review < ctx.today
    rows = [("Version", meta.version), ("Owner", meta.owner), ("Created", meta.created),
            ("Modified", meta.modified), ("Last reviewed", meta.reviewed),
            ("Review every", meta.review_every),
            ("Next review", p.next_review.isoformat() if p.next_review else None),
            ("Tags", ", ".join(meta.tags) if meta.tags else None)]
    scope = tuple((k, v) for k, v in (("Begins", meta.scope_begins), ("Ends", meta.scope_ends)) if v)
    svg, note = inline_svg(ctx.svg)
    alt = f"{p.title}: {meta.purpose}" if meta.purpose else p.title
    return SopView(
        p=p, title=p.title, title_rows=tuple((k, str(v)) for k, v in rows if v),
        overdue=overdue, purpose=meta.purpose, scope=scope, equipment=meta.equipment,
        chart_src=f"{p.id}.svg", chart_alt=alt, svg=svg, svg_note=note,
        leading=tuple(leading), steps=tuple(steps),
        glossary=tuple((t, terms[t], m) for t, m in meta.glossary), terms=terms,
        changes=meta.changes)


def _item_view(p: NumberedProcedure, item: Item, ctx: RenderContext) -> ItemView:
    flows = tuple(_flow(p, f) for f in item.flow)
    links = tuple(Href(u, _quoted(rewrite_link(u, ctx.link_base))) for u in item.links)
    name = href = None
    if item.info.calls:
        name = item.call_title or item.call_id
        href = page_href(item.call_id, ctx.page_suffix) if item.call_id else None
    spoken = item.info.branches or item.info.streams or item.info.joins
    silent = tuple(_flow(p, n.sentence) for n in item.next
                   if n.implicit and n.info.terminal and not n.lead and not spoken)
    alternatives = item.info.branches or any(n.role in ("outcome", "timeout")
                                             for n in item.next)
    return ItemView(item, flows, links, name, href, silent_ends=silent,
                    alternatives=alternatives)


def _quoted(href: str | None) -> str | None:
    return url_quote(href) if href is not None else None


def _flow(p: NumberedProcedure, sentence: Sentence) -> Flow:
    return Flow(tuple((part.text, _anchor(p, part.target)) for part in sentence.parts))


def _anchor(p: NumberedProcedure, target: str | None) -> str | None:
    if target is None:
        return None
    try:
        return p.item(target).anchor
    except KeyError:
        return None


# ------------------------------------------------------------------ the chart

_ACTIVE_TAGS = {"script", "foreignobject", "iframe", "object", "embed", "handler", "listener"}


def inline_svg(svg: str | None) -> tuple[str | None, str | None]:
    """The chart's ``<svg>`` element ready to inline in HTML, or None and the
    note that the page shows instead.

    The chart comes from our own DOT renderer with escaped text; this is a
    second line of defence for the promise that a page never carries script:
    a chart with active content is left out rather than inlined.
    """
    if not svg:
        return None, "The flowchart was not rendered for this page."
    start = svg.find("<svg")
    if start < 0:
        return None, "The flowchart could not be read, so it is not shown."
    body = svg[start:].strip() + "\n"
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return None, "The flowchart could not be read, so it is not shown."
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1].lower() if isinstance(el.tag, str) else ""
        if tag in _ACTIVE_TAGS:
            return None, "The flowchart was left out: it contains active content."
        for name, value in el.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            if local.startswith("on") or (local == "href" and not is_safe_link(value)):
                return None, "The flowchart was left out: it contains active content."
    # Graphviz's comments ("Generated by graphviz version …") carry the engine's
    # version; they are harmless but say nothing to a reader.
    return re.sub(r"<!--.*?-->\n?", "", body, flags=re.S), None


__all__ = ["environment", "render_template", "build_view", "SopView", "ItemView", "Flow",
           "Href", "inline_svg"]
