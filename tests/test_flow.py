"""Flow and structure rules as issue 2 reads them: one diagnostic per problem,
no cascades, and the graph the renderers will draw."""

from __future__ import annotations

import pytest

from conftest import FRONT, STRUCTURE_RULES, found, load

# Every body below is checked with a full title page and compared over the
# structural rules, so that a test that expects "only X" is about cascades of
# the structural checks, not about the title page or the wording.


def diags(body: str, **kwargs) -> list[tuple[str, int, int]]:
    """(rule, line, column) of the structural rules, with line numbers counted
    from the body's first line."""
    kwargs.setdefault("rules", STRUCTURE_RULES)
    offset = FRONT.count("\n")
    return [(r, line - offset if line > offset else line, col)
            for r, line, col in found(FRONT + body, **kwargs)]


# ------------------------------------------------------------------ no cascades

def test_no_start_is_missing_start_alone():
    body = ("step: Open the ticket.\ndecide known: Known caller?\n  yes -> log\n  no -> new\n"
            "step new: Add the contact.\nstep log: Log the call.\nend: Logged.\n")
    assert diags(body) == [("missing-start", 1, 1)]


def test_no_end_is_missing_end_alone():
    body = ("start: A call.\nstep open: Open the ticket.\ndecide fixed: Fixed?\n"
            "  yes -> open\n  no -> esc\nstep esc: Escalate.\n  -> open\n")
    # Every node is in a loop with no way out, yet none is reported no-exit.
    assert diags(body) == [("missing-end", 1, 1)]


def test_no_end_and_a_last_step_is_missing_end_and_dead_end_at_the_step():
    # The stuck node is named even when the procedure also has no end.
    assert diags("start: A call.\nstep: Open the ticket.\n") == \
        [("missing-end", 1, 1), ("dead-end", 2, 1)]


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "   \n\t\n",
                                  "---\ntitle: x\n---\n", "\ufeff"])
def test_an_empty_file_is_exactly_missing_start_and_missing_end(text):
    assert sorted(found(text)) == [("missing-end", 1, 1), ("missing-start", 1, 1)]


def test_an_unreachable_node_is_only_unreachable_once():
    body = ("start: s\nstep: a\n  -> done\nstep orphan: Never reached.\n"
            "decide lost: Also never reached?\n  yes -> done\nend done: e\n")
    # The orphan is also a node with a next node (lost), and lost has one branch:
    # neither is reported again as dead-end or decision-branches.
    assert diags(body) == [("unreachable", 4, 1), ("unreachable", 5, 1)]


def test_an_unreachable_last_step_is_not_also_a_dead_end():
    assert diags("start: s\nend: e\nstep: late\n") == [("unreachable", 3, 1)]


def test_an_unreachable_loop_is_unreachable_not_no_exit():
    body = "start: s\nend: e\nstep a: x\nstep b: y\n  -> a\n"
    assert diags(body) == [("unreachable", 3, 1), ("unreachable", 4, 1)]


def test_a_decide_with_no_branch_is_only_decision_branches():
    body = "start: s\ndecide d: Is it urgent?\nstep: Book a slot.\nend: Booked.\n"
    assert diags(body) == [("decision-branches", 2, 1)]


def test_a_decide_with_no_branch_at_the_end_of_the_file():
    body = "start: s\nstep: a\n  -> e\nend e: e\ndecide d: q\n"
    assert diags(body) == [("unreachable", 5, 1)]
    body = "start: s\ndecide d: q\n"
    assert diags(body) == [("missing-end", 1, 1), ("decision-branches", 2, 1)]


def test_a_decide_with_one_branch():
    body = "start: s\ndecide d: q\n  yes -> e\nend e: e\n"
    assert diags(body) == [("decision-branches", 2, 1)]


def test_a_dead_end_covers_the_loop_before_it():
    body = ("start: s\nstep retry: Retry.\ndecide ok: Worked?\n  yes -> report\n  no -> retry\n"
            "end: e\nstep report: Write the report.\n")
    # "report" is the last statement: dead-end. The loop retry/ok reaches no end
    # only through it, so no no-exit as well. The end is unreachable (its own fact).
    assert diags(body) == [("unreachable", 6, 1), ("dead-end", 7, 1)]


def test_an_undefined_target_covers_the_loop_before_it():
    body = ("start: s\nstep retry: Retry.\ndecide ok: Worked?\n  yes -> dnoe\n  no -> retry\n"
            "end done: e\n")
    assert diags(body) == [("undefined-target", 4, 10), ("unreachable", 6, 1)]


def test_duplicate_id_points_at_the_second_and_names_the_first():
    loaded = load(FRONT + "start: s\nstep book: a\nstep: b\nstep book: c\nend: e\n",
                  rules=STRUCTURE_RULES)
    [d] = loaded.diagnostics
    offset = FRONT.count("\n")
    assert (d.rule, d.line - offset, d.column) == ("duplicate-id", 4, 6)
    assert f"line {2 + offset}" in d.message and "book" in d.message


