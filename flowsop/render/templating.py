"""Render stage, text back ends: the Jinja2 environment and the view that the
SOP templates (Markdown, HTML, checklist) read.

The view is derived from the renderer-neutral ``NumberedProcedure`` only; it
adds presentation (anchors, rewritten links, the sentence split that lets HTML
link "step 3" to its anchor) and never re-derives the flow, so the text and
the chart keep saying the same thing.
"""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import escape

from ..procedure import Item, Next, NumberedProcedure
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
    """One flow sentence, split so that HTML can link its target:
    ``head + pre + target + "."`` is the sentence of ``Item.sentences``."""

    head: str            # "If yes, " or "Then "
    pre: str             # "continue with ", "the procedure ends: "
    target: str          # "step 3", "The technician is on site"
    anchor: str | None   # the target's anchor

    @property
    def text(self) -> str:
        return f"{self.head}{self.pre}{self.target}."


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
    flows = []
    for n in item.next:
        if item.info.branches:
            flows.append(_flow(p, f"If {n.label}, ", n))
        elif not n.implicit:
            flows.append(_flow(p, "Then ", n))
    links = tuple(Href(u, _quoted(rewrite_link(u, ctx.link_base))) for u in item.links)
    name = href = None
    if item.info.calls:
        name = item.call_title or item.call_id
        href = page_href(item.call_id, ctx.page_suffix) if item.call_id else None
    silent = tuple(_flow(p, "Then ", n) for n in item.next
                   if n.implicit and n.info.terminal and not item.info.branches)
    return ItemView(item, tuple(flows), links, name, href, silent_ends=silent)


def _quoted(href: str | None) -> str | None:
    return url_quote(href) if href is not None else None


def _flow(p: NumberedProcedure, head: str, n: Next) -> Flow:
    phrase = n.phrase
    try:
        anchor = p.item(n.target).anchor
    except KeyError:
        anchor = None
    tail = f"step {n.number}"
    if n.number is not None and phrase.endswith(tail):
        return Flow(head, phrase[:-len(tail)], tail, anchor)
    ends = "the procedure ends: "
    if phrase.startswith(ends):
        return Flow(head, ends, phrase[len(ends):], anchor)
    return Flow(head, "", phrase, anchor)


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
