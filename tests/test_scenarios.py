"""flowsop scenarios: every path from a trigger to an outcome, each loop at
most once around; counted without listing, and the count equals the list."""

from __future__ import annotations

import random
import re
import sys

import pytest

from conftest import DIAGRAMS, FIXTURES, FRONT, TODAY_ARG, load
from flowsop import scenarios as sc
from flowsop.cli import main
from flowsop.procedure import number_procedure


def numbered(text: str, path: str = "t.flow"):
    loaded = load(text, path)
    return number_procedure(loaded.procedure, loaded.graph)


def walks(n) -> list[list[tuple[str, str | None]]]:
    return list(sc.Paths(n).walks())


def brute_force(n) -> list[list[tuple[str, str | None]]]:
    """The definition, written plainly (recursive; small graphs only): back
    edges from a DFS of the starts in file order; a back edge into a node
    already on the path is a loop, taken at most once per path. A parallel
    is one unit: each of its streams is walked from its first node to the
    parallel's join, one after the other, and the walk goes on from the join."""
    items = {i.id: i for i in n.items}
    out = {i.id: [(x.label, x.target) for x in i.next if x.target in items] for i in n.items}
    starts = [i.id for i in n.items if i.kind == "start"]
    colour, back = {}, set()

    def dfs(u):
        colour[u] = "open"
        for _, v in out[u]:
            if colour.get(v) == "open":
                back.add((u, v))
            elif v not in colour:
                dfs(v)
        colour[u] = "done"

    for s in starts:
        if s not in colour:
            dfs(s)

    def runs(u, path, looped, stop):
        """(moves, loops taken, ended) for each way from u to ``stop`` (not
        included) or to an outcome (included, ended=True)."""
        if u == stop:
            yield [], looped, False
            return
        if items[u].kind == "end":
            yield [(u, None)], looped, True
            return
        if items[u].kind == "parallel":
            firsts = [x.target for x in items[u].next]
            join = items[u].join

            def chain(k, path, looped):
                if k == len(firsts):
                    yield [], looped, False
                    return
                for seg, lp, ended in runs(firsts[k], path, looped, join):
                    if ended:
                        yield seg, lp, True
                        continue
                    for rest, lp2, ended2 in chain(k + 1, path + [x for x, _ in seg], lp):
                        yield seg + rest, lp2, ended2

            for seg, lp, ended in chain(0, path + [u], looped):
                head = [(u, None)] + seg
                if ended:
                    yield head, lp, True
                    continue
                for rest, lp2, ended2 in runs(join, path + [x for x, _ in head], lp, stop):
                    yield head + rest, lp2, ended2
            return
        for label, v in out[u]:
            loop = (u, v) in back and v in path + [u]
            if loop and (u, v) in looped:
                continue
            for rest, lp, ended in runs(v, path + [u], looped | {(u, v)} if loop else looped,
                                        stop):
                yield [(u, label)] + rest, lp, ended

    found = []
    for s in starts:
        found += [moves for moves, _, ended in runs(s, [], frozenset(), None) if ended]
    return found


RETRY = FRONT + """\
start: A job fails.
step run: Run the job again.
  duration: 10 min
decide ok: Did the job succeed?
  yes -> done
  no -> run
end done: The job succeeded.
"""


# ------------------------------------------------------------------ by hand

def test_a_retry_loop_is_followed_around_once():
    n = numbered(RETRY)
    assert walks(n) == [
        [("start-1", None), ("run", None), ("ok", "yes"), ("done", None)],
        [("start-1", None), ("run", None), ("ok", "no"), ("run", None), ("ok", "yes"),
         ("done", None)],
    ]
    assert sc.count_scenarios(n) == 2
    second = list(sc.scenarios(n))[1]
    assert [m.visit for m in second.moves] == [1, 1, 1, 2, 2, 1]
    assert second.minutes == 20 and second.timed_steps == 2


