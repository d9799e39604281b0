"""The peers section of the benchmark suite: flowsop against the tools an
author would otherwise pick, on the same procedures, rendered to SVG.

    .venv/bin/python bench/run.py peers
    .venv/bin/python bench/peers.py FILE.flow     # print FILE as a PlantUML activity diagram

What is compared (each tool as a command, as an author or a CI job runs it):

- one chart of 100 steps: ``flowsop render --format svg`` against ``mmdc``
  (mermaid-cli) and ``plantuml -tsvg``, best of 3 each;
- a library of 100 such procedures: one ``flowsop build --format svg`` against
  running each peer once per file, two files at a time (both cores, as
  ``xargs -P 2`` would), and, for the record, each peer's own batch mode (one
  PlantUML JVM for every file; one mmdc and one browser for a Markdown file
  holding every chart).

The Mermaid input is flowsop's own export (``render --format mermaid``). The
PlantUML input comes from ``to_plantuml`` below, written for this benchmark
from the numbered procedure (the model every flowsop renderer reads):

- lanes are swimlanes (``|Lane|``), a trigger is ``start`` and its text, an
  outcome is its text and ``stop``, a call is a box ending in ``|``;
- a decision is ``if (question) then (label) … elseif () then (label) … else
  (label) … endif``: PlantUML 1.2020 (Debian's) cannot ``detach`` inside a
  ``switch``, and ``elseif`` gives a third branch its own diamond;
- PlantUML's activity diagrams have no ``goto`` (1.2020 accepts ``goto`` and
  draws nothing), ``repeat``/``while`` only express loops that are nested
  blocks, which a procedure's retry loops need not be, and its connector
  circles ``(A)`` take one character, too few for 100 steps. So every node is
  written once, in file order, and a jump (an edge to any node but the next
  one in the file) is drawn as the flowchart's off-page connector: PlantUML's
  pentagon (``:text>``) saying what flowsop's written SOP says ("go to step
  4", "the procedure ends: …"), then ``detach``. Every node and every edge of
  the procedure is in the diagram, as a line or as a connector.

Installing the peers is optional (docs/performance.md, "Installing the
peers"); a peer that is absent is skipped with the reason.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import library, procedure  # noqa: E402
from timing import (ROOT, TODAY, Timed, command, flowsop, run, seconds, table,  # noqa: E402
                    verdict)

MERMAID_DIR = ROOT / ".cache" / "mermaid"
#: The same browser flags as tests/test_mermaid.py and .cache/mermaid/puppeteer.json.
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]
CHART_NODES = 100
LIBRARY_SIZE = 100


# ------------------------------------------------------------------ PlantUML

def to_plantuml(numbered) -> str:
    """A ``NumberedProcedure`` as a PlantUML activity diagram (see the module
    docstring for the form)."""
    items = list(numbered.items)
    following = {item.id: items[i + 1].id if i + 1 < len(items) else None
                 for i, item in enumerate(items)}
    out = ["@startuml", f"title {_text(numbered.title)}"]
    lane = None
    for item in items:
        if item.lane and item.lane != lane:
            lane = item.lane
            out.append(f"|{_lane(lane)}|")
        if item.kind == "start":
            out.append("start")
        text = _text(item.label)
        if item.kind == "decide":
            out += _decision(item, text, following[item.id])
            continue
        out.append(f":{text}|" if item.kind == "call" else f":{text};")
        if item.kind == "end":
            out.append("stop")
            continue
        for n in item.next:
            if n.target != following[item.id]:
                out += _jump(n)
    out.append("@enduml")
    return "\n".join(out) + "\n"


def _decision(item, text: str, after: str | None) -> list[str]:
    branches = list(item.next)
    if not branches:
        return [f":{text};", "detach"]
    out = []
    for i, n in enumerate(branches):
        label = _label(n.label or "")
        if i == 0:
            out.append(f"if ({text}) then ({label})")
        elif i < len(branches) - 1:
            out.append(f"elseif () then ({label})")
        else:
            out.append(f"else ({label})")
        # A branch to the next node in the file flows out of endif into it.
        if n.target != after:
            out += ["  " + line for line in _jump(n)]
    out.append("endif")
    return out


def _jump(n) -> list[str]:
    """An edge to a node that is not the next one: an off-page connector."""
    return [f":{_text(n.phrase)}>", "detach"]


def _text(text: str) -> str:
    # One line; parentheses (which would end a condition or a label early)
    # as brackets; PlantUML's escape character (~) before the characters of
    # creole markup (**, //, __, --, [[, <b>).
    text = " ".join(text.split()).replace("(", "[").replace(")", "]")
    return re.sub(r"([*/_\-<\[\]])", r"~\1", text)


def _label(text: str) -> str:
    return _text(text) or " "


def _lane(text: str) -> str:
    return " ".join(text.replace("|", "/").split())


# ------------------------------------------------------------------ the peers

def mermaid_cli() -> tuple[list[str], Path | None, str]:
    """(the mmdc command, its puppeteer config, why not) for the mermaid-cli
    installed by .ci/run in .cache/mermaid (or FLOWSOP_MMDC, or on PATH),
    drawing with Debian's Chromium (FLOWSOP_CHROMIUM, or chromium on PATH)."""
    mmdc = os.environ.get("FLOWSOP_MMDC") or str(MERMAID_DIR / "node_modules/.bin/mmdc")
    if not Path(mmdc).is_file():
        mmdc = shutil.which("mmdc") or ""
    browser = os.environ.get("FLOWSOP_CHROMIUM") or shutil.which("chromium") or ""
    if not mmdc:
        return [], None, ("mermaid-cli is not installed (npm install --prefix .cache/mermaid "
                          "@mermaid-js/mermaid-cli, see docs/performance.md)")
    if not browser:
        return [], None, "Chromium is not installed (apt-get install chromium)"
    if not shutil.which("node"):
        return [], None, "Node.js is not installed (apt-get install nodejs npm)"
    return [mmdc], Path(browser), ""


