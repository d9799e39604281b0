"""Link rules: a `link:` is followed by readers of HTML pages and SVG charts."""

from __future__ import annotations

from ...diagnostics import Severity
from ...core.urls import is_safe_link, link_scheme
from ..base import Context, Finding, Findings, rule

@rule("unsafe-link", Severity.ERROR)
def unsafe_link(ctx: Context) -> Findings:
    """A `link:` with a scheme that can run code or read local files.

    What it finds: a link whose scheme is not `http`, `https` or `mailto`
    (for example `javascript:`, `data:`, `file:`, `vbscript:`), or a
    protocol-relative link (`//host/path`). Relative paths are allowed. The
    scheme is read as a browser reads it: whatever the case (`JaVaScRiPt:`),
    with spaces and control characters inside it ignored (`java\\tscript:`)
    and character references decoded (`&#x6A;avascript:`, `javascript&colon;`).

    Why it matters: links become clickable in the HTML page and the SVG chart;
    a `javascript:` link in a procedure that anyone can edit would run in the
    reader's browser.

    Incorrect:
        step: Open the runbook.
          link: javascript:alert(1)

    Correct:
        step: Open the runbook.
          link: https://kb.example.com/runbooks/backup

    How to silence: link to an http(s) page or a relative path instead.
    """
    for node in ctx.procedure.nodes:
        for attr in node.attributes:
            if attr.key == "link" and not is_safe_link(attr.value):
                scheme = link_scheme(attr.value)
                what = f"'{scheme}:'" if scheme else "protocol-relative"
                yield Finding(attr.span, f"the link uses the {what} scheme, which is not allowed",
                              "links may use http, https or mailto, or be a relative path")
