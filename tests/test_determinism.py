"""Determinism: two builds of the same library are byte-identical, every
file, the manifest included, however the builds differ around them.

The two builds of a library (the examples, the hostile procedures, a
generated library with calls, in subfolders) differ in everything that must
not matter: the absolute folder (and its depth), PYTHONHASHSEED, the order in
which the source files were created (and their times), the number of layout
processes (--jobs 1 against --jobs 2), the time zone and the umask.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from conftest import DIAGRAMS, TODAY_ARG
from test_hardening_common import (HOSTILE, load_bench_module, run_flowsop, snapshot,
                                   write_files)


def sources() -> dict[str, bytes]:
    files = {f"examples/{p.name}": p.read_bytes() for p in sorted(DIAGRAMS.glob("*.flow"))}
    files.update({f"hostile/{p.name}": p.read_bytes()
                  for p in sorted((HOSTILE / "lib").glob("*.flow"))})
    generate = load_bench_module("generate")
    for n in range(30):
        callees = tuple(f"gen-{m:02d}" for m in range(n + 1, min(30, n + 3)))
        files[f"generated/gen-{n:02d}.flow"] = generate.procedure(
            12 + n % 7, f"gen-{n:02d}", callees, seed=n).encode()
    return files


def make_and_build(work: Path, files: dict[str, bytes], *, reverse: bool, seed: str,
                   jobs: str, tz: str, umask: int) -> dict[str, bytes]:
    names = sorted(files, reverse=reverse)
    for n, name in enumerate(names):
        write_files(work / "lib", {name: files[name]})
        os.utime(work / "lib" / name, (1_000_000 + n, 1_000_000 + n))
    old = os.umask(umask)
    try:
        result = run_flowsop("build", "lib", "-o", "out", "--jobs", jobs, "--today", TODAY_ARG,
                             cwd=work, env={"PYTHONHASHSEED": seed, "TZ": tz})
    finally:
        os.umask(old)
    assert result.returncode in (0, 1), result.stderr[-2000:]
    return snapshot(work / "out")


def test_two_builds_are_byte_identical(tmp_path):
    files = sources()
    a = make_and_build(tmp_path / "a", files, reverse=False, seed="1", jobs="1", tz="UTC",
                       umask=0o022)
    b = make_and_build(tmp_path / "deeper" / "folder" / "b", files, reverse=True, seed="4242",
                       jobs="2", tz="Pacific/Kiritimati", umask=0o077)
    # Five default formats per procedure, the index twice, the manifest.
    assert len(a) == 5 * len(files) + 3 and ".flowsop-manifest.json" in a
    assert sorted(a) == sorted(b)
    differ = [name for name in a if a[name] != b[name]]
    assert differ == []
    # And nothing in them names either folder.
    for data in a.values():
        assert str(tmp_path).encode() not in data


def test_a_rebuild_in_place_changes_nothing(tmp_path):
    # The same library built again into the same folder: not a byte moves,
    # and (incremental or not) the build says it wrote nothing.
    shutil.copytree(DIAGRAMS, tmp_path / "lib")
    first = run_flowsop("build", "lib", "-o", "out", "--today", TODAY_ARG, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    before = snapshot(tmp_path / "out")
    again = run_flowsop("build", "lib", "-o", "out", "--today", TODAY_ARG, cwd=tmp_path,
                        env={"PYTHONHASHSEED": "7"})
    assert again.returncode == 0, again.stderr
    assert snapshot(tmp_path / "out") == before
    assert "0 written" in again.stderr


def test_check_reports_the_same_with_one_process_or_several(tmp_path):
    # `check DIR` reads and checks its files in worker processes from 16 files
    # on: the report (text and JSON, problems included) must not show it.
    files = sources()
    files["hostile/broken.flow"] = b"start: s\nstpe: x\nstep a: Do it\nend: e\n"
    write_files(tmp_path / "lib", files)
    reports = {}
    for jobs in ("1", "2"):
        for fmt in ("text", "json"):
            done = run_flowsop("check", "lib", "--format", fmt, "--jobs", jobs,
                               "--today", TODAY_ARG, cwd=tmp_path)
            reports[jobs, fmt] = (done.returncode, done.stdout, done.stderr)
    assert len(files) >= 16 * 2
    assert reports["1", "text"][0] == 1 and "broken.flow:2:1: error[syntax]" in reports["1", "text"][1]
    assert reports["1", "text"] == reports["2", "text"]
    assert reports["1", "json"] == reports["2", "json"]


def test_a_file_that_is_not_text_stops_a_parallel_check_cleanly(tmp_path):
    # Raised in a worker process, reported by the command as in one process.
    files = sources()
    files["generated/zz-binary.flow"] = b"start: s\n\x00\xff\xfe end"
    write_files(tmp_path / "lib", files)
    done = run_flowsop("check", "lib", "--jobs", "2", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "zz-binary.flow" in done.stderr and "Traceback" not in done.stderr


def test_no_worker_processes_are_forked_beside_other_threads():
    # An MkDocs or Sphinx server calls the API from a process with threads,
    # where forking is unsafe: flowsop then stays in one process.
    import threading

    from flowsop.project import workers
    assert workers.workers_for(2, workers.PARALLEL_FROM) == 2
    assert workers.workers_for(2, workers.PARALLEL_FROM - 1) == 1
    assert workers.workers_for(1, 1000) == 1
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert workers.workers_for(2, 1000) == 1
    finally:
        stop.set()
        other.join()
    assert workers.workers_for(2, 1000) == 2
