"""The installed wheel works on its own: grammar inside, command runs.

Builds the wheel from this checkout, installs it into a fresh virtual
environment (no system or repository packages; its dependencies come from the
package index), and checks a copy of an example from a folder outside the
repository. Marked slow (about 10 s); it still runs in CI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import DIAGRAMS, REPO, TODAY_ARG

pytestmark = pytest.mark.slow


def sh(*args, cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, f"{result.args}\n{result.stdout}\n{result.stderr}"
    return result


def test_the_wheel_installs_and_checks_from_outside_the_repository(tmp_path):
    dist = tmp_path / "dist"
    ok(sh(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", REPO, "-w", dist, cwd=tmp_path))
    [wheel] = dist.glob("flowsop-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "flowsop/grammar/flowsop.lark" in names
    assert not [n for n in names if n.startswith(("tests/", "diagrams/", "bench/"))]

    venv = tmp_path / "venv"
    ok(sh(sys.executable, "-m", "venv", venv, cwd=tmp_path))
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    ok(sh(bindir / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check",
          wheel, cwd=tmp_path, timeout=600))

    work = tmp_path / "work"
    work.mkdir()
    for name in ("dispatch-onsite.flow", "order-parts.flow"):   # the first calls the second
        shutil.copy(DIAGRAMS / name, work)
    # The package and its grammar come from the fresh venv, not from this checkout.
    where = ok(sh(bindir / "python", "-c",
                  "import flowsop, flowsop.parse.grammar as g; print(flowsop.__file__); "
                  "print(g.grammar_path())", cwd=work)).stdout.split()
    assert all(Path(w).is_relative_to(venv) for w in where), where

    checked = ok(sh(bindir / "flowsop", "check", "dispatch-onsite.flow", "--today", TODAY_ARG,
                    cwd=work))
    assert "1 procedure checked: 0 errors" in checked.stderr
    broken = work / "broken.flow"
    broken.write_text("start: s\nstpe: x\nend: e\n", encoding="utf-8")
    failed = sh(bindir / "flowsop", "check", "broken.flow", "--select", "syntax", cwd=work)
    assert failed.returncode == 1 and "broken.flow:2:1: error[syntax]" in failed.stdout