def test_a_duplicate_id_does_not_invent_a_loop():
    # Reading the second "a" as the first would loop a -> a: no no-exit, no unreachable.
    assert diags("start: s\nstep a: x\nstep a: y\nend: e\n") == [("duplicate-id", 3, 6)]


def test_arrows_go_to_the_first_declaration():
    g = load("start: s\nstep a: x\n  -> b\nstep b: y\nend e: e\nstep b: z\n  -> e\n").graph
    assert g.nodes["b"]["text"] == "y"


# ------------------------------------------------------------------ no-exit

def test_no_exit_once_per_trap_at_the_entry_naming_the_others():
    body = ("start: s\nstep check: Read the log.\nstep retry: Restart the job.\n"
            "decide ok: Worked?\n  yes -> retry\n  no -> wait\nstep wait: Wait.\n  -> retry\n"
            "end: e\n")
    loaded = load(FRONT + body)
    traps = [d for d in loaded.diagnostics if d.rule == "no-exit"]
    assert len(traps) == 1
    [d] = traps
    assert d.line - FRONT.count("\n") == 3                   # retry: where the flow enters
    assert "'ok'" in d.message and "'wait'" in d.message
    assert "'check'" not in d.message                        # before the trap, not in it


def test_two_traps_are_two_diagnostics():
    body = ("start: s\ndecide which: Which way?\n  left -> a\n  right -> b\n  out -> done\n"
            "step a: x\n  -> a2\nstep a2: y\n  -> a\nstep b: z\n  -> b\nend done: e\n")
    got = [f for f in diags(body) if f[0] == "no-exit"]
    assert got == [("no-exit", 6, 1), ("no-exit", 10, 1)]


def test_a_trap_entered_from_two_places_is_reported_once():
    body = ("start: s\ndecide d: Which?\n  a -> loop1\n  b -> loop2\n  c -> done\n"
            "step loop1: x\nstep loop2: y\n  -> loop1\nend done: e\n")
    assert [f for f in diags(body) if f[0] == "no-exit"] == [("no-exit", 6, 1)]


def test_a_loop_with_a_way_out_is_fine():
    body = "start: s\nstep retry: Retry.\ndecide ok: Worked?\n  yes -> done\n  no -> retry\nend done: e\n"
    assert diags(body) == []


def test_a_step_that_loops_to_itself():
    body = "start: s\ndecide d: q\n  yes -> done\n  no -> again\nstep again: x\n  -> again\nend done: e\n"
    loaded = load(FRONT + body)
    [d] = [d for d in loaded.diagnostics if d.rule == "no-exit"]
    assert "itself" in d.message


# ------------------------------------------------------------------ the graph

def test_two_branches_to_one_target_keep_both_labels():
    loaded = load("start: s\ndecide d: What does the page say?\n  \"wrong password\" -> reset\n"
                  "  locked -> reset\n  other -> done\nstep reset: Reset.\nend done: e\n")
    edge = loaded.graph.edges["d", "reset"]
    assert edge["labels"] == ("wrong password", "locked")
    assert "wrong password" in edge["label"] and "locked" in edge["label"]
    assert [s.line for s in edge["spans"]] == [3, 4]
    assert [d.rule for d in loaded.diagnostics if d.rule == "decision-branches"] == []


def test_numbering_is_file_order_reachable_or_not():
    p = load("start: s\nstep: a\n  -> done\nstep: never reached\ndecide d: q\n  yes -> done\n"
             "  no -> done\ncall c: other\nend done: e\n").procedure
    assert [(n.kind, n.number) for n in p.nodes] == [
        ("start", None), ("step", 1), ("step", 2), ("decide", 3), ("call", 4), ("end", None)]


def test_a_call_target_is_not_checked_here():
    body = "start: s\ncall: no-such-procedure\nend: e\n"
    assert diags(body) == []


def test_flow_continues_across_lane_lines_and_comments():
    g = load("lane A\nstart: s\n# handover\nlane B\nstep: b\nend: e\n").graph
    assert g.has_edge("start-1", "step-1") and g.has_edge("step-1", "end-1")


def test_an_arrow_under_an_end_is_not_flow():
    loaded = load("start: s\nend e: e\n  -> s2\nstep s2: x\n  -> e\n")
    assert not loaded.graph.has_edge("e", "s2")
    assert [f for f in found("start: s\nend e: e\n  -> zz\n")
            if f[0] in ("end-has-next", "undefined-target")] == [("end-has-next", 3, 3)]


def test_long_procedures_check_without_recursion():
    # A 20,000-node chain and a 5,000-node loop: the checks walk iteratively.
    chain = "start: s\n" + "step: x\n" * 20_000 + "end: e\n"
    assert diags(chain) == []
    loop = ("start: s\n" + "".join(f"step s{i}: x\n" for i in range(5000))
            + "  -> s0\nend: e\n")
    assert [f[0] for f in diags(loop)] == ["no-exit", "unreachable"]
