"""The promise of the checks, tested by playing the token game: a procedure
that `flowsop check` passes (no error) can, from its start, reach every one of
its ends, and whenever it does, every join was reached by all its streams:
nothing waits forever and nothing is left running.

Procedures are generated block-structured (sound by construction) and then
mutated (an arrow redirected, an arrow dropped), so that many are unsound;
the checks must reject exactly those that the token game finds unsound.
"""

from __future__ import annotations

import random
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import load


# ------------------------------------------------------------------ generating

class _Gen:
    def __init__(self, rng: random.Random):
        self.rng, self.lines, self.count = rng, [], 0

    def fresh(self, kind: str) -> str:
        self.count += 1
        return f"{kind[0]}{self.count}"

    def block(self, depth: int, after: str) -> str:
        """Write a block that continues at ``after``; return its first node id."""
        roll = self.rng.random() if depth < 3 else 0.0
        if roll < 0.45:
            node = self.fresh("step")
            self.lines.append(f"step {node}: Do work {node}.\n  -> {after}")
            return node
        if roll < 0.7:
            node, join = self.fresh("parallel"), self.fresh("join")
            streams = [self.block(depth + 1, join) for _ in range(self.rng.choice((2, 2, 3)))]
            self.lines.append(f"join {join}: All streams are done.\n  -> {after}")
            self.lines.append(f"parallel {node}: Start the work at once.\n" +
                              "\n".join(f"  -> {s}" for s in streams))
            return node
        node = self.fresh("decide")
        arms = [self.block(depth + 1, after)]
        if self.rng.random() < 0.3:       # a retry loop back to the decide
            retry = self.fresh("step")
            self.lines.append(f"step {retry}: Try again.\n  -> {node}")
            arms.append(retry)
        else:
            arms.append(self.block(depth + 1, after))
        self.lines.append(f"decide {node}: Did it work?\n  yes -> {arms[0]}\n  no -> {arms[1]}")
        return node


def generate(seed: int, mutations: int) -> str:
    rng = random.Random(seed)
    gen = _Gen(rng)
    gen.lines.append("end done: The work is done.")
    if rng.random() < 0.3:
        gen.lines.append("end other: The work is abandoned.")
    first = gen.block(0, "done")
    body = [f"start: A request arrives.\n  -> {first}"] + list(reversed(gen.lines))
    # Mutations: redirect one arrow, or send it to an end.
    ids = [line.split()[1].rstrip(":") for line in body[1:]]
    text = "\n".join(body)
    arrows = [i for i, ch in enumerate(text.split("\n")) if "->" in ch]
    rows = text.split("\n")
    for _ in range(mutations):
        row = rng.choice(arrows)
        head = rows[row].split("->")[0]
        rows[row] = f"{head}-> {rng.choice(ids)}"
    return "\n".join(rows) + "\n"


# ------------------------------------------------------------------ the token game

