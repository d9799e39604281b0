"""flowsop's benchmark suite: prints figures and ratios, never asserts.

    .venv/bin/python bench/run.py            # check + render sections
    .venv/bin/python bench/run.py check      # one section

Sections:
  check   parse + graph + checks in process (best of N) and `flowsop check`
          as a command, on generated procedures of 100, 1,000 and 10,000
          nodes; lines per second; growth exponent from 1,000 to 10,000.
  render  `render` to SVG in process against the layout engine alone on the
          same DOT (graphviz-pure -Tsvg), at 100 and 1,000 nodes, and the ratio.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import procedure  # noqa: E402

BIN = Path(sys.executable).parent


def best(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def command(args: list[str], runs: int = 3) -> float:
    return best(lambda: subprocess.run(args, check=False, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL), runs)


def section_check(tmp: Path) -> None:
    from flowsop.api import load_text

    print("## check: parse + graph + checks")
    print(f"{'nodes':>7} {'lines':>7} {'in-process s':>13} {'lines/s':>10} {'command s':>10}")
    times = {}
    for nodes in (100, 1000, 10000):
        text = procedure(nodes, f"gen{nodes}")
        path = tmp / f"gen{nodes}.flow"
        path.write_text(text, encoding="utf-8")
        loaded = load_text(text, str(path))
        assert loaded.ok, loaded.diagnostics[:3]
        runs = 5 if nodes < 10000 else 3
        t = best(lambda: load_text(text, str(path)), runs)
        times[nodes] = t
        lines = text.count("\n")
        cmd = command([str(BIN / "flowsop"), "check", str(path)])
        print(f"{nodes:>7} {lines:>7} {t:>13.4f} {lines / t:>10.0f} {cmd:>10.3f}")
    exponent = math.log(times[10000] / times[1000]) / math.log(10)
    print(f"growth exponent 1,000 → 10,000 nodes: {exponent:.2f} (target ≤ 1.1)")
    small = tmp / "small.flow"
    small.write_text(procedure(30, "small"), encoding="utf-8")
    print(f"`flowsop check` on one 30-node file: {command([str(BIN / 'flowsop'), 'check', str(small)], 5):.3f} s (target < 0.5)")
    print()


def section_render(tmp: Path) -> None:
    from flowsop.api import load_text
    from flowsop.procedure import number_procedure
    from flowsop.render import RenderContext
    from flowsop.render.dot import dot_source, render_svg

    engine = shutil.which("graphviz-pure", path=str(BIN)) or shutil.which("graphviz-pure")
    print("## render to SVG against the layout engine alone")
    print(f"{'nodes':>7} {'flowsop s':>10} {'engine s':>10} {'ratio':>7}")
    for nodes in (100, 1000):
        text = procedure(nodes, f"gen{nodes}")
        ctx = RenderContext()

        def run():
            loaded = load_text(text, "bench.flow")
            numbered = number_procedure(loaded.procedure, loaded.graph)
            return render_svg(numbered, ctx)

        loaded = load_text(text, "bench.flow")
        dot_path = tmp / f"gen{nodes}.dot"
        dot_path.write_text(dot_source(number_procedure(loaded.procedure, loaded.graph), ctx),
                            encoding="utf-8")
        runs = 3 if nodes < 1000 else 2
        ours = best(run, runs)
        alone = best(lambda: subprocess.run([engine, "-Tsvg", str(dot_path)], check=True,
                                            stdout=subprocess.DEVNULL), runs)
        print(f"{nodes:>7} {ours:>10.3f} {alone:>10.3f} {ours / alone:>7.2f}")
    print()


SECTIONS = {"check": section_check, "render": section_render}


def main(argv: list[str]) -> int:
    chosen = argv or list(SECTIONS)
    print(f"# flowsop benchmarks ({os.cpu_count()} cores, Python {sys.version.split()[0]})\n")
    with tempfile.TemporaryDirectory() as tmp:
        for name in chosen:
            SECTIONS[name](Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
