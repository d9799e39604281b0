"""The template that ``flowsop new`` writes: a procedure that passes check."""

from __future__ import annotations

import datetime as _dt


def new_procedure(proc_id: str, today: _dt.date) -> str:
    title = proc_id.replace("-", " ").replace("_", " ").capitalize()
    d = today.isoformat()
    return f"""---
title: {title}
id: {proc_id}
version: 0.1.0
owner: Service Desk Lead
created: {d}
modified: {d}
review_every: 6 months
purpose: Say in one sentence what this procedure achieves.
scope:
  begins: Name the event that starts this procedure.
  ends: Name the outcome that ends it.
glossary:
  PSA: Professional services automation tool, where tickets live.
equipment:
  - PSA account
changes:
  - version: 0.1.0
    date: {d}
    by: Service Desk Lead
    note: First draft.
---

# One statement per line. See 'flowsop rules' for what check looks for.
lane Service desk
start: A client asks for this work.
step: Open the ticket in the PSA.
decide done: Is the work complete?
  yes -> finished
  no -> escalate
step escalate: Assign the ticket to the team lead.
end: The team lead owns the ticket.
end finished: The client confirms that the work is complete.
"""