def test_two_decisions_in_a_row_give_four_paths():
    n = numbered(FRONT + "start: A.\ndecide a: A?\n  yes -> b\n  no -> b\n"
                 "decide b: B?\n  yes -> e\n  no -> e\nend e: E.\n")
    assert [[label for _, label in w if label] for w in walks(n)] == \
        [["yes", "yes"], ["yes", "no"], ["no", "yes"], ["no", "no"]]
    assert sc.count_scenarios(n) == 4


def test_dispatch_example_by_hand():
    """urgent (yes, no) × parts (in stock; missing, ordered, in stock) ×
    reached (yes, no): 8. "book -> parts" is both the way in for a ticket that
    is not urgent and the order loop's back edge; the loop is still allowed."""
    n = numbered((DIAGRAMS / "dispatch-onsite.flow").read_text(encoding="utf-8"))
    decisions = [[(m.item.number, m.label) for m in s.decisions] for s in sc.scenarios(n)]
    urgent = [[(2, "yes")], [(2, "no")]]
    parts = [[(6, "yes")], [(6, "no"), (6, "yes")]]
    reached = [[(10, "yes")], [(10, "no")]]
    assert decisions == [u + p + r for u in urgent for p in parts for r in reached]
    assert sc.count_scenarios(n) == 8
    outcomes = [s.outcome.id for s in sc.scenarios(n)]
    assert outcomes == ["arrived", "requeued"] * 4


@pytest.mark.parametrize("path", sorted(DIAGRAMS.glob("*.flow")), ids=lambda p: p.name)
def test_count_equals_the_list_and_the_definition(path):
    n = numbered(path.read_text(encoding="utf-8"), path.name)
    listed = walks(n)
    assert sc.count_scenarios(n) == len(listed) == len(list(sc.scenarios(n)))
    assert listed == brute_force(n)
    assert len({tuple(w) for w in listed}) == len(listed), "paths are distinct"
    for w in listed:
        assert n.item(w[0][0]).kind == "start" and n.item(w[-1][0]).kind == "end"


def test_random_graphs_agree_with_the_definition():
    from flowsop.graph import build_graph
    from flowsop.parse import parse_text

    rng = random.Random(4)
    counts, looping = [], 0
    for _ in range(250):
        size = rng.randint(2, 6)
        lines = ["start: S."]
        for i in range(size):
            targets = [f"n{rng.randrange(size)}" if rng.random() < 0.75 else "e"
                       for _ in range(rng.randint(1, 3))]
            lines.append(f"decide n{i}: Q{i}?")
            lines += [f"  a{k} -> {t}" for k, t in enumerate(targets)]
        lines.append("end e: E.")
        procedure, _ = parse_text("\n".join(lines) + "\n", "random.flow")
        n = number_procedure(procedure, build_graph(procedure))
        expected = brute_force(n)
        assert walks(n) == expected
        assert sc.count_scenarios(n) == len(expected)
        counts.append(len(expected))
        looping += any(len({node for node, _ in w}) < len(w) for w in expected)
    # the sample holds loops, dead ends (no path) and many paths alike
    assert looping > 50 and counts.count(0) > 5 and max(counts) > 50


def random_parallel_procedure(rng: random.Random) -> str:
    """A decision before, a parallel of two or three streams (decisions whose
    branches stay in their stream, loop inside it, or go to the join), a
    decision after."""
    lines = ["start: S.", "decide a: A?", "  yes -> p", "  no -> p"]
    streams = rng.randint(2, 3)
    lines.append("parallel p: Work at the same time.")
    lines += [f"  s{k} -> s{k}n0" for k in range(streams)]
    for k in range(streams):
        size = rng.randint(1, 3)
        for i in range(size):
            later = [f"s{k}n{j}" for j in range(size)] + ["j"]
            lines.append(f"decide s{k}n{i}: Q{k}.{i}?")
            lines += [f"  b{b} -> {rng.choice(later)}" for b in range(rng.randint(1, 2))]
            lines.append(f"  out -> {'j' if i == size - 1 else f's{k}n{i + 1}'}")
    lines += ["join j: All done.", "decide z: Z?", "  yes -> e", "  no -> e", "end e: E."]
    return "\n".join(lines) + "\n"


