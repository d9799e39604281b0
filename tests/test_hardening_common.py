"""Helpers shared by the hardening tests (``test_hardening_*``,
``test_writes``, ``test_determinism``, ``test_fuzz``), and the tests that show
the helpers themselves can be trusted: the subprocess runner really lowers
the recursion limit, and the tree snapshot really tells files apart.

flowsop runs here as a user runs it: ``python -c`` calling ``flowsop.cli.main``
in a fresh process, with a clean environment (no NO_COLOR, no PYTHONPATH).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO, TODAY_ARG

BENCH = REPO / "bench"
HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile"

#: ``flowsop ARGS`` in a new interpreter; argv[1] is the recursion limit ("0": Python's own).
RUNNER = ("import sys\n"
          "limit = int(sys.argv[1])\n"
          "if limit: sys.setrecursionlimit(limit)\n"
          "from flowsop.cli import main\n"
          "sys.exit(main(sys.argv[2:]))\n")


def run_flowsop(*args: str, cwd: Path, recursion_limit: int = 0, env: dict | None = None,
                timeout: float = 300, **popen) -> subprocess.CompletedProcess:
    """Run ``flowsop ARGS`` in a subprocess; stdout and stderr as text."""
    return subprocess.run([sys.executable, "-c", RUNNER, str(recursion_limit), *map(str, args)],
                          cwd=cwd, env=clean_env(env), capture_output=True, timeout=timeout,
                          text=True, encoding="utf-8", errors="replace", **popen)


def flowsop_argv(*args: str, recursion_limit: int = 0) -> list[str]:
    """The command line ``run_flowsop`` runs, for tests that need ``Popen``."""
    return [sys.executable, "-c", RUNNER, str(recursion_limit), *map(str, args)]


def clean_env(extra: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("NO_COLOR", "PYTHONPATH", "FLOWSOP_ENGINE_PATH", "PYTHONHASHSEED")}
    env.update(extra or {})
    return env


def no_traceback(result: subprocess.CompletedProcess) -> None:
    """Neither a traceback nor flowsop's internal-error line (exit 3)."""
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "internal error" not in result.stderr, result.stderr[-3000:]
    assert result.returncode in (0, 1, 2), (result.returncode, result.stderr[-3000:])


def write_files(folder: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative POSIX path → bytes); symbolic
    links are recorded as their target, not followed."""
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            out[rel] = b"-> " + os.readlink(path).encode()
        elif path.is_file():
            out[rel] = path.read_bytes()
    return out


def digest(files: dict[str, bytes]) -> dict[str, str]:
    return {name: hashlib.sha256(data).hexdigest()[:16] for name, data in files.items()}


def clean_procedure(n: int, words: str = "Check") -> str:
    """A small procedure that checks clean, distinct for each ``n`` (its own
    trigger, steps and outcome), so that a library of them has no
    overlapping-scope or shared-steps findings."""
    return (f"---\ntitle: Procedure {n}\nid: proc-{n}\nversion: 1.0.0\nowner: Lead {n}\n"
            f"created: 2026-01-0{1 + n % 9}\nmodified: 2026-06-01\nreview_every: 1 year\n"
            f"purpose: Exercise procedure {n}.\nscope:\n  begins: Request {n} arrives.\n"
            f"  ends: Request {n} is closed.\n---\n"
            f"lane Desk {n}\nstart: Request {n} arrives.\n"
            f"step a: {words} the queue of request {n}.\n"
            f"decide d: Is request {n} urgent?\n  yes -> b\n  no -> c\n"
            f"step b: Phone the owner of request {n}.\n  -> c\n"
            f"step c: Close request {n} in the tracker.\nend: Request {n} is closed.\n")


def load_bench_module(name: str):
    """A module of ``bench/`` (the generators the benchmarks and the long fuzz use)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------ the helpers' own tests

def test_the_runner_really_lowers_the_recursion_limit(tmp_path):
    # The deep-input tests prove "no recursion on input size" by running
    # flowsop under a low limit; that proof holds only if the limit is set.
    probe = subprocess.run(
        [sys.executable, "-c", RUNNER.replace("from flowsop.cli import main\n", "")
         .replace("sys.exit(main(sys.argv[2:]))", "print(sys.getrecursionlimit())\n"
                  "def f(n): return f(n - 1) if n else 0\nf(int(sys.argv[2]))"), "250", "400"],
        capture_output=True, text=True)
    assert probe.stdout.strip() == "250"
    assert "RecursionError" in probe.stderr


def test_the_runner_runs_flowsop_as_a_user_does(tmp_path):
    write_files(tmp_path, {"p.flow": clean_procedure(1)})
    ok = run_flowsop("check", "p.flow", "--today", TODAY_ARG, cwd=tmp_path, recursion_limit=250)
    assert ok.returncode == 0, ok.stderr
    bad = run_flowsop("check", "missing.flow", cwd=tmp_path)
    assert bad.returncode == 2 and "missing.flow" in bad.stderr


def test_snapshot_tells_files_and_links_apart(tmp_path):
    write_files(tmp_path, {"a.txt": "x", "sub/b.txt": b"\x00"})
    os.symlink("a.txt", tmp_path / "link")
    snap = snapshot(tmp_path)
    assert snap == {"a.txt": b"x", "link": b"-> a.txt", "sub/b.txt": b"\x00"}
    (tmp_path / "a.txt").write_text("y")
    assert snapshot(tmp_path) != snap
