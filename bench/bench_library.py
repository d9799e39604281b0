"""The library section of the benchmark suite: a generated library of 1,000
procedures of 20-60 nodes (19-62 as generated), checked and built as a team's CI would.

    .venv/bin/python bench/run.py library            # as part of the suite
    .venv/bin/python bench/bench_library.py [--procedures 1000] [--keep DIR]

The library is generated with a fixed seed, so every run measures the same
files: lanes, decisions, retry loops with an escalation exit, calls to other
procedures (no cycles), a few steps that many procedures share ("Close the
ticket."), and a ``flowsop.yaml`` with the library's abbreviations. It times:

- ``flowsop check DIR`` as a command, ``check_paths(DIR)`` in process, and the
  library rules alone (target: the whole library under 10 s);
- ``flowsop build DIR`` from nothing: wall time and the CPU time of the whole
  process tree (target: wall under 0.65 x CPU, i.e. both cores busy), and the
  same build with ``--jobs 1`` for the speed-up;
- a no-op rebuild (target under 1 s), a rebuild after a ``touch`` (same
  bytes: nothing to do) and one after editing one step of one file (target
  under 2 s);
- ``flowsop check ONE.flow`` inside the library, which still reads every
  sibling as an outline to resolve calls and overlaps (target under 2 s);
- without ``--quick``: where a full build's wall time goes, phase by phase.

The generated library is clean; the tables say how many diagnostics each
check gave, so a regression that floods it with false positives shows too.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import (TODAY, best, command, flowsop, load_average, run, seconds,  # noqa: E402
                    table, verdict)

LANES = ("Service desk", "Dispatcher", "Technician", "Client", "Account manager")
VERBS = ("Check", "Record", "Update", "Verify", "Review", "Export", "Compare", "Collect",
         "Inspect", "Document", "Measure", "Restart", "Renew", "Archive", "Test")
OBJECTS = ("settings", "licence", "event log", "backup report", "firewall rules", "asset record",
           "user list", "mailbox size", "patch level", "disk usage", "warranty", "DNS records",
           "certificate", "admin accounts", "alert history", "group policy", "VPN profile",
           "contract terms", "printer queue", "shared folders")
ADJECTIVES = ("north", "harbour", "cedar", "granite", "maple", "silver", "orchard", "summit",
              "river", "meadow", "copper", "willow", "falcon", "lantern", "beacon", "prairie",
              "juniper", "quarry", "saffron", "tundra", "velvet", "marble", "canyon", "glacier",
              "hazel", "indigo", "jasper", "kestrel", "lagoon", "mistral")
NOUNS = ("gateway", "mail server", "file share", "web portal", "database", "print server",
         "phone system", "firewall", "wireless network", "backup vault", "domain controller",
         "VPN concentrator", "CRM instance", "ERP system", "HR portal", "storage array",
         "hypervisor", "intranet", "door access system", "camera system", "payroll system",
         "build server", "SIEM", "ticket queue", "asset inventory", "remote desktop farm",
         "badge printer", "time clock", "kiosk", "conference room system", "NAS", "router",
         "load balancer", "certificate authority")


def topics(count: int, rng: random.Random) -> list[str]:
    pairs = [f"{a} {n}" for a in ADJECTIVES for n in NOUNS]
    rng.shuffle(pairs)
    if count > len(pairs):
        raise SystemExit(f"at most {len(pairs)} procedures")
    return pairs[:count]


def procedure(i: int, topic: str, nodes: int, callees: list[str], rng: random.Random) -> str:
    pid = f"p{i:04d}"
    lines = ["---", f"title: Maintain the {topic}", f"id: {pid}", "version: 1.0.0",
             "owner: " + ("Service Desk Lead", "Projects Lead", "Backup Lead")[i % 3],
             "created: 2026-01-05", "modified: 2026-06-01", "review_every: 1 year",
             f"purpose: Keep the {topic} of each client healthy.",
             "scope:", f"  begins: The monthly check of the {topic} is due.",
             f"  ends: The {topic} passes its check, or the team lead owns the problem.",
             "---", "", f"lane {LANES[0]}",
             f"start: The monthly check of the {topic} is due.",
             "step: Open the ticket in the PSA."]
    count, block = 3, 0
    while count < nodes - 4:
        b = block
        if b % 2 == 1:
            lines.append(f"lane {LANES[(i + b) % len(LANES)]}")
        verb, obj = VERBS[(i + 3 * b) % len(VERBS)], OBJECTS[(i * 7 + b) % len(OBJECTS)]
        other = OBJECTS[(i * 7 + b + 9) % len(OBJECTS)]
        lines += [f"step s{b}: {verb} the {obj} of the {topic}.",
                  f"step t{b}: {VERBS[(i + b) % len(VERBS)]} the {other} of the {topic}."]
        if b % 4 == 2:
            lines.append("  duration: 10 min")
        lines += [f"decide d{b}: Is the {obj} of the {topic} as expected?",
                  f"  yes -> n{b}", f"  no -> f{b}",
                  f"step f{b}: Correct the {obj} of the {topic} by hand.",
                  f"decide a{b}: Have you corrected the {obj} of the {topic} three times?",
                  "  yes -> escalate", f"  no -> s{b}",
                  f"step n{b}: Note the state of the {obj} of the {topic} in the ticket."]
        count += 6
        if callees and b % 4 == 1:
            lines.append(f"call c{b}: {callees[b % len(callees)]}")
            count += 1
        block += 1
    lines += ["step: Close the ticket.", "  -> done",
              "step escalate: Assign the ticket to the team lead.",
              "end escalated: The team lead owns the problem.",
              f"end done: The {topic} passes its check."]
    return "\n".join(lines) + "\n"


def generate(folder: Path, procedures: int = 1000, lo: int = 20, hi: int = 60,
             seed: int = 4) -> list[Path]:
    """``procedures`` files of ``lo`` to ``hi`` nodes in ten sub-folders, and
    the library's ``flowsop.yaml``."""
    rng = random.Random(seed)
    names = topics(procedures, rng)
    folder.mkdir(parents=True, exist_ok=True)
    # The library's configuration: the abbreviations every procedure may use.
    terms = sorted({w for text in NOUNS + OBJECTS + ("PSA",) for w in text.split() if w.isupper()})
    (folder / "flowsop.yaml").write_text("terms: [" + ", ".join(terms) + "]\n", encoding="utf-8")
    paths = []
    for i in range(procedures):
        # Calls go to higher numbers only, so there is no cycle.
        callees = [f"p{j:04d}" for j in range(i + 1, min(procedures, i + 4)) if rng.random() < 0.5]
        sub = folder / f"area-{i % 10}"
        sub.mkdir(parents=True, exist_ok=True)
        path = sub / f"p{i:04d}.flow"
        path.write_text(procedure(i, names[i], rng.randint(lo, hi), callees, rng),
                        encoding="utf-8")
        paths.append(path)
    return paths

