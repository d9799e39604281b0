"""Benchmark: `flowsop check` on a generated library of 1,000 procedures.

    .venv/bin/python bench/bench_library.py [--procedures 1000] [--nodes 50] [--keep DIR]

Generates (seeded, so every run checks the same files) a library of
procedures of about ``--nodes`` nodes each, with lanes, decisions, retry
loops, calls to other procedures (no cycles) and a few steps that many
procedures share ("Close the ticket."), as a real library has, then times:

- ``flowsop check DIR`` as a command (wall time, best of 3);
- the same check in process (``flowsop.api.check_paths``: parse, graph,
  procedure rules and library rules; best of 3), and the library rules alone;
- ``flowsop check ONE.flow`` inside the library as a command (which still
  reads every sibling, as outlines, to resolve calls and overlaps; best of 3).

Targets (issue 4 and 7): the whole library under 10 s, one file under 2 s.
The generated library is clean; the table says how many diagnostics each
check gave, so a regression that floods it with false positives shows too.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLOWSOP = [sys.executable, "-m", "flowsop"]

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


def generate(folder: Path, procedures: int = 1000, nodes: int = 50, seed: int = 4) -> list[Path]:
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
        path.write_text(procedure(i, names[i], rng.randint(nodes - 10, nodes + 10), callees, rng),
                        encoding="utf-8")
        paths.append(path)
    return paths


def best(fn, runs: int = 3):
    times, out = [], None
    for _ in range(runs):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def command(args: list[str]):
    done = subprocess.run(FLOWSOP + args, capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "SOURCE_DATE_EPOCH": "1780000000"})
    found = re.findall(r"^\S.*:\d+:\d+: (?:error|warning)\[", done.stdout, re.M)
    return done.returncode, len(found)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--procedures", type=int, default=1000)
    ap.add_argument("--nodes", type=int, default=50)
    ap.add_argument("--keep", metavar="DIR", help="generate here and keep the files")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from flowsop import api, library
    import datetime as dt

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp) / "library"
        paths = generate(folder, args.procedures, args.nodes)
        lines = sum(p.read_text().count("\n") for p in paths)
        from flowsop.parse.outline import outline_file
        nodes = sum(len(outline_file(p).nodes) for p in paths)
        one = paths[len(paths) // 2]
        today = dt.date(2026, 6, 1)
        rows = []
        t, (code, found) = best(lambda: command(["check", str(folder)]))
        rows.append(("flowsop check DIR (command)", t, 10.0, f"exit {code}, {found} diagnostics"))
        t, result = best(lambda: api.check_paths([str(folder)], today=today))
        rows.append(("check_paths(DIR) in process", t, 10.0,
                     f"{len(result.diagnostics)} diagnostics"))
        lib = result.libraries[0]
        t, found_lib = best(lambda: library.library_diagnostics(lib))
        rows.append(("  of which library rules", t, None, f"{len(found_lib)} diagnostics"))
        t, (code, found) = best(lambda: command(["check", str(one)]))
        rows.append(("flowsop check ONE.flow (command)", t, 2.0, f"exit {code}, {found} diagnostics"))
        t, result = best(lambda: api.check_paths([str(one)], today=today))
        rows.append(("check_paths(ONE.flow) in process", t, 2.0,
                     f"{len(result.diagnostics)} diagnostics"))
    print(f"library: {args.procedures} procedures, {nodes} nodes ({nodes / args.procedures:.0f} "
          f"each on average), {lines} lines; Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"| {'what':<34} | {'seconds':>8} | {'target':>7} | result")
    print(f"|{'-' * 36}|{'-' * 10}|{'-' * 9}|{'-' * 30}")
    for what, seconds, target, note in rows:
        goal = f"< {target:g} s" if target else ""
        print(f"| {what:<34} | {seconds:>8.2f} | {goal:>7} | {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
