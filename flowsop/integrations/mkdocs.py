"""Embedding in MkDocs: the ``flowsop`` plugin (entry point group
``mkdocs.plugins``).

    plugins:
      - search
      - flowsop:
          embed: chart        # chart | steps | both | sop
          pages: true         # build each .flow file in docs/ to a page
          library: diagrams   # optional: more procedures (calls, watched by serve)
          today: 2026-01-01   # optional: pin review dates (else SOURCE_DATE_EPOCH)

- ``![Dispatch](procedures/dispatch.flow)`` in a page becomes the chart (the
  alt text names it; a title ``"…"`` becomes its caption); ``…flow#sop``,
  ``#steps``, ``#both`` or ``#chart`` choose per image, else ``embed``.
- Every ``.flow`` file under ``docs/`` also becomes a page of its own (the
  whole written SOP), beside the file: ``procedures/dispatch.flow`` →
  ``procedures/dispatch.md`` (unless such a page exists). Calls link to the
  called procedure's page.
- When ``pymdownx.superfences`` is enabled, ```` ```flow ```` blocks work
  without more configuration (``flowsop.integrations.fence``).
- ``mkdocs serve`` rebuilds when a ``.flow`` file changes: those in docs/ are
  watched by MkDocs, the ``library`` folder by this plugin.
- A procedure with errors shows an error box and logs a warning, so
  ``mkdocs build --strict`` fails.

Rendering goes through the public API (``flowsop.load`` → ``.render``), via
the helpers of ``flowsop.integrations.fence``.
"""

from __future__ import annotations

import html
import os
import posixpath
import re
from urllib.parse import unquote

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.utils import get_relative_url

from . import fence
from ..core.clock import resolve_today
from ..render.links import md_escape

SHOWS = ("chart", "steps", "both", "sop")
#: Where a generated page's SOP goes (replaced after Markdown, when the page's
#: URL is known, so that calls can link to other pages).
PLACEHOLDER = '<div class="flowsop-page" data-flowsop-page="{}"></div>'
_PLACEHOLDER_RE = re.compile(r'<div class="flowsop-page" data-flowsop-page="([^"]*)"></div>')
_IMG = re.compile(r"<img\b[^>]*>")
_LONE_IMG = re.compile(r"<p>\s*(<img\b[^>]*>)\s*</p>")
_ATTR = re.compile(r'([\w-]+)="([^"]*)"')
#: Call links are rendered with this suffix, then pointed at the right page.
CALL_SUFFIX = ".flowsop-call"
_CALL = re.compile(r'((?:xlink:)?href)="([^"]+)' + re.escape(CALL_SUFFIX) + '"')


class FlowsopConfig(Config):
    embed = c.Choice(SHOWS, default="chart")
    pages = c.Type(bool, default=True)
    library = c.Optional(c.Dir(exists=True))
    today = c.Optional(c.Type(str))


