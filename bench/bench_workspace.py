"""What an in-memory workspace costs (a language server's or a live preview's
loop): open a 1,000-procedure library once, then re-check one file after an
edit, without touching the disk. Prints figures; asserts nothing.

    .venv/bin/python bench/bench_workspace.py [--procedures N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_library import edit, generate  # noqa: E402
from timing import TODAY  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--procedures", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    from flowsop.project.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        paths = generate(Path(tmp) / "lib", args.procedures)
        start = time.perf_counter()
        ws = Workspace(Path(tmp) / "lib", today=TODAY)
        opened = time.perf_counter() - start
        target = paths[len(paths) // 2]
        start = time.perf_counter()
        ws.check(target)
        first = time.perf_counter() - start   # reads every sibling's outline once
        text = ws.text(target)
        times = []
        for n in range(args.runs):
            # Alternate two versions so that every run is a real change.
            ws.set_text(target, edit(text) if n % 2 == 0 else text)
            start = time.perf_counter()
            loaded = ws.check(target)
            times.append(time.perf_counter() - start)
        nodes = sum(len(ws._outline(p).nodes) for p in ws.paths)
    times.sort()
    print(f"library: {args.procedures} procedures, {nodes:,} nodes")
    print(f"open (read every text):           {opened:.3f} s")
    print(f"first check (outlines all):       {first:.3f} s")
    print(f"re-check one file after an edit:  {times[0]:.3f} s best, "
          f"{times[len(times) // 2]:.3f} s median of {args.runs}")
    print(f"diagnostics on the edited file:   {len(loaded.diagnostics)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
