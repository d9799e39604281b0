"""Timing helpers shared by the benchmark sections (bench/run.py and the
modules it calls): best-of-N timers for Python callables and for commands,
the CPU time of a command's whole process tree, and Markdown tables.

Nothing here asserts: the suite prints figures and ratios for people to read.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
FLOWSOP = str(BIN / "flowsop")
#: Every command gets the same "today", so review dates and the build key do
#: not change while the suite runs (or between two runs).
TODAY = "2026-06-15"


@dataclass
class Timed:
    """One command run: wall seconds, CPU seconds of the whole process tree
    (the command and every descendant it waited for), exit status, output."""

    wall: float
    cpu: float
    code: int
    stdout: str = ""
    stderr: str = ""


def best(fn, runs: int) -> tuple[float, object]:
    """The shortest of ``runs`` timings of ``fn()``, and its last result."""
    times, out = [], None
    for _ in range(max(1, runs)):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def run(args: list[str], *, cwd: Path | None = None, timeout: float = 1800,
        env: dict | None = None) -> Timed:
    """Run a command once; its wall time and the CPU time of its process tree
    (``RUSAGE_CHILDREN`` counts every descendant that was waited for: the
    flowsop process, its worker processes and their layout engines)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    try:
        done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, **(env or {})})
        code, out, err = done.returncode, done.stdout, done.stderr
    except subprocess.TimeoutExpired:
        code, out, err = -1, "", f"timed out after {timeout:.0f} s"
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timed(wall, cpu, code, out, err)


def command(args: list[str], runs: int = 3, **kwargs) -> Timed:
    """The fastest of ``runs`` runs of a command (by wall time)."""
    return min((run(args, **kwargs) for _ in range(max(1, runs))), key=lambda t: t.wall)


def flowsop(*args: str) -> list[str]:
    """A ``flowsop`` command line as a user types it (the installed entry point)."""
    return [FLOWSOP, *args]


def table(headers: list[str], rows: list[list], align: str | None = None) -> str:
    """A Markdown table; ``align`` is one letter per column, l or r (numbers
    right by default)."""
    cells = [[_cell(c) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    align = align or "l" + "r" * (len(headers) - 1)

    def line(values):
        return "| " + " | ".join(v.rjust(w) if a == "r" else v.ljust(w)
                                 for v, w, a in zip(values, widths, align)) + " |"

    rule = "|" + "|".join(("-" * (w + 1) + ":") if a == "r" else ("-" * (w + 2))
                          for w, a in zip(widths, align)) + "|"
    return "\n".join([line(headers), rule] + [line(r) for r in cells])


def verdict(value: float | None, limit: float, below: bool = True) -> str:
    """"met" or "MISSED" against a target (value < limit when ``below``)."""
    if value is None:
        return "n/a"
    ok = value <= limit if below else value >= limit
    return "met" if ok else "MISSED"


def seconds(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} (1 min), {five:.1f} (5 min)"