class FlowsopPlugin(BasePlugin[FlowsopConfig]):
    """See the module docstring."""

    def on_config(self, config):
        self._today = resolve_today(self.config.today or None)
        self._root = os.path.dirname(config.config_file_path or ".") or "."
        self._docs = config.docs_dir
        if "pymdownx.superfences" in config.markdown_extensions:
            fences = config.mdx_configs.setdefault("pymdownx.superfences", {}) \
                .setdefault("custom_fences", [])
            if not any(f.get("name") == "flow" for f in fences):
                fences.append({"name": "flow", "class": "flow", "validator": fence.validator,
                               "format": fence.formatter})
        return config

    def on_files(self, files: Files, config):
        self._flows: dict[str, File] = {}     # URL of the .flow file → its File
        self._pages: dict[str, File] = {}     # src_uri of a generated page → the .flow File
        self._by_id: dict[str, str] = {}      # procedure id → src_uri of its page
        for file in list(files):
            if not file.src_uri.endswith(".flow"):
                continue
            self._flows[file.url] = file
            page_uri = file.src_uri[:-len(".flow")] + ".md"
            title, proc_id = _title_and_id(file)
            if self.config.pages and files.get_file_from_path(page_uri) is None:
                files.append(File.generated(config, page_uri, content=(
                    f"# {md_escape(title)}\n\n{PLACEHOLDER.format(html.escape(file.src_uri))}\n")))
                self._pages[page_uri] = file
                self._by_id.setdefault(proc_id, page_uri)
        return files

    def on_page_markdown(self, markdown, page, config, files):
        # Tell the ```flow fence which page it is on (for path:line:col).
        self._files = files
        self._token = fence.CONTEXT.set(fence.Context(
            page=self._display(page.file.abs_src_path) if page.file.abs_src_path
            else page.file.src_uri, text=markdown, today=self._today,
            library=self._library()))
        return markdown

    def on_page_content(self, content, page, config, files):
        if getattr(self, "_token", None) is not None:
            fence.CONTEXT.reset(self._token)
            self._token = None
        content = _PLACEHOLDER_RE.sub(lambda m: self._page_sop(m, page), content)
        content = _LONE_IMG.sub(lambda m: self._image(m.group(1), page) or m.group(0), content)
        return _IMG.sub(lambda m: self._image(m.group(0), page) or m.group(0), content)

    def on_serve(self, server, config, builder):
        # .flow files under docs/ are watched with the docs; the library too.
        if self.config.library:
            server.watch(self.config.library)
        return server

    # -------------------------------------------------------------- helpers

    def _image(self, tag: str, page) -> str | None:
        attrs = {k: html.unescape(v) for k, v in _ATTR.findall(tag)}
        src = attrs.get("src", "")
        path, _, show = unquote(src).partition("#")
        if not path.endswith(".flow"):
            return None
        base = page.url if page.url.endswith("/") or not page.url else posixpath.dirname(page.url)
        url = posixpath.normpath(posixpath.join(base, path))
        file = self._flows.get(url)
        if file is None:
            return fence.error_box(self._display(page.file.abs_src_path or page.file.src_uri),
                                   [f"{page.file.src_uri}: no procedure file at {path}"])
        return self._render(file, page, show=show or self.config.embed,
                            alt=attrs.get("alt") or None, caption=attrs.get("title") or None)

    def _page_sop(self, m: re.Match, page) -> str:
        file = self._pages.get(page.file.src_uri)
        if file is None:
            return ""
        return self._render(file, page, show="page")

    def _render(self, file: File, page, *, show: str, alt=None, caption=None) -> str:
        if show not in SHOWS + ("page",):
            return fence.error_box(page.file.src_uri, [
                f"{page.file.src_uri}: #{show}: use #chart, #steps, #both or #sop"])
        with open(file.abs_src_path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        out = fence.render_embed(text, self._display(file.abs_src_path), show=show, alt=alt,
                                 caption=caption, today=self._today, library=self._library(),
                                 page_suffix=CALL_SUFFIX,
                                 default_id=os.path.splitext(os.path.basename(file.src_uri))[0])
        out = _CALL.sub(lambda m: self._call_href(m.group(1), unquote(m.group(2)), page), out)
        return out.replace(CALL_SUFFIX, "")  # what is left is tooltip text

    def _call_href(self, attribute: str, proc_id: str, page) -> str:
        target = self._by_id.get(proc_id)
        page_file = self._files.get_file_from_path(target) if target else None
        if page_file is None:  # no page for it on this site: no link
            return 'aria-disabled="true"' if attribute == "href" else ""
        return f'{attribute}="{html.escape(get_relative_url(page_file.url, page.url))}"'

    def _library(self) -> str:
        """Where the procedures that calls name are: the library, else docs/."""
        return self.config.library or self._docs

    def _display(self, path: str) -> str:
        """A path as diagnostics show it: relative to the mkdocs.yml folder."""
        try:
            return os.path.relpath(path, self._root).replace(os.sep, "/")
        except ValueError:
            return path


def _title_and_id(file: File) -> tuple[str, str]:
    """A procedure's title and id, read cheaply (the page is rendered later)."""
    from ..parse import parse_text, read_source

    stem = os.path.splitext(os.path.basename(file.src_uri))[0]
    try:
        procedure = parse_text(read_source(file.abs_src_path), file.src_uri, stem)[0]
        return procedure.title, procedure.id
    except Exception:  # noqa: BLE001 - an unreadable file still gets a page, with its errors
        return stem, stem


__all__ = ["FlowsopPlugin"]