def section(tmp: Path, quick: bool = False, procedures: int = 1000) -> None:
    """Print the library section's tables (bench/run.py calls this)."""
    from flowsop import api
    from flowsop.project import library
    from flowsop.parse.outline import outline_file
    import datetime as dt

    folder = tmp / "library"
    paths = generate(folder, procedures)
    lines = sum(p.read_text(encoding="utf-8").count("\n") for p in paths)
    nodes = sum(len(outline_file(p).nodes) for p in paths)
    one = paths[len(paths) // 2]
    runs = 1 if quick else 2
    print(f"## library: {procedures:,} procedures\n")
    print(f"{procedures:,} generated procedures in 10 folders, {nodes:,} nodes "
          f"({min_max(paths, outline_file)} per procedure, {nodes / procedures:.0f} on average), "
          f"{lines:,} lines; load average {load_average()}.\n")

    rows = []
    t = command(flowsop("check", "--today", TODAY, str(folder)), runs=runs)
    rows.append(["`flowsop check DIR` (command)", seconds(t.wall, 2), "< 10 s",
                 verdict(t.wall, 10), f"exit {t.code}, {count(t.stdout)} diagnostics"])
    today = dt.date.fromisoformat(TODAY)
    s, result = best(lambda: api.check_paths([str(folder)], today=today), runs)
    rows.append(["`check_paths(DIR)` in process", seconds(s, 2), "", "",
                 f"{len(result.diagnostics)} diagnostics"])
    lib = result.libraries[0]
    s, found = best(lambda: library.library_diagnostics(lib), runs)
    rows.append(["  of which the library rules", seconds(s, 2), "", "",
                 f"{len(found)} diagnostics"])
    t = command(flowsop("check", "--today", TODAY, str(one)), runs=3)
    rows.append(["`flowsop check ONE.flow` in the library (command)", seconds(t.wall, 2),
                 "< 2 s", verdict(t.wall, 2), f"exit {t.code}, {count(t.stdout)} diagnostics"])
    s, result = best(lambda: api.check_paths([str(one)], today=today), 3)
    rows.append(["`check_paths(ONE.flow)` in process", seconds(s, 2), "", "",
                 f"{len(result.diagnostics)} diagnostics"])
    print(table(["check", "seconds", "target", "verdict", "result"], rows, align="lrrll"))
    print()

    # Builds: from nothing (best of ``runs``, each into a fresh folder), then
    # with --jobs 1, then rebuilds of the last output folder.
    rows = []
    builds = []
    for n in range(runs):
        out = tmp / f"out-{n}"
        builds.append(run(flowsop("build", "--today", TODAY, str(folder), "-o", str(out))))
    full = min(builds, key=lambda b: b.wall)
    share = full.wall / full.cpu if full.cpu else None
    rows.append(["`flowsop build DIR` from nothing", seconds(full.wall, 2), seconds(full.cpu, 2),
                 f"{share:.2f}" if share else "n/a", "wall < 0.65 × CPU", verdict(share, 0.65),
                 written(full)])
    if not quick:
        serial = run(flowsop("build", "--jobs", "1", "--today", TODAY, str(folder), "-o",
                             str(tmp / "out-serial")))
        rows.append(["`flowsop build --jobs 1 DIR` from nothing", seconds(serial.wall, 2),
                     seconds(serial.cpu, 2), f"{serial.wall / serial.cpu:.2f}",
                     f"speed-up with 2 jobs: {serial.wall / full.wall:.2f}×", "",
                     written(serial)])
        shutil.rmtree(tmp / "out-serial", ignore_errors=True)
    out = tmp / f"out-{runs - 1}"
    again = command(flowsop("build", "--today", TODAY, str(folder), "-o", str(out)), runs=3)
    rows.append(["no-op rebuild", seconds(again.wall, 2), seconds(again.cpu, 2), "", "< 1 s",
                 verdict(again.wall, 1.0), written(again)])
    # A touch (new modification time, same bytes), as a fresh CI checkout
    # gives every file: the manifest compares contents, so nothing to do.
    one.touch()
    touched = run(flowsop("build", "--today", TODAY, str(folder), "-o", str(out)))
    rows.append([f"`touch {one.name}` (same content), rebuild", seconds(touched.wall, 2),
                 seconds(touched.cpu, 2), "", "< 1 s", verdict(touched.wall, 1.0),
                 written(touched)])
    original = one.read_text(encoding="utf-8")
    edits = []
    for n in range(3):
        # A real edit (a step's text changes, so its chart is laid out again);
        # every round changes the file, so every rebuild has work to do.
        one.write_text(original if n % 2 else edit(original), encoding="utf-8")
        edits.append(run(flowsop("build", "--today", TODAY, str(folder), "-o", str(out))))
    one.write_text(original, encoding="utf-8")
    touched = min(edits, key=lambda b: b.wall)
    rows.append([f"one step of `{one.name}` edited, rebuild", seconds(touched.wall, 2),
                 seconds(touched.cpu, 2), "", "< 2 s", verdict(touched.wall, 2.0),
                 written(touched)])
    print(table(["build (default formats: svg, md, html, checklist, csv)", "wall s", "CPU s",
                 "wall ÷ CPU", "target", "verdict", "result"], rows, align="lrrrlll"))
    print()
    if not quick:
        phases(folder, tmp / "out-phases")
        print()


def phases(folder: Path, out: Path) -> None:
    """Where the wall time of a full build goes: the phases that run in the
    one flowsop process and the one that runs in worker processes. Measured
    in process (``build_library``, as ``flowsop build`` calls it, with the
    command's collector thresholds), by timing the calls it makes."""
    import datetime as dt
    import gc
    import time

    import flowsop.project.incremental as inc
    from flowsop.project.build import BuildOptions

    marks: list[tuple[str, float]] = []

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            marks.append((name + " start", time.perf_counter()))
            try:
                return fn(*args, **kwargs)
            finally:
                marks.append((name + " end", time.perf_counter()))
        return wrapper

    saved = {name: getattr(inc, name) for name in ("render_entries", "write_outputs")}
    thresholds = gc.get_threshold()
    gc.set_threshold(100_000, 50, 50)   # as flowsop.cli.main sets it
    try:
        for name, fn in saved.items():
            setattr(inc, name, timed(name, fn))
        start = time.perf_counter()
        inc.build_library(str(folder), BuildOptions(out=out, today=dt.date.fromisoformat(TODAY)))
        end = time.perf_counter()
    finally:
        for name, fn in saved.items():
            setattr(inc, name, fn)
        gc.set_threshold(*thresholds)
    at = dict(marks)
    total = end - start
    spans = [
        ("read, parse and check the files (worker processes), library rules",
         at["render_entries start"] - start),
        ("number, lay out and render the pages (worker processes)",
         at["render_entries end"] - at["render_entries start"]),
        ("index pages (one process)", at["write_outputs start"] - at["render_entries end"]),
        ("write the files, each synced and renamed (one process)",
         at["write_outputs end"] - at["write_outputs start"]),
    ]
    print(f"Where the wall time of a full build goes ({total:.1f} s in process):\n")
    print(table(["phase", "wall s", "share"],
                [[name, f"{t:.2f}", f"{t / total:.0%}"] for name, t in spans]))


def edit(text: str) -> str:
    """The same procedure with the text of its first numbered step changed."""
    return re.sub(r"^(step s0: )(\w)", lambda m: m[1] + "First, " + m[2].lower(), text,
                  count=1, flags=re.M)


def count(stdout: str) -> int:
    return len(re.findall(r"^\S.*:\d+:\d+: (?:error|warning)\[", stdout, re.M))


def written(t) -> str:
    """What a build said it did ("12 written, 4988 unchanged"), and its exit status."""
    m = re.search(r"flowsop: (.*)", t.stderr)
    return f"exit {t.code}: {m[1] if m else t.stderr.strip()[-200:]}"


def min_max(paths: list[Path], outline_file) -> str:
    sizes = [len(outline_file(p).nodes) for p in paths]
    return f"{min(sizes)}-{max(sizes)}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--procedures", type=int, default=1000)
    ap.add_argument("--quick", action="store_true", help="one run per figure, no --jobs 1 build")
    ap.add_argument("--keep", metavar="DIR", help="generate (and build) here and keep the files")
    args = ap.parse_args()
    if args.keep:
        Path(args.keep).mkdir(parents=True, exist_ok=True)
        section(Path(args.keep), args.quick, args.procedures)
    else:
        with tempfile.TemporaryDirectory(prefix="flowsop-bench-") as tmp:
            section(Path(tmp), args.quick, args.procedures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
