"""Writes: nothing half-written, nothing lost, sources never touched.

- every output reaches its name by a rename of a flushed, synced temporary
  file in the same folder (watched with Python's audit hooks in a real
  ``flowsop build`` process, not assumed from the code);
- a build killed with SIGKILL, at a chosen write or at any moment, leaves each
  output either the old complete file or the new complete file, and the next
  build leaves no temporary file behind;
- ``check``, ``render`` and ``build`` never write a ``.flow`` file;
- a full disk and a read-only output folder give a clear error and exit 2.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from conftest import DIAGRAMS, TODAY_ARG
from flowsop.project.fileio import TMP_PREFIX, write_atomic
from test_hardening_common import (clean_env, clean_procedure, flowsop_argv, load_bench_module,
                                   no_traceback, run_flowsop, snapshot, write_files)

MANIFEST = ".flowsop-manifest.json"


def is_temporary(name: str) -> bool:
    return Path(name).name.startswith(TMP_PREFIX)


# ------------------------------------------------------------------ write_atomic itself

def test_write_atomic_syncs_before_it_renames(tmp_path, monkeypatch):
    import flowsop.project.fileio as fileio
    calls = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(fileio.os, "fsync", lambda fd: (calls.append("fsync"), real_fsync(fd)))
    monkeypatch.setattr(fileio.os, "replace",
                        lambda a, b: (calls.append(("replace", Path(a).parent, Path(a).name)),
                                      real_replace(a, b)))
    write_atomic(tmp_path / "x.svg", "<svg/>")
    assert calls[0] == "fsync" and calls[1][0] == "replace"
    assert calls[1][1] == tmp_path and calls[1][2].startswith(TMP_PREFIX)
    assert (tmp_path / "x.svg").read_text() == "<svg/>"


def test_write_atomic_leaves_the_old_file_and_no_temporary_when_it_fails(tmp_path, monkeypatch):
    import flowsop.project.fileio as fileio
    (tmp_path / "x.md").write_text("old")

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fileio.os, "replace", fail)
    with pytest.raises(OSError):
        write_atomic(tmp_path / "x.md", "new")
    assert snapshot(tmp_path) == {"x.md": b"old"}


# ------------------------------------------------------------------ what a real build does

#: Prepended to the runner: an audit hook that logs every file operation on a
#: path under AUDIT_DIR as [event, paths, mode, flags]. (``open`` of a file
#: descriptor, as ``os.fdopen`` does, names no path: the descriptor was opened,
#: and logged, by name before.)
AUDIT = r"""
import json, os, sys
log = open(os.environ["AUDIT_LOG"], "w")
watched = os.path.realpath(os.environ["AUDIT_DIR"])
PATH_ARGS = {"open": 1, "os.rename": 2, "os.remove": 1, "os.truncate": 1, "tempfile.mkstemp": 1,
             "os.link": 2, "os.symlink": 2, "shutil.copyfile": 2, "shutil.move": 2, "os.chmod": 1}
def hook(event, args):
    n = PATH_ARGS.get(event)
    if n is None or not all(isinstance(a, (str, bytes, os.PathLike)) for a in args[:n]):
        return
    paths = [os.path.realpath(os.fsdecode(a)) for a in args[:n]]
    if any(p.startswith(watched + os.sep) for p in paths):
        mode, flags = (args[1], args[2]) if event == "open" else (None, None)
        log.write(json.dumps([event, paths, mode, flags]) + "\n"); log.flush()
