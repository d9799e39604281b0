"""flowsop: flowchart-first standard operating procedures.

Write one procedure per ``.flow`` file; flowsop parses it (Lark), builds a
graph (networkx), checks it, and renders a Graphviz flowchart and a numbered
written SOP from the same model, so the chart and the text never disagree.
"""

__version__ = "0.1.0"


def load(path_or_text, *, path=None, today=None, library=None, default_id=None, config=None):
    """Load one procedure for another tool: parsed, graphed and checked.

    ``path_or_text`` is a ``.flow`` file (a ``Path``, or a string ending in
    ``.flow``) or the procedure's text (then ``path`` names it in
    diagnostics). Returns a ``pipeline.Loaded`` with ``.diagnostics`` and
    ``.render(fmt)``, checked as ``flowsop check`` checks it: with the
    configuration (``config``, else the ``flowsop.yaml`` or ``[tool.flowsop]``
    found above it) and the library rules of its library (``library``, else
    the folder of that configuration). ``today`` (a date or "YYYY-MM-DD";
    default SOURCE_DATE_EPOCH, else the clock) pins the review dates;
    ``default_id`` is the id when the front matter has none (default: the
    file's stem).
    See docs/api.md.
    """
    # Imported here so that ``import flowsop`` stays cheap (no Lark, no networkx).
    from .api import load as _load
    return _load(path_or_text, path=path, today=today, library=library, default_id=default_id,
                 config=config)
