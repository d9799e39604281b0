"""flowsop: flowchart-first standard operating procedures.

Write one procedure per ``.flow`` file; flowsop parses it (Lark), builds a
graph (networkx), checks it, and renders a Graphviz flowchart and a numbered
written SOP from the same model, so the chart and the text never disagree.
"""

__version__ = "0.1.0"