sys.addaudithook(hook)
"""


def audited_flowsop(*args: str, cwd: Path, watched: Path, log: Path) -> subprocess.CompletedProcess:
    argv = flowsop_argv(*args)
    argv[2] = AUDIT + argv[2]  # the audit hook first, then the usual runner
    env = clean_env({"AUDIT_LOG": str(log), "AUDIT_DIR": str(watched)})
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def audit_events(log: Path) -> list[tuple[str, list[str], object, object]]:
    return [tuple(json.loads(line)) for line in log.read_text().splitlines()]


def writes_to(mode, flags) -> bool:
    if isinstance(mode, str):
        return any(c in mode for c in "wax+")
    if isinstance(flags, int):
        return bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND))
    return False


def test_every_output_is_renamed_into_place_from_a_temporary_in_its_folder(tmp_path):
    shutil.copytree(DIAGRAMS, tmp_path / "lib")
    log = tmp_path / "audit.jsonl"
    out = (tmp_path / "out").resolve()
    result = audited_flowsop("build", "lib", "-o", "out", "--today", TODAY_ARG,
                             cwd=tmp_path, watched=tmp_path.resolve(), log=log)
    assert result.returncode == 0, result.stderr
    events = audit_events(log)
    temporaries = {p[0] for e, p, *_ in events if e == "tempfile.mkstemp"}
    renamed = {}
    for event, paths, mode, flags in events:
        if event == "os.rename":
            src, dst = paths[:2]
            assert src in temporaries and Path(src).parent == Path(dst).parent, (src, dst)
            renamed[dst] = src
        elif event == "open" and writes_to(mode, flags):
            # Only temporaries are ever opened for writing: never an output
            # in place, never a source.
            assert paths[0] in temporaries, (paths[0], mode, flags)
    outputs = {str(p.resolve()) for p in out.iterdir()}
    assert len(outputs) > 30
    assert outputs == set(renamed), outputs ^ set(renamed)
    assert not any(is_temporary(p) for p in outputs)


# ------------------------------------------------------------------ sources are read only

def test_check_render_and_build_never_modify_a_flow_file(tmp_path):
    lib = tmp_path / "lib"
    shutil.copytree(DIAGRAMS, lib)
    # Files a careless tool might "fix" on the way: CRLF and a BOM, lone CRs
    # and no final newline, a syntax error.
    write_files(lib, {"odd/crlf.flow": "\ufeff" + clean_procedure(1).replace("\n", "\r\n"),
                      "odd/cr.flow": clean_procedure(2).replace("\n", "\r").rstrip("\r"),
                      "odd/broken.flow": "start: x\nstpe: y\n"})
    sources = sorted(lib.rglob("*.flow"))

    def state():
        return snapshot(lib), {p: (p.stat().st_mtime_ns, p.stat().st_mode) for p in sources}

    before = state()
    log = tmp_path / "audit.jsonl"
    for args in (("check", "lib"), ("check", "lib/odd/crlf.flow"),
                 ("render", "lib/dispatch-onsite.flow", "lib/odd/crlf.flow", "lib/odd/cr.flow",
                  "-o", "out1",
                  "--format", "svg,md,html,checklist,csv,dot,mermaid"),
                 ("build", "lib", "-o", "out2"), ("build", "lib", "-o", "out2"),
                 ("build", "lib", "-o", "out2", "--check")):
        result = audited_flowsop(*args, "--today", TODAY_ARG, cwd=tmp_path,
                                 watched=lib.resolve(), log=log)
        no_traceback(result)
        assert result.returncode in (0, 1), (args, result.stderr[-2000:])
        for event, paths, mode, flags in audit_events(log):
            assert event == "open" and not writes_to(mode, flags), (args, event, paths)
    assert state() == before  # same files, same bytes, same times, nothing added
    assert (tmp_path / "out1" / "proc-1.html").is_file()  # the odd files were rendered


# ------------------------------------------------------------------ killed builds

def two_libraries(root: Path, count: int, lo: int, hi: int) -> tuple[Path, Path]:
    """The same generated library in two wordings: ``old/lib`` and ``new/lib``,
    where every step's text differs, so every page, chart and sheet differs."""
    generate = load_bench_module("generate")
    old, new = root / "old", root / "new"
    generate.library(old / "lib", count, lo=lo, hi=hi)
    for path in sorted((old / "lib").glob("*.flow")):
        text = path.read_text(encoding="utf-8")
        reworded = re.sub(r"(?m)^(step \w+: )", r"\1Now ", text)
        assert reworded != text
        write_files(new / "lib", {path.name: reworded})
    return old, new