def test_random_parallels_agree_with_the_definition():
    rng = random.Random(7)
    counts = []
    for _ in range(120):
        n = numbered(random_parallel_procedure(rng))
        expected = brute_force(n)
        assert walks(n) == expected
        assert sc.count_scenarios(n) == len(expected)
        counts.append(len(expected))
        for w in expected:
            ids = [node for node, _ in w]
            # fork, then every stream in turn, then the join: no interleaving
            streams = [int(i[1]) for i in ids if re.match(r"s\dn", i)]
            assert streams == sorted(streams) and ids.index("p") < ids.index("j")
    assert max(counts) > 50 and min(counts) > 0


# ------------------------------------------------------------------ parallel blocks

PARALLEL = FRONT + """\
start: A new starter form arrives.
step ticket: Create the ticket.
  duration: 5 min
parallel prepare: Prepare the accounts and the laptop.
  accounts -> account
  laptop -> order
step account: Create the account.
  duration: 20 min
step groups: Add the groups.
  duration: 10 min
  -> ready
step order: Order the laptop.
  duration: 10 min
decide stock: Is the laptop in stock?
  yes -> image
  no -> loaner
step loaner: Reset a loaner.
  duration: 2 h
step image: Install the laptop.
  duration: 1 h
  -> ready
join ready: Both are ready.
step handover: Hand over the laptop.
  duration: 15 min
end done: The user works.
"""


def test_a_parallel_is_walked_stream_by_stream_never_interleaved():
    n = numbered(PARALLEL)
    assert walks(n) == [
        [("start-1", None), ("ticket", None), ("prepare", None), ("account", None),
         ("groups", None), ("order", None), ("stock", "yes"), ("image", None),
         ("ready", None), ("handover", None), ("done", None)],
        [("start-1", None), ("ticket", None), ("prepare", None), ("account", None),
         ("groups", None), ("order", None), ("stock", "no"), ("loaner", None),
         ("image", None), ("ready", None), ("handover", None), ("done", None)],
    ]
    # Before this, a parallel was read as a choice of one stream: 1 + 2 paths.
    assert sc.count_scenarios(n) == 2
    first, second = sc.scenarios(n)
    assert [m.streams for m in first.moves] == [
        (), (), (), (("prepare", 0),), (("prepare", 0),), (("prepare", 1),), (("prepare", 1),),
        (("prepare", 1),), (), (), ()]


def test_time_counts_the_longest_stream_not_the_sum():
    first, second = sc.scenarios(numbered(PARALLEL))
    # 5 + max(20 + 10, 10 + 60) + 15, not 5 + 30 + 70 + 15
    assert first.minutes == 5 + 70 + 15
    # 5 + max(30, 10 + 120 + 60) + 15
    assert second.minutes == 5 + 190 + 15
    # when the accounts take longer, they are the longest stream
    slow = numbered(PARALLEL.replace("duration: 20 min", "duration: 4 h"))
    assert next(sc.scenarios(slow)).minutes == 5 + 250 + 15
    assert first.timed_steps == 6 and len(first.steps) == 9


def test_nested_parallels_count_their_longest_stream_at_each_level():
    n = numbered(FRONT + """\
start: S.
parallel outer: Two things at once.
  -> inner
  -> c
parallel inner: Two more at once.
  -> a
  -> b
step a: A.
  duration: 10 min
  -> inner_done
step b: B.
  duration: 30 min
join inner_done: A and B are done.
  duration: 5 min
  -> outer_done
step c: C.
  duration: 20 min
join outer_done: All done.
end: E.
""")
    (only,) = sc.scenarios(n)
    assert [m.item.id for m in only.moves] == ["start-1", "outer", "inner", "a", "b",
                                               "inner_done", "c", "outer_done", "end-1"]
    assert [len(m.streams) for m in only.moves] == [0, 0, 1, 2, 2, 1, 1, 0, 0]
    assert only.minutes == max(max(10, 30) + 5, 20)


