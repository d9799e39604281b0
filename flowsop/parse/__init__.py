"""Parse stage: ``.flow`` text → ``Procedure`` model plus diagnostics.

Lark (LALR, contextual lexer) reads the text line by line into small line
records (the grammar in ``grammar/flowsop.lark`` is the single source of the
syntax); ``assemble`` then folds the lines into nodes, which is where a
misplaced line (a branch under a step, an attribute after a branch) becomes a
``syntax`` diagnostic without stopping the parse. Never raises for a mistake
in the author's text.
"""

from .body import parse_text, read_source, SourceError

__all__ = ["parse_text", "read_source", "SourceError"]