def build_in(work: Path) -> float:
    start = time.perf_counter()
    result = run_flowsop("build", "lib", "-o", "out", "--today", TODAY_ARG, cwd=work)
    assert result.returncode == 0, result.stderr[-2000:]
    return time.perf_counter() - start


def judge(out: Path, old: dict[str, bytes], new: dict[str, bytes]) -> tuple[int, int, list[str]]:
    """(files still old, files already new, temporaries) of a killed build's
    folder, counting only the files the new build changes; fails on any file
    that is neither the old nor the new one, and on a missing file."""
    n_old = n_new = n_same = 0
    temporaries = []
    for name, data in snapshot(out).items():
        if is_temporary(name):
            temporaries.append(name)
        elif name == MANIFEST:
            json.loads(data)  # complete, whichever it is
        elif data == new.get(name) == old.get(name):
            n_same += 1  # the same in both builds (the index lists titles only)
        elif data == new.get(name):
            n_new += 1
        elif data == old.get(name):
            n_old += 1
        else:
            pytest.fail(f"{name} is neither the old nor the new file ({len(data)} bytes; "
                        f"old {len(old.get(name, b''))}, new {len(new.get(name, b''))})")
    assert n_old + n_new + n_same == len(new), "a file was lost"
    return n_old, n_new, temporaries


def written_since(folder: Path, start_ns: int) -> int:
    count = 0
    for entry in os.scandir(folder):
        try:
            count += entry.stat(follow_symlinks=False).st_mtime_ns >= start_ns
        except FileNotFoundError:
            pass  # a temporary renamed in the meantime
    return count


def outputs(out: Path) -> dict[str, bytes]:
    return {k: v for k, v in snapshot(out).items() if k != MANIFEST}


#: Prepended to the runner: the KILL_AT_WRITE-th rename (write_atomic's last
#: step) kills the process instead, after the temporary was written and synced.
KILL_AT_WRITE = r"""
import os, signal
_replace, _count = os.replace, [0]
def _kill_at_write(src, dst):
    _count[0] += 1
    if _count[0] == int(os.environ["KILL_AT_WRITE"]):
        os.kill(os.getpid(), signal.SIGKILL)
    return _replace(src, dst)
os.replace = _kill_at_write
"""


