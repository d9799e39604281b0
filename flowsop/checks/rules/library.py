"""Library rules on how procedures refer to each other and to files: calls
that lead nowhere or in a circle, two files with one id, and paths that leave
the library. (What procedures have in common is in ``overlap.py``.)"""

from __future__ import annotations

import os
from difflib import get_close_matches
from pathlib import Path
from urllib.parse import unquote

from ...diagnostics import FILE_START, Severity
from ...core.ids import ID_RE
from ..base import Finding, LibraryContext, LibraryFindings, rule
from ...core.urls import is_safe_link, link_scheme


@rule("undefined-procedure", Severity.ERROR, stage="library")
def undefined_procedure(ctx: LibraryContext) -> LibraryFindings:
    """A `call:` names a procedure that the library does not have.

    What it finds: `call: X` where no procedure of the library has the id X
    (its `id:`, or its file name without `.flow`), with the closest id as a
    suggestion. The library is the folder given to `flowsop check` with its
    subfolders; for a single file, the nearest folder above it holding a
    `flowsop.yaml` or a `pyproject.toml` with `[tool.flowsop]`, else the
    file's own folder.

    Why it matters: the technician reaches the call and finds no procedure to
    follow; the chart links to a page that does not exist.

    Incorrect:
        call order: order-part

    Correct:
        call order: order-parts

    How to silence: correct the id, or add the called procedure to the library.
    """
    if not ctx.complete:
        return  # the other procedures are unknown: nothing to resolve against
    ids = ctx.by_id
    for p in ctx.procedures:
        for node in p.nodes:
            if not node.info.calls or node.text in ids or not ID_RE.match(node.text):
                continue  # a call that is not an ID is already a syntax error
            close = get_close_matches(node.text, list(ids), n=1, cutoff=0.6)
            hint = (f"did you mean '{close[0]}'?" if close else
                    f"add a procedure with 'id: {node.text}' to the library, or call one it has")
            yield p, Finding(node.text_span or node.span,
                             f"no procedure in the library has the id '{node.text}'", hint)


@rule("call-cycle", Severity.ERROR, stage="library")
def call_cycle(ctx: LibraryContext) -> LibraryFindings:
    """Procedures call each other in a circle.

    What it finds: a procedure that, through its calls, ends up calling
    itself (A calls B, B calls A; or A calls A). Reported at each call that is
    part of a cycle, naming the cycle from that procedure.

    Why it matters: a technician following the calls would never finish; a
    procedure that must repeat work loops with `-> STEP` inside itself.

    Incorrect:
        # triage.flow
        call: escalate
        # escalate.flow
        call: triage

    Correct:
        # triage.flow
        call: escalate
        # escalate.flow: hands the ticket back, and ends
        step: Assign the ticket back to the service desk queue.
        end: The service desk owns the ticket again.

    How to silence: break the cycle: let the called procedure end and hand
    back, instead of calling its caller.
    """
    import networkx as nx

    calls = nx.DiGraph()
    ids = ctx.by_id
    for p in ctx.procedures:
        calls.add_node(p.id)
        calls.add_edges_from((p.id, n.text) for n in p.nodes if n.info.calls and n.text in ids)
    for group in nx.strongly_connected_components(calls):
        if len(group) == 1 and not any(calls.has_edge(v, v) for v in group):
            continue
        for me in sorted(group):
            for p in ids[me]:
                for node in p.nodes:
                    if node.info.calls and node.text in group:
                        path = [me] + _shortest(calls, node.text, me, group)
                        yield p, Finding(node.text_span or node.span,
                                         "this call closes a cycle of calls: " + " → ".join(path),
                                         "a called procedure must not call back into its "
                                         "caller: let it end and hand back instead")


@rule("duplicate-procedure", Severity.ERROR, stage="library")
def duplicate_procedure(ctx: LibraryContext) -> LibraryFindings:
    """Two files declare the same procedure id.

    What it finds: two or more files of the library whose id (`id:`, or the
    file name without `.flow`) is the same; reported in each, at its `id:`
    line (or 1:1 when the id comes from the file name), naming the others.

    Why it matters: calls and links name procedures by id: with two files of
    one id, `call: order-parts` could mean either, and one rendered page would
    overwrite the other.

    Incorrect:
        # dispatch/order-parts.flow
        id: order-parts
        # procurement/order-parts.flow
        id: order-parts

    Correct:
        # dispatch/order-parts.flow
        id: order-parts
        # procurement/order-office-supplies.flow
        id: order-office-supplies

    How to silence: give each procedure its own `id:`.
    """
    for proc_id, procs in ctx.by_id.items():
        if len(procs) < 2:
            continue
        for p in procs:
            others = [o.path for o in procs if o is not p]
            shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
            span = p.meta.span_of("id") if p.meta.id else FILE_START
            yield p, Finding(span, f"the id '{proc_id}' is also the id of {shown}",
                             "give each procedure its own 'id:'")


