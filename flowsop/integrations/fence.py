"""Embedding: a ```` ```flow ```` fenced block in Python-Markdown becomes the
procedure's chart (and, optionally, its numbered steps).

A ``pymdownx.superfences`` custom fence (its own extension point); the MkDocs
plugin (``mkdocs_plugin``) adds the page's path and date to it, and the same
error box and logging serve the plugin's ``![..](x.flow)`` images. Everything
goes through the public API (``flowsop.load`` → ``Loaded.render``).

    markdown_extensions:
      - pymdownx.superfences:
          custom_fences:
            - name: flow
              class: flow
              validator: !!python/name:flowsop.integrations.fence.validator
              format: !!python/name:flowsop.integrations.fence.formatter

Options after the language: ``steps=1`` adds the numbered steps under the
chart; ``show=chart|steps|both|sop``; ``alt="…"`` and ``caption="…"``.

A block with errors renders a visible error box with each diagnostic as
``path:line:col`` (the page and the line in it when the plugin knows the page,
else ``flow block N`` and the line in the block) and logs a warning on the
``mkdocs`` logger, so that ``mkdocs build --strict`` fails.
"""

from __future__ import annotations

import contextvars
import datetime as _dt
import html
import logging
import os
from dataclasses import dataclass, field

from ..core.clock import resolve_today

log = logging.getLogger("mkdocs.plugins.flowsop")

OPTIONS = ("steps", "show", "alt", "caption")
TRUE = ("1", "true", "yes", "on", "steps")  # a bare `steps` flag reads as "steps"


@dataclass
class Context:
    """What the host knows about the page being rendered (set by the MkDocs
    plugin for the time of one page)."""

    page: str | None = None           # the page's path, for diagnostics
    text: str = ""                    # the page's Markdown, to find a block's line
    today: _dt.date | None = None
    library: str | None = None        # folder of the procedures calls refer to
    blocks: int = 0                   # blocks seen so far on this page
    searched: int = field(default=0)  # where in ``text`` to look for the next block


CONTEXT: contextvars.ContextVar[Context | None] = contextvars.ContextVar("flowsop_fence",
                                                                          default=None)


def validator(language, inputs, options, attrs, md) -> bool:
    """Accept every option: unknown ones are reported by the formatter in the
    page (superfences would otherwise show the block as code, silently)."""
    for key, value in inputs.items():
        options[key] = value
    return True


def formatter(source, language, css_class, options, md, **kwargs) -> str:
    """The chart (and the steps) of the procedure in the block, or an error box."""
    ctx = CONTEXT.get()
    if ctx is None:  # plain Python-Markdown: count the blocks per Markdown instance
        ctx = md.__dict__.setdefault("flowsop_context", Context()) if md is not None \
            else Context()
    ctx.blocks += 1
    name, offset = _where(ctx, source)
    unknown = sorted(set(options) - set(OPTIONS))
    show = options.get("show") or ("both" if str(options.get("steps", "")).lower() in TRUE
                                   else "chart")
    if unknown or show not in ("chart", "steps", "both", "sop"):
        problem = (f"unknown option(s) {', '.join(unknown)}; options are "
                   f"{', '.join(OPTIONS)}" if unknown else
                   f"show={show}: use chart, steps, both or sop")
        return error_box(name, [f"{name}: {problem}"])
    # A block without an id of its own gets one from its place, so that two
    # charts on one page never share ids.
    stem = os.path.splitext(os.path.basename(ctx.page or ""))[0]
    block_id = "-".join(x for x in (_slug(stem), f"flow-{ctx.blocks}") if x)
    return render_embed(source, name, show=show, alt=options.get("alt"),
                        caption=options.get("caption"), today=ctx.today, library=ctx.library,
                        line_offset=offset, default_id=block_id)


def render_embed(source: str, name: str, *, show: str = "chart", alt: str | None = None,
                 caption: str | None = None, today=None, library=None, line_offset: int = 0,
                 page_suffix: str = ".html", default_id: str | None = None) -> str:
    """The fragment for a procedure's text, named ``name`` in diagnostics, or
    an error box listing its errors. The procedure's id is its front matter's
    ``id``, else ``default_id``, else the stem of ``name``. Errors are logged
    as warnings; the procedure's own warnings as info."""
    import flowsop

    loaded = flowsop.load(source, path=name, today=today or default_today(), library=library,
                          default_id=default_id)
    errors = [d for d in loaded.diagnostics if d.severity.value == "error"]
    for d in loaded.diagnostics:
        if d.severity.value != "error":
            log.info("%s", _format(d, name, line_offset))
    if errors:
        return error_box(name, [_format(d, name, line_offset) for d in errors])
    try:
        return loaded.render("fragment", show=show, alt=alt, caption=caption,
                             today=today or default_today(), page_suffix=page_suffix)
    except Exception as e:  # noqa: BLE001 - the engine failed: say so in the page
        message = getattr(e, "message", None) or str(e)
        return error_box(name, [f"{name}: the chart could not be drawn: {message}"])


def error_box(name: str, lines: list[str]) -> str:
    """A visible box listing the problems, and one warning per problem on the
    ``mkdocs`` logger (``mkdocs build --strict`` fails on warnings)."""
    for line in lines:
        log.warning("flowsop: %s", line)
    items = "\n".join(f"<li><code>{html.escape(line)}</code></li>" for line in lines)
    return ('<div class="flowsop flowsop-error" role="alert" style="margin:1em 0;'
            'padding:0.6em 0.9em;border:2px solid #dc2626;border-radius:4px;'
            'background:rgba(220,38,38,0.1)">\n'
            f"<p style=\"margin:0 0 0.4em\"><strong>flowsop: this procedure was not drawn "
            f"({len(lines)} problem{'s' * (len(lines) != 1)})</strong></p>\n"
            f'<ul style="margin:0;padding-left:1.4em">\n{items}\n</ul>\n</div>\n')


def default_today() -> _dt.date:
    """``SOURCE_DATE_EPOCH`` (reproducible builds), else the clock: the one
    reading of ``core.clock``, so a bad value is the same error everywhere."""
    return resolve_today(None)


# ------------------------------------------------------------------ helpers

def _where(ctx: Context, source: str) -> tuple[str, int]:
    """The name diagnostics use for this block, and how many lines come before
    the block's first line in the page (0 when unknown)."""
    if ctx.page is None:
        return f"flow block {ctx.blocks}", 0
    at = ctx.text.find(source.strip("\n"), ctx.searched) if source.strip() else -1
    if at < 0:
        return f"{ctx.page} (flow block {ctx.blocks})", 0
    ctx.searched = at + 1
    return ctx.page, ctx.text.count("\n", 0, at)


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text).strip("-")


def _format(d, name: str, offset: int) -> str:
    return f"{name}:{d.line + offset}:{d.column}: {d.severity.value}[{d.rule}]: {d.message}"