def test_a_build_killed_at_a_chosen_write_leaves_old_or_new_files(tmp_path):
    # Deterministic: SIGKILL exactly between writing a temporary and renaming
    # it, at the 40th write (of the 100 changed files), so some files are new,
    # some old, and a synced temporary is left for the next build to clear away.
    old, new = two_libraries(tmp_path, 20, 4, 8)
    build_in(old), build_in(new)
    old_files, new_files = outputs(old / "out"), outputs(new / "out")
    assert old_files.keys() == new_files.keys()
    assert all(old_files[k] != new_files[k] for k in old_files if not k.startswith("index"))
    work = tmp_path / "killed"
    shutil.copytree(new / "lib", work / "lib")
    shutil.copytree(old / "out", work / "out")
    argv = flowsop_argv("build", "lib", "-o", "out", "--today", TODAY_ARG)
    argv[2] = KILL_AT_WRITE + argv[2]
    killed = subprocess.run(argv, cwd=work, env=clean_env({"KILL_AT_WRITE": "40"}),
                            capture_output=True, text=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    changed = sum(old_files[k] != new_files[k] for k in new_files)
    n_old, n_new, temporaries = judge(work / "out", old_files, new_files)
    assert n_new == 39 and n_old == changed - 39
    assert len(temporaries) == 1
    build_in(work)
    assert outputs(work / "out") == new_files  # the next build finishes the job ...
    assert not [n for n in snapshot(work / "out") if is_temporary(n)]  # ... and clears up



def test_a_second_build_into_the_same_folder_waits_for_the_first(tmp_path):
    # Two builds into one folder at once would interleave their writes, and
    # the one finishing first would remove the other's temporary files. The
    # folder is locked for a build: here the test holds the lock as a first
    # build would, and a second build waits, writes nothing, then finishes.
    from flowsop.project.fileio import output_lock
    shutil.copytree(DIAGRAMS, tmp_path / "lib")
    out = tmp_path / "out"
    with output_lock(out):
        second = subprocess.Popen(flowsop_argv("build", "lib", "-o", "out", "--today", TODAY_ARG),
                                  cwd=tmp_path, env=clean_env(), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        time.sleep(3)  # long enough for a build of the examples to finish
        assert second.poll() is None and os.listdir(out) == []
    _, err = second.communicate(timeout=300)
    assert second.returncode == 0, err
    names = os.listdir(out)
    assert MANIFEST in names and "dispatch-onsite.svg" in names
    assert not [n for n in names if is_temporary(n)]
    # The lock is flock on the folder itself: no lock file among the outputs.
    assert not [n for n in names if "lock" in n]


def test_a_build_that_writes_nothing_leaves_no_folder_behind(tmp_path):
    # The lock needs the folder to exist; one made only for it is removed.
    shutil.copytree(DIAGRAMS, tmp_path / "lib")
    checked = run_flowsop("build", "lib", "-o", "new/out", "--check", "--today", TODAY_ARG,
                          cwd=tmp_path)
    assert checked.returncode == 1 and "out of date" in checked.stdout
    assert not (tmp_path / "new").exists()
    (tmp_path / "lib" / "flowsop.yaml").write_text("rules: [\n", encoding="utf-8")
    broken = run_flowsop("build", "lib", "-o", "out2", "--today", TODAY_ARG, cwd=tmp_path)
    assert broken.returncode == 2, broken.stderr
    assert not (tmp_path / "out2").exists()


@pytest.mark.slow
def test_a_build_killed_at_any_moment_leaves_old_or_new_files(tmp_path):
    old, new = two_libraries(tmp_path, 200, 6, 14)
    build_in(old)
    duration = build_in(new)
    old_files, new_files = outputs(old / "out"), outputs(new / "out")
    assert len(new_files) > 1000
    # Timed kills over the whole build, and two that wait for its writes to begin.
    plans = [("after", f * duration) for f in (0.1, 0.5, 0.8, 0.9, 0.97)]
    plans += [("written", 1), ("written", len(new_files) // 2)]
    mid_build = 0
    for n, (how, when) in enumerate(plans):
        work = tmp_path / f"kill-{n}"
        shutil.copytree(new / "lib", work / "lib")
        shutil.copytree(old / "out", work / "out")
        start_ns = time.time_ns()
        proc = subprocess.Popen(flowsop_argv("build", "lib", "-o", "out", "--today", TODAY_ARG),
                                cwd=work, env=clean_env(), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        if how == "after":
            time.sleep(when)
        else:
            deadline = time.monotonic() + 10 * duration
            while time.monotonic() < deadline and proc.poll() is None:
                if written_since(work / "out", start_ns) >= when:
                    break
                time.sleep(0.002)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        n_old, n_new, temporaries = judge(work / "out", old_files, new_files)
        if n_old and n_new:
            mid_build += 1
            if mid_build <= 2:  # the next build repairs a half-updated folder
                build_in(work)
                assert outputs(work / "out") == new_files
                assert not [k for k in snapshot(work / "out") if is_temporary(k)]
        shutil.rmtree(work)
    assert mid_build >= 1, "no kill landed while the build was writing"


# ------------------------------------------------------------------ full disk, read-only folder

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="mounting needs root")


@pytest.fixture
def small_tmpfs(tmp_path):
    """A 64 KiB file system: a build of the examples does not fit."""
    mount = tmp_path / "full"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {made.stderr.strip()}")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


@needs_root
def test_a_full_disk_is_a_clear_error_with_exit_2(tmp_path, small_tmpfs):
    shutil.copytree(DIAGRAMS, tmp_path / "lib")
    result = run_flowsop("build", "lib", "-o", small_tmpfs, "--today", TODAY_ARG, cwd=tmp_path)
    no_traceback(result)
    assert result.returncode == 2
    assert re.search(r"cannot write to .*full: No space left on device", result.stderr), \
        result.stderr[-1000:]
    # What was written is complete; the file being written when space ran out is gone.
    reference = tmp_path / "reference"
    run_flowsop("build", "lib", "-o", reference, "--today", TODAY_ARG, cwd=tmp_path)
    written = snapshot(small_tmpfs)
    assert written, "the disk filled before anything was written: the test proves nothing"
    for name, data in written.items():
        assert not is_temporary(name), name
        assert data == (reference / name).read_bytes(), name


@pytest.fixture
def read_only_out(tmp_path):
    """An output folder holding an earlier build, bind-mounted read-only."""
    out = tmp_path / "out"
    shutil.copytree(DIAGRAMS, tmp_path / "lib")
    assert run_flowsop("build", "lib", "-o", out, "--today", TODAY_ARG,
                       cwd=tmp_path).returncode == 0
    (tmp_path / "lib" / "order-parts.flow").write_text(
        (DIAGRAMS / "order-parts.flow").read_text().replace("Check", "Double-check"))
    for cmd in (["mount", "--bind", str(out), str(out)],
                ["mount", "-o", "remount,bind,ro", str(out)]):
        made = subprocess.run(cmd, capture_output=True, text=True)
        if made.returncode != 0:
            subprocess.run(["umount", str(out)], capture_output=True)
            pytest.skip(f"cannot make a read-only bind mount here: {made.stderr.strip()}")
    yield out
    subprocess.run(["umount", str(out)], check=True)


@needs_root
def test_a_read_only_output_folder_is_a_clear_error_with_exit_2(tmp_path, read_only_out):
    before = snapshot(read_only_out)
    for args in (("build", "lib", "-o", "out"),
                 ("render", "lib/order-parts.flow", "-o", "out")):
        result = run_flowsop(*args, "--today", TODAY_ARG, cwd=tmp_path)
        no_traceback(result)
        assert result.returncode == 2, (args, result.stderr[-1000:])
        assert "cannot write to out: Read-only file system" in result.stderr
    assert snapshot(read_only_out) == before


def test_an_output_folder_the_user_cannot_write_is_a_clear_error_with_exit_2():
    # As an unprivileged user (tests run as root in CI, where permissions
    # would not stop anything): the folder is root's and not writable by others.
    if os.geteuid() != 0:
        pytest.skip("needs root to run the command as another user")
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("setpriv is not installed")
    root = Path(tempfile.mkdtemp(prefix="flowsop-nobody-"))
    try:
        root.chmod(0o755)
        shutil.copytree(DIAGRAMS, root / "lib")
        (root / "out").mkdir(mode=0o755)
        argv = [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--",
                *flowsop_argv("build", "lib", "-o", "out", "--today", TODAY_ARG)]
        probe = subprocess.run([setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                                "--", sys.executable, "-c", "import flowsop"],
                               capture_output=True, text=True)
        if probe.returncode != 0:
            pytest.skip(f"nobody cannot run this Python: {probe.stderr.strip()[-200:]}")
        result = subprocess.run(argv, cwd=root, env=clean_env({"HOME": str(root)}),
                                capture_output=True, text=True, timeout=300)
        no_traceback(result)
        assert result.returncode == 2, result.stderr[-1000:]
        assert "cannot write to out: Permission denied" in result.stderr
        assert list((root / "out").iterdir()) == []
    finally:
        shutil.rmtree(root)