@rule("path-escape", Severity.ERROR, stage="library")
def path_escape(ctx: LibraryContext) -> LibraryFindings:
    """A relative link, or a call, leads outside the library folder.

    What it finds: a `link:` with a relative path that, resolved from the
    procedure's folder, lands outside the library root: through `..`, an
    absolute path (`/etc/...`), a symbolic link pointing outside, or a
    sibling folder whose name merely starts with the root's name (`../sops-old`
    next to `sops`: paths are compared as paths, not as text); and a `call:`
    whose procedure file is a symbolic link to a file outside the library.
    `http`, `https` and `mailto` links are not paths and are not checked
    here (other schemes are `unsafe-link`).

    Why it matters: the rendered pages are published as one set; a link
    outside it is broken for every reader, and may expose files that were
    never meant to be published.

    Incorrect:
        step: Read the runbook.
          link: ../../private/passwords.md

    Correct:
        step: Read the runbook.
          link: runbooks/backup.md

    How to silence: move the file into the library, or link to its published
    https:// address.
    """
    if ctx.root is None:
        return
    root_text = Path(os.path.normpath(os.path.abspath(ctx.root)))
    root_real = ctx.root.resolve()
    for p in ctx.procedures:
        file = ctx.files.get(p.path)
        if file is None:
            continue
        folder = Path(os.path.abspath(file)).parent
        for node in p.nodes:
            for attr in node.attributes:
                if attr.key != "link" or link_scheme(attr.value) or not is_safe_link(attr.value):
                    continue  # a URL, or unsafe-link's business
                target = unquote(attr.value.split("#", 1)[0].split("?", 1)[0]).replace("\\", "/")
                if not target:
                    continue
                if target.startswith("/") or not _inside(folder / target, root_text, root_real):
                    yield p, Finding(attr.span,
                                     f"the link '{attr.value}' leads outside the library folder",
                                     "link to a file inside the library, or to its https:// "
                                     "address")
    outside: dict[str, bool] = {}
    for p in ctx.procedures:
        for node in p.nodes:
            if not node.info.calls or node.text not in ctx.by_id:
                continue
            callee = ctx.files.get(ctx.by_id[node.text][0].path)
            if callee is None:
                continue
            if node.text not in outside:
                # Folders linked into the library are not searched, so only a
                # linked file can lead out: one lstat for most callees.
                outside[node.text] = os.path.islink(callee) and \
                    not Path(callee).resolve().is_relative_to(root_real)
            if outside[node.text]:
                yield p, Finding(node.text_span or node.span,
                                 f"the procedure '{node.text}' is a link to a file outside "
                                 "the library folder",
                                 "copy the procedure into the library instead of linking to it")


def _inside(path: Path, root_text: Path, root_real: Path) -> bool:
    # As written (a browser resolves ".." on the text) and as stored (symlinks).
    written = Path(os.path.normpath(path))
    return written.is_relative_to(root_text) and written.resolve().is_relative_to(root_real)


def _shortest(graph, source: str, target: str, within: set) -> list[str]:
    """The ids from ``source`` to ``target`` along calls inside ``within`` (BFS)."""
    parent = {source: None}
    queue = [source]
    for node in queue:
        if node == target:
            break
        for nxt in sorted(graph.successors(node)):
            if nxt in within and nxt not in parent:
                parent[nxt] = node
                queue.append(nxt)
    path, node = [], target
    while node is not None:
        path.append(node)
        node = parent.get(node)
    return path[::-1]


@rule("call-outcomes", Severity.WARNING, stage="library")
def call_outcomes(ctx: LibraryContext) -> LibraryFindings:
    """A call branches on the called procedure's outcomes, but not on all of them.

    What it finds: a `call:` with arrows named by the called procedure's end
    ids (`delivered -> book`) that leaves out one of its ends, at the call; or
    an arrow named by an end the called procedure does not have, at that
    arrow, with the ends it does have.

    Why it matters: when the called procedure ends the way nobody listed, the
    technician has no next step; an arrow named by an end that does not exist
    is never taken.

    Incorrect:
        call order: order-parts
          delivered -> book

    Correct:
        call order: order-parts
          delivered -> book
          cancelled -> tell_client

    How to silence: add an arrow for each end of the called procedure, or
    rename the arrow after an end it has.
    """
    if not ctx.complete:
        return
    for procedure in ctx.procedures:
        for node in procedure.nodes:
            outcomes = [b for b in node.branches if b.role == "outcome"]
            called = ctx.by_id.get(node.text) if node.info.calls and outcomes else None
            if not called or len(called) != 1:
                continue  # undefined-procedure or duplicate-procedure say why
            ends = [n.id for n in called[0].nodes if n.info.terminal]
            for arrow in outcomes:
                if arrow.label not in ends:
                    close = get_close_matches(arrow.label, ends, n=1, cutoff=0.6)
                    yield procedure, Finding(
                        arrow.span, f"'{node.text}' has no end '{arrow.label}'",
                        f"did you mean '{close[0]}'?" if close
                        else f"its ends are {', '.join(repr(e) for e in ends) or 'none'}")
            missing = [e for e in ends if e not in {a.label for a in outcomes}]
            if missing:
                yield procedure, Finding(
                    node.span, f"the call to '{node.text}' does not say where to go when it "
                               f"ends at {', '.join(repr(e) for e in missing)}",
                    f"add '{missing[0]} -> TARGET' under the call")