def plantuml() -> tuple[list[str], str]:
    exe = os.environ.get("FLOWSOP_PLANTUML") or shutil.which("plantuml")
    if not exe:
        return [], "PlantUML is not installed (apt-get install plantuml)"
    return [exe], ""


def tool_version(args: list[str]) -> str:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    lines = (done.stdout + done.stderr).strip().splitlines()
    return lines[0].strip() if lines else "?"


# ------------------------------------------------------------------ the section

def section(tmp: Path, quick: bool = False) -> None:
    from flowsop.api import check_paths
    from flowsop.procedure import number_procedure
    from flowsop.render.mermaid import render_mermaid

    size = 20 if quick else LIBRARY_SIZE
    print("## peers: flowsop against mermaid-cli and PlantUML, SVG out\n")
    mmdc, browser, no_mermaid = mermaid_cli()
    puml, no_plantuml = plantuml()
    config = None
    if mmdc:
        config = MERMAID_DIR / "puppeteer.json"
        if not config.is_file() or json.loads(config.read_text()).get("executablePath") != str(browser):
            config = tmp / "puppeteer.json"
            config.write_text(json.dumps({"executablePath": str(browser), "args": BROWSER_ARGS}))
        mmdc = mmdc + ["-q", "-p", str(config)]
    from flowsop.render.engine import find_engine
    versions = [f"flowsop {_flowsop_version()} with "
                f"{tool_version([find_engine('graphviz-pure'), '-V'])}"]
    if mmdc:
        versions.append(f"mermaid-cli {tool_version([mmdc[0], '--version'])} with "
                        f"{tool_version([str(browser), '--version'])}")
    else:
        print(f"mermaid-cli: skipped: {no_mermaid}")
    if puml:
        versions.append(tool_version(puml + ["-version"]) + "; "
                        + tool_version(["java", "-version"]))
    else:
        print(f"PlantUML: skipped: {no_plantuml}")
    print("Versions: " + "; ".join(versions) + ".\n")

    # The inputs: one chart alone in its folder, and a library.
    one_dir = tmp / "one"
    one_dir.mkdir()
    one = one_dir / "chart100.flow"
    one.write_text(procedure(CHART_NODES, "chart100"), encoding="utf-8")
    lib_dir = tmp / "library"
    library(lib_dir, size, lo=CHART_NODES, hi=CHART_NODES)
    sources = {}
    for folder in (one_dir, lib_dir):
        result = check_paths([str(folder)])
        for lib in result.libraries:
            titles = {m.procedure.id: m.procedure.title for m in lib.members}
            for m in lib.asked():
                numbered = number_procedure(m.loaded.procedure, m.loaded.graph, titles=titles)
                sources[Path(m.path)] = (render_mermaid(numbered), to_plantuml(numbered),
                                         len(numbered.steps), len(numbered.items))
    for path, (mmd, pu, _, _) in sources.items():
        path.with_suffix(".mmd").write_text(mmd, encoding="utf-8")
        path.with_suffix(".puml").write_text(pu, encoding="utf-8")
    steps, nodes = sources[one][2], sources[one][3]

    # One chart, as a command.
    runs = 1 if quick else 3
    rows = []
    ours = command(flowsop("render", "--today", TODAY, "--format", "svg", "-o",
                           str(one_dir / "out"), str(one)), runs=runs)
    rows.append(_row("flowsop render --format svg", ours, one_dir / "out" / "chart100.svg", ours))
    figures = {}
    if mmdc:
        t = command(mmdc + ["-i", str(one.with_suffix(".mmd")), "-o",
                            str(one_dir / "mermaid.svg")], runs=runs)
        rows.append(_row("mmdc (mermaid-cli)", t, one_dir / "mermaid.svg", ours))
        figures["mermaid"] = t.wall / ours.wall if _ok(t, one_dir / "mermaid.svg") else None
    if puml:
        t = command(puml + ["-tsvg", str(one.with_suffix(".puml"))], runs=runs)
        rows.append(_row("plantuml -tsvg", t, one.with_suffix(".svg"), ours))
        figures["plantuml"] = t.wall / ours.wall if _ok(t, one.with_suffix(".svg")) else None
    print(f"### one chart: {steps} steps ({nodes} nodes), best of {runs}\n")
    print(table(["tool", "wall s", "CPU s", "× flowsop", "output"], rows, align="lrrrl"))
    print()

    # The library: one flowsop build against each peer once per file.
    files = sorted(p for p in sources if p.parent == lib_dir)
    steps_all = sum(sources[p][2] for p in files)
    rows = []
    builds = [run(flowsop("build", "--today", TODAY, "--format", "svg", str(lib_dir), "-o",
                          str(tmp / f"out-{n}"))) for n in range(1 if quick else 2)]
    ours_lib = min(builds, key=lambda b: b.wall)
    made = len(list((tmp / "out-0").glob("*.svg")))
    rows.append(["flowsop build --format svg (one command)", seconds(ours_lib.wall, 2),
                 seconds(ours_lib.cpu, 2), "1.0", f"exit {ours_lib.code}, {made} SVG"])
    per_file = {}
    jobs = os.cpu_count() or 1
    if mmdc:
        t, made = _each(files, lambda p: mmdc + ["-i", str(p.with_suffix(".mmd")), "-o",
                                                  str(p.with_suffix(".mermaid.svg"))],
                        lambda p: p.with_suffix(".mermaid.svg"), jobs)
        rows.append([f"mmdc once per file, {jobs} at a time", seconds(t.wall, 2),
                     seconds(t.cpu, 2), f"{t.wall / ours_lib.wall:.1f}", made])
        per_file["mermaid"] = t.wall / ours_lib.wall
        doc = lib_dir / "all.md"
        doc.write_text("".join(f"```mermaid\n{sources[p][0]}```\n\n" for p in files),
                       encoding="utf-8")
        t = run(mmdc + ["-i", str(doc), "-o", str(lib_dir / "all.out.md")], timeout=3600)
        made = len(list(lib_dir.glob("all.out-*.svg")))
        rows.append(["mmdc once, one Markdown file with every chart", seconds(t.wall, 2),
                     seconds(t.cpu, 2), f"{t.wall / ours_lib.wall:.1f}",
                     f"exit {t.code}, {made} SVG"])
    if puml:
        t, made = _each(files, lambda p: puml + ["-tsvg", str(p.with_suffix(".puml"))],
                        lambda p: p.with_suffix(".svg"), jobs)
        rows.append([f"plantuml once per file, {jobs} at a time", seconds(t.wall, 2),
                     seconds(t.cpu, 2), f"{t.wall / ours_lib.wall:.1f}", made])
        per_file["plantuml"] = t.wall / ours_lib.wall
        batch = tmp / "plantuml-batch"
        batch.mkdir()
        for p in files:
            shutil.copy(p.with_suffix(".puml"), batch / p.with_suffix(".puml").name)
        t = run(puml + ["-tsvg", "-nbthread", str(jobs)] + sorted(map(str, batch.glob("*.puml"))),
                timeout=3600)
        made = len(list(batch.glob("*.svg")))
        rows.append(["plantuml once, every file in one JVM", seconds(t.wall, 2),
                     seconds(t.cpu, 2), f"{t.wall / ours_lib.wall:.1f}",
                     f"exit {t.code}, {made} SVG"])
    print(f"### a library of {len(files)} procedures of {CHART_NODES} nodes "
          f"({steps_all:,} steps in all)\n")
    print(table(["tool", "wall s", "CPU s", "× flowsop", "output"], rows, align="lrrrl"))
    print()

    targets = []
    for name, label, chart_goal in (("plantuml", "PlantUML", 4), ("mermaid", "mermaid-cli", 10)):
        if name in figures:
            targets.append([f"one chart: {label} ÷ flowsop", _ratio(figures[name]),
                            f"≥ {chart_goal}", verdict(figures[name], chart_goal, below=False)])
        if name in per_file:
            targets.append([f"library of {len(files)}: {label} once per file ÷ flowsop build",
                            _ratio(per_file[name]), "≥ 20",
                            verdict(per_file[name], 20, below=False)])
    if targets:
        print(table(["target", "figure", "target", "verdict"], targets, align="lrrl"))
    else:
        print("No peer is installed: nothing to compare (see docs/performance.md).")
    print()


