"""Rules reported by the parse stage. They have no check function: the parser
produces their diagnostics while it reads the file. Listed here so that they
are documented, selectable and ignorable like every other rule."""

from ...diagnostics import Severity
from ..base import parse_rule

SYNTAX = parse_rule("syntax", """
    The file does not follow the .flow language.

    What it finds: a line that is not a statement, a branch, an arrow, a lane
    or a comment; an unknown keyword (with a did-you-mean); a misplaced line
    (a branch that does not follow a decide, an attribute after a branch, a
    second `->` under one node); a missing text, label or target. Parsing goes
    on after the line, so every such line is reported.

    Why it matters: a line that cannot be read would silently change the
    procedure; flowsop refuses to guess.

    Incorrect:
        stpe: Open the ticket.

    Correct:
        step: Open the ticket.

    How to silence: correct the line; this rule cannot be turned off.
    """)

FRONT_MATTER = parse_rule("front-matter", """
    The title page (the YAML front matter) cannot be read.

    What it finds: front matter that is not a mapping, invalid YAML, a YAML
    tag (`!!python/object`), an anchor or alias, an unknown key (with a
    did-you-mean) at any level, a value of the wrong type, a duplicate key,
    an `id` that is not an ID, an unclosed `---` block, or a block over the
    size or nesting limits.

    Why it matters: the title page carries the version, owner and review dates
    that keep an SOP library alive; a value flowsop cannot read is a value
    nobody can check.

    Incorrect:
        ---
        titel: Verify a backup
        ---

    Correct:
        ---
        title: Verify a backup
        ---

    How to silence: correct the front matter; this rule cannot be turned off.
    """)

EMPTY_TEXT = parse_rule("empty-text", """
    A start or an end without text.

    What it finds: `start:` or `end:` with nothing after the colon, at its
    keyword. The node is kept (so nothing else is reported because of it);
    the chart shows START or END alone.

    Why it matters: a start says what event begins the procedure, an end what
    outcome it reaches; the scope on the title page and the written SOP's
    "the procedure ends: ..." read from them. Many diagrams other tools draw
    leave them blank: they import cleanly, and this warning says what to add.

    Incorrect:
        start:
        step: Open the ticket in the PSA.
        end:

    Correct:
        start: A client calls the service desk.
        step: Open the ticket in the PSA.
        end: The ticket is open and assigned.

    How to silence: write the event or the outcome after the colon.
    """, Severity.WARNING)