def play(procedure, limit: int = 5000):
    """Play every run from the start: returns (the ends a run completes at,
    the first problem seen or None, whether the limit cut the game short).
    The game stops at the first problem: one is enough to call it unsound.

    A token is (node it is at, stack of the streams it belongs to). A parallel
    turns a token into one per stream, each with (parallel, stream number)
    pushed; a join fires when tokens of every stream of one parallel, with the
    same stack below, are at it, and pops that stream; every other node moves
    one token along one of its arrows (any choice)."""
    nodes = procedure.by_id
    succ = {n.id: [t for _, t in procedure.successors(n) if t in nodes] for n in nodes.values()}
    start = next(n for n in procedure.nodes if n.kind == "start")
    first = frozenset(Counter({(t, ()): 1 for t in succ[start.id][:1]}).items())
    seen, stack, completed, problem = {first}, [first], set(), None
    while stack and len(seen) < limit and problem is None:
        marking = Counter(dict(stack.pop()))
        at = Counter()
        for (node_id, _), count in marking.items():
            at[node_id] += count
        if any(c > 1 and nodes[n].kind != "join" for n, c in at.items()):
            problem = problem or "two tokens at one node: it runs twice at once"
        moves = []
        for (at, streams), _ in marking.items():
            node = nodes[at]
            one = Counter({(at, streams): 1})
            if node.kind == "end":
                if marking - one:
                    problem = problem or f"end {at} reached while work still runs"
                else:
                    completed.add(at)
                continue
            if node.kind == "join":
                if not streams:
                    continue  # no parallel to join: it can only wait
                parallel, _ = streams[-1]
                width = len(succ[parallel])
                group = Counter({(at, streams[:-1] + ((parallel, i),)): 1 for i in range(width)})
                if all(marking[k] for k in group):
                    moves.extend((group, Counter({(t, streams[:-1]): 1})) for t in succ[at])
                continue
            if node.kind == "parallel":
                if any(p == at for p, _ in streams):
                    problem = problem or f"parallel {at} started again before its join"
                    continue
                moves.append((one, Counter({(t, streams + ((at, i),)): 1
                                            for i, t in enumerate(succ[at])})))
                continue
            moves.extend((one, Counter({(t, streams): 1})) for t in succ[at])
        if not moves and marking and not all(nodes[a].kind == "end" for a, _ in marking):
            problem = problem or "a join waits forever"
        for consumed, produced in moves:
            nxt = frozenset((marking - consumed + produced).items())
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return completed, problem, problem is None and len(seen) >= limit


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**9), st.sampled_from([0, 0, 1, 1, 2]))
def test_the_checks_and_the_token_game_agree(seed, mutations):
    text = generate(seed, mutations)
    loaded = load(text)
    completed, problem, truncated = play(loaded.procedure)
    if truncated:
        return  # too many markings to play out here
    rules = {d.rule for d in loaded.diagnostics if d.severity.value == "error"}
    if not rules:
        # Passing the checks means sound: no problem in any run, every end reached.
        assert problem is None, (problem, text)
        ends = {n.id for n in loaded.procedure.nodes if n.kind == "end"}
        assert completed == ends, (ends - completed, text)
    if rules & {"join-deadlock", "lack-of-synchronisation"}:
        # Flagged means a run goes wrong, or a join waits behind a loop that
        # never exits (a run that goes on forever: the game sees no dead end).
        assert problem is not None or "no-exit" in rules, (rules, text)


def test_the_generator_makes_sound_procedures_that_pass():
    for seed in range(200):
        loaded = load(generate(seed, 0))
        completed, problem, truncated = play(loaded.procedure)
        assert problem is None and not truncated
        # The optional second end is reached only once a mutation points at it.
        assert not [d for d in loaded.diagnostics if d.severity.value == "error"
                    and not (d.rule == "unreachable" and "'other'" in d.message)], seed


def test_the_game_finds_a_deadlock_and_a_lack_of_synchronisation():
    deadlock = load("start: s\n  -> p\nparallel p: P.\n  -> a\n  -> b\nstep a: A.\n  -> j\n"
                    "decide b: B?\n  yes -> j\n  no -> done\njoin j: J.\n  -> done\n"
                    "end done: D.\n")
    assert play(deadlock.procedure)[1] is not None
    rules = {d.rule for d in deadlock.diagnostics}
    assert {"join-deadlock", "lack-of-synchronisation"} <= rules


def test_the_figure_on_3000_generated_procedures(capsys):
    """Printed, for the README: how often the checks and the game disagree."""
    missed = flagged_sound = 0
    for seed in range(1000):
        for mutations in (0, 1, 2):
            loaded = load(generate(seed, mutations))
            _, problem, truncated = play(loaded.procedure)
            rules = {d.rule for d in loaded.diagnostics if d.severity.value == "error"}
            missed += not rules and problem is not None and not truncated
            flagged_sound += bool(rules & {"join-deadlock", "lack-of-synchronisation"}) and \
                problem is None and not truncated and "no-exit" not in rules
    assert (missed, flagged_sound) == (0, 0)