def _each(files: list[Path], args, output, jobs: int) -> tuple[Timed, str]:
    """Run a peer once per file, ``jobs`` at a time: total wall and CPU time,
    and how many outputs it made."""
    import resource
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        codes = list(pool.map(lambda p: subprocess.run(
            args(p), capture_output=True, timeout=600).returncode, files))
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    made = sum(_ok_file(output(p)) for p in files)
    failed = sum(c != 0 for c in codes)
    return Timed(wall, cpu, failed), f"{made} SVG" + (f", {failed} failed" if failed else "")


def _row(name: str, t: Timed, output: Path, ours: Timed) -> list:
    state = f"exit {t.code}, " + ("SVG written" if _ok(t, output) else "NO SVG")
    return [name, seconds(t.wall), seconds(t.cpu), f"{t.wall / ours.wall:.1f}", state]


def _ok(t: Timed, output: Path) -> bool:
    return t.code == 0 and _ok_file(output)


def _ok_file(path: Path) -> bool:
    try:
        return path.stat().st_size > 0 and b"<svg" in path.read_bytes()[:4096]
    except OSError:
        return False


def _ratio(value: float | None) -> str:
    return "n/a (the peer failed)" if value is None else f"{value:.1f}×"


def _flowsop_version() -> str:
    from flowsop import __version__
    return __version__


def main(argv: list[str]) -> int:
    """Print a .flow file as the PlantUML activity diagram the benchmark draws."""
    from flowsop.api import load
    from flowsop.procedure import number_procedure

    if len(argv) != 1:
        print("usage: peers.py FILE.flow  (the suite itself: bench/run.py peers)", file=sys.stderr)
        return 2
    path = Path(argv[0])
    loaded = load(path, library=path.parent)
    print(to_plantuml(number_procedure(loaded.procedure, loaded.graph, titles=loaded.titles)),
          end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