def test_the_onboarding_fixture_by_hand():
    """form complete (yes; no, ask, yes) × laptop stream (ordered and
    delivered; ordered, chased once, delivered; back-ordered, loaner) ×
    signed in (yes, no): 12, each planned at 5 min + max(20 min, 1 h) + 30 min."""
    path = FIXTURES / "render_text" / "parallel-wait.flow"
    n = numbered(path.read_text(encoding="utf-8"), path.name)
    found = list(sc.scenarios(n))
    assert sc.count_scenarios(n) == len(found) == 12
    assert {s.minutes for s in found} == {95}
    assert [(m.item.number, m.label) for m in found[2].decisions] == \
        [(2, "yes"), (7, "ordered"), (8, "after 3 days"), (14, "yes")]
    for s in found:
        ids = [m.item.id for m in s.moves]
        assert ids.index("prepare") < ids.index("account") < ids.index("groups") \
            < ids.index("order") < ids.index("ready")


def test_sheet_lists_streams_under_at_the_same_time():
    sheet = sc.render_scenarios(numbered(PARALLEL), list(sc.scenarios(numbered(PARALLEL))), 2)
    assert "Work done at the same time is listed stream by stream; its time is that of the " \
           "longest stream." in sheet
    assert ("- [ ] 2. Prepare the accounts and the laptop.\n"
            "- At the same time:\n"
            "    - Stream 1 (accounts):\n"
            "        - [ ] 3. Create the account. (20 min)\n"
            "        - [ ] 4. Add the groups. (10 min)\n"
            "    - Stream 2 (laptop):\n"
            "        - [ ] 5. Order the laptop. (10 min)\n"
            "        - [ ] 6. Is the laptop in stock? → yes\n"
            "        - [ ] 8. Install the laptop. (1 h)\n"
            "- [ ] 9. Both are ready.\n") in sheet
    assert "| [1](#scenario-1) | 6: yes | The user works. | 1 h 30 min |" in sheet
    # The nesting is a real nested list for CommonMark.
    mdit = pytest.importorskip("markdown_it")
    html = mdit.MarkdownIt("commonmark").render(sheet)
    assert "<li>At the same time:\n<ul>\n<li>Stream 1 (accounts):\n<ul>" in html


def test_long_procedures_need_no_recursion():
    lines = ["start: S."]
    for i in range(3000):
        lines += [f"decide d{i}: Q{i}?", f"  yes -> s{i}", f"  no -> s{i}", f"step s{i}: Do {i}."]
    lines.append("end: E.")
    n = numbered("\n".join(lines) + "\n")
    assert sys.getrecursionlimit() < 3000 * 4
    assert sc.count_scenarios(n) == 2 ** 3000
    first = next(sc.scenarios(n))
    assert len(first.moves) == 2 + 3000 * 2


def test_loops_that_combine_too_much_stop_cleanly(monkeypatch):
    monkeypatch.setattr(sc, "STATE_BUDGET", 50)
    lines = ["start: S.", "step top: Begin."]
    for i in range(8):
        lines += [f"step w{i}: Work {i}.", f"decide c{i}: Pass {i}?", f"  yes -> x{i}",
                  f"  no -> w{i}", f"step x{i}: Note {i}."]
    lines += ["decide again: Again?", "  yes -> top", "  no -> e", "end e: E."]
    with pytest.raises(sc.TooComplex):
        sc.count_scenarios(numbered("\n".join(lines) + "\n"))


def test_say_count():
    assert sc.say_count(999) == "999"
    assert sc.say_count(2 ** 100) == "about 1.2 × 10^30"


# ------------------------------------------------------------------ the sheet

