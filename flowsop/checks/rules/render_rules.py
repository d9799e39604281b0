"""Rules reported by the render stage (``flowsop render`` and ``build``).
They have no check function: only laying out or exporting a chart finds
them. Listed here so that they are documented and have stable names."""

from ...diagnostics import Severity
from ..base import render_rule

ENGINE = render_rule("engine", Severity.ERROR, """
    The layout engine could not draw the chart.

    What it finds: the layout engine (graphviz-pure, or a system Graphviz `dot`
    with `--engine dot`) is missing, crashed, did not finish in time, or printed
    something that is not a chart. The message names the engine and what to do.
    The other procedures of the library are still built.

    Why it matters: without its chart a procedure's page would silently lack the
    flowchart that a technician follows.

    Incorrect:
        flowsop render dispatch.flow --format pdf    (no system Graphviz installed)

    Correct:
        flowsop render dispatch.flow --format svg,png

    How to silence: install the engine the message names, or choose another
    format or `--engine`.
    """)

UNSUPPORTED_SCRIPT = render_rule("unsupported-script", Severity.WARNING, """
    The bundled layout engine cannot draw some characters of the procedure.

    What it finds: text in a script the bundled engine's fonts do not cover
    (Chinese, Japanese, Korean, Arabic, most emoji and symbols). Its PNG chart
    would show empty boxes. Accented Latin text (German, French, Spanish) is
    fine. When a system Graphviz `dot` is installed, flowsop uses it for that
    chart instead.

    Why it matters: a chart with empty boxes cannot be followed.

    Incorrect:
        step: 在工单中记录结果。

    Correct:
        step: Record the result in the ticket.

    How to silence: install Graphviz (its `dot` uses the system's fonts), or
    write the text in a script the bundled engine draws.
    """)

TOO_LARGE = render_rule("too-large", Severity.WARNING, """
    The chart has more than 2,000 nodes.

    What it finds: a procedure whose chart would take minutes to lay out (the
    layout time grows roughly with the square of the size). `render` and
    `build` skip its chart unless `--force` is given.

    Why it matters: nobody follows a 2,000-step chart; such a procedure is
    several procedures.

    Incorrect:
        a single procedure with 2,500 steps

    Correct:
        call: onboard-hardware
        call: onboard-accounts

    How to silence: split the procedure with `call`, or pass `--force`.
    """)

MERMAID_LIMITS = render_rule("mermaid-limits", Severity.WARNING, """
    The Mermaid export is past what Mermaid draws by default.

    What it finds: a `--format mermaid` chart over Mermaid's default limits
    (50,000 characters of text, 500 edges). GitHub and GitLab then show an
    error instead of the chart.

    Why it matters: the chart embedded in a README or a wiki would not appear.

    Incorrect:
        a procedure of 600 branches exported with --format mermaid

    Correct:
        the same procedure split with `call`, or embedded as SVG

    How to silence: split the procedure with `call`, or publish the SVG chart.
    """)
