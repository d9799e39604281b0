"""The committed output/ is what `flowsop build diagrams/ -o output/` makes today.

The examples are rebuilt in a temporary copy of the same layout (diagrams/ and
output/ side by side, so relative links come out the same) with today's date
pinned as when output/ was committed, and every file is compared byte for byte.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import REPO
from flowsop.project.build import MANIFEST, BuildOptions
from flowsop.project.incremental import build_library

#: The date output/ was built with (`--today`); review-overdue marks depend on it.
OUTPUT_TODAY = "2026-11-26"


def test_committed_output_is_up_to_date(tmp_path):
    import datetime as _dt

    shutil.copytree(REPO / "diagrams", tmp_path / "diagrams")
    fresh = tmp_path / "output"
    result = build_library(str(tmp_path / "diagrams"), BuildOptions(
        out=fresh, today=_dt.date.fromisoformat(OUTPUT_TODAY)))
    assert not [d for d in result.diagnostics if d.severity.value == "error"]
    committed = REPO / "output"
    made = sorted(p.name for p in fresh.iterdir() if p.name != MANIFEST)
    there = sorted(p.name for p in committed.iterdir() if p.name != MANIFEST)
    assert made == there, "output/ has other files than a build makes; rebuild it: " \
        f"flowsop build diagrams/ -o output/ --today {OUTPUT_TODAY}"
    stale = [n for n in made if (fresh / n).read_bytes() != (committed / n).read_bytes()]
    assert not stale, (f"output/ is out of date ({', '.join(stale)}); rebuild it: "
                       f"flowsop build diagrams/ -o output/ --today {OUTPUT_TODAY}")


def test_every_example_has_every_default_output():
    for flow in sorted((REPO / "diagrams").glob("*.flow")):
        for suffix in (".svg", ".md", ".html", ".checklist.md", ".csv"):
            assert (REPO / "output" / f"{flow.stem}{suffix}").is_file(), f"{flow.stem}{suffix}"
    assert (REPO / "output" / "index.html").is_file()
    assert Path(REPO / "output" / "index.md").is_file()
