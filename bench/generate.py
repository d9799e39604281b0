"""Generated procedures for the benchmarks: lanes, decisions, loops with
exits and calls, at any size. Deterministic (a seeded RNG)."""

from __future__ import annotations

import random
from pathlib import Path

LANES = ("Service desk", "Dispatcher", "Technician", "Client")
VERBS = ("Open", "Check", "Record", "Confirm", "Update", "Send", "Restart", "Verify", "Book",
         "Assign")
OBJECTS = ("the ticket", "the asset record", "the backup job", "the client contact",
           "the device", "the licence", "the calendar slot", "the parts list", "the mailbox",
           "the firewall rule")


def procedure(nodes: int, proc_id: str = "generated", calls: tuple[str, ...] = (),
              seed: int = 1) -> str:
    """A valid procedure of about ``nodes`` nodes that checks clean."""
    rng = random.Random(seed)
    lines = ["---", f"title: Generated procedure {proc_id}", f"id: {proc_id}", "version: 1.0.0",
             "owner: Bench Lead", "created: 2026-01-01", "modified: 2026-06-01",
             "review_every: 1 year", f"purpose: Exercise flowsop with {nodes} nodes.",
             "scope:", f"  begins: Benchmark {proc_id} starts.",
             f"  ends: Benchmark {proc_id} is done.", "---", ""]
    lines += [f"lane {LANES[0]}", f"start: Benchmark {proc_id} starts."]
    count, block = 1, 0
    while count < nodes - 1:
        b = block
        if b % 5 == 0:
            lines.append(f"lane {LANES[(b // 5) % len(LANES)]}")
        verb, obj = rng.choice(VERBS), rng.choice(OBJECTS)
        lines.append(f"step s{b}: {verb} {obj} for item {b} of {proc_id}.")
        if b % 7 == 3:
            lines.append("  duration: 5 min")
        if calls and b % 11 == 5:
            lines.append(f"call c{b}: {calls[b % len(calls)]}")
            count += 1
        # A decision with a retry loop back to the step, and an exit forward.
        lines.append(f"decide d{b}: Did item {b} of {proc_id} work?")
        lines.append(f"  yes -> n{b}")
        if b % 3 == 0 and b > 0:
            lines.append(f"  retry -> s{b}")
            lines.append(f"  escalate -> x{b}")
        else:
            lines.append(f"  no -> x{b}")
        lines.append(f"step x{b}: Escalate item {b} of {proc_id} to the team lead.")
        lines.append(f"  -> n{b}")
        lines.append(f"step n{b}: Note the result of item {b} of {proc_id}.")
        count += 4
        block += 1
    lines.append("end: The benchmark is done.")
    return "\n".join(lines) + "\n"


def library(folder: Path, procedures: int, lo: int = 20, hi: int = 60, seed: int = 7) -> list[Path]:
    """A library of generated procedures with calls between them (no cycles:
    a procedure only calls procedures with a higher number)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(procedures):
        callees = tuple(f"p{j:04d}" for j in range(i + 1, min(procedures, i + 3)))
        text = procedure(rng.randint(lo, hi), f"p{i:04d}", callees, seed=i)
        path = folder / f"p{i:04d}.flow"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    import sys
    print(procedure(int(sys.argv[1]) if len(sys.argv) > 1 else 30), end="")