def run(argv, capsys):
    code = main(["scenarios", "--today", TODAY_ARG, *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_sheet_for_the_dispatch_example(capsys):
    code, out, err = run([str(DIAGRAMS / "dispatch-onsite.flow")], capsys)
    assert code == 0 and err == ""
    assert "8 scenarios of `dispatch-onsite`, version 1.4.0" in out
    assert "| [3](#scenario-3) | 2: yes, 6: no, 6: yes, 10: yes | The technician is on site. " \
           "| 5 min |" in out
    scenario_3 = out.split("## Scenario 3\n")[1].split("## Scenario 4")[0]
    assert scenario_3.splitlines()[1:4] == [
        "Outcome: The technician is on site.  ",
        "Expected time: 5 min (only 1 of the 12 steps give a duration)", ""]
    assert "- [ ] 2. Is the deadline less than 4 hours away? → yes\n" in scenario_3
    assert '- [ ] 7. Follow the procedure "Order parts that are out of stock" (`order-parts`)\n' \
        in scenario_3
    assert "- [ ] 5. Check that the parts on the ticket are in stock. (2nd time)\n" in scenario_3
    assert "- [ ] 9. Confirm the visit and reply with an ETA. (Technician, 5 min)\n" in scenario_3
    assert scenario_3.rstrip().endswith("- [ ] Outcome reached: The technician is on site.")
    assert out.count("\n## Scenario ") == 8


def test_output_file_is_the_same_sheet_and_deterministic(capsys, tmp_path):
    flow = str(DIAGRAMS / "backup-verification.flow")
    _, shown, _ = run([flow], capsys)
    target = tmp_path / "review" / "backup.md"
    code, out, err = run([flow, "-o", str(target)], capsys)
    assert code == 0 and out == ""
    assert err == f"wrote {target} (30 scenarios)\n"
    assert target.read_text(encoding="utf-8") == shown
    run([flow, "-o", str(target)], capsys)
    assert target.read_text(encoding="utf-8") == shown
    assert "1 h 15 min" in shown  # a retried job (1 h) and a restore (00:15)


def test_count_only(capsys):
    code, out, _ = run(["--count", str(DIAGRAMS / "support-call.flow")], capsys)
    assert (code, out) == (0, "30\n")


def test_max_paths_stops_without_writing(capsys, tmp_path):
    target = tmp_path / "out.md"
    code, out, err = run([str(DIAGRAMS / "dispatch-onsite.flow"), "--max-paths", "5",
                          "-o", str(target)], capsys)
    assert code == 1 and out == ""
    assert "stopped at 5 scenarios (--max-paths); the procedure has 8" in err
    assert not target.exists()
    assert run([str(DIAGRAMS / "dispatch-onsite.flow"), "--max-paths", "8"], capsys)[0] == 0


def test_max_paths_must_be_positive(capsys):
    with pytest.raises(SystemExit) as e:
        main(["scenarios", "--max-paths", "0", str(DIAGRAMS / "dispatch-onsite.flow")])
    assert e.value.code == 2


def test_a_file_with_errors_is_not_listed(capsys, tmp_path):
    bad = tmp_path / "bad.flow"
    bad.write_text(FRONT + "start: A.\nstep: B.\n  -> nowhere\nend: C.\n", encoding="utf-8")
    code, out, err = run([str(bad)], capsys)
    assert code == 1 and out == ""
    assert "error[undefined-target]" in err
    assert "has errors; fix them before listing its scenarios" in err


def test_several_triggers_and_hostile_text(capsys, tmp_path):
    flow = tmp_path / "two.flow"
    flow.write_text(FRONT + "start first: A *call* <b>comes</b> in.\n  -> d\n"
                    "start second: An | email comes in.\n"
                    "decide d: Is it [urgent](javascript:x)?\n  yes -> e\n  no -> e\n"
                    "end e: Done.\n", encoding="utf-8")
    code, out, _ = run([str(flow)], capsys)
    assert code == 0
    assert "| scenario | trigger | decisions | outcome | expected time |" in out
    assert r"A \*call\* &lt;b\>comes&lt;/b\> in." in out
    assert r"An \| email comes in." in out
    assert r"Is it \[urgent\](javascript:x)? → yes" in out
    assert "<b>" not in out and "[urgent](" not in out
    assert out.count("\n## Scenario ") == 4
