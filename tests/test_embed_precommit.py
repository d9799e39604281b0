"""The pre-commit hooks (.pre-commit-hooks.yaml): each hook entry called the
way pre-commit calls it, and, where pre-commit and git are installed, a real
``pre-commit run`` in a temporary library repository that uses a clone of
this repository's HEAD as its hook repository.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import DIAGRAMS, REPO, TODAY_ARG

HOOKS = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
FLOWSOP = [sys.executable, "-m", "flowsop"]
BROKEN = "start: It begins.\nstpe: A typo.\nend: Done.\n"


def library(root: Path) -> Path:
    """A small library with its outputs built and up to date."""
    (root / "diagrams").mkdir(parents=True)
    for name in ("dispatch-onsite.flow", "order-parts.flow"):
        shutil.copy(DIAGRAMS / name, root / "diagrams" / name)
    run(FLOWSOP + ["build", "diagrams", "-o", "output", "--today", TODAY_ARG], root, 0)
    return root


def run(cmd: list[str], cwd: Path, expect: int | None = None, env=None):
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env, timeout=600)
    if expect is not None:
        assert done.returncode == expect, (cmd, done.stdout[-3000:], done.stderr[-3000:])
    return done


def hook_command(hook: dict, files: list[str], args: list[str] = ()) -> list[str]:
    """What pre-commit runs: the entry, the hook's args, then the staged files
    that match ``files`` (unless pass_filenames is false)."""
    cmd = shlex.split(hook["entry"])
    assert cmd[0] == "flowsop"
    cmd = FLOWSOP + cmd[1:] + list(hook.get("args", [])) + list(args)
    if hook.get("pass_filenames", True):
        cmd += [f for f in files if re.search(hook["files"], f)]
    return cmd


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_hooks_are_declared():
    assert set(HOOKS) == {"flowsop-check", "flowsop-render"}
    for hook in HOOKS.values():
        assert hook["language"] == "python"
        assert re.search(hook["files"], "diagrams/a.flow")
        assert not re.search(hook["files"], "output/a.md")
    assert HOOKS["flowsop-render"]["pass_filenames"] is False


def test_check_hook_entry(tmp_path):
    root = library(tmp_path)
    good = ["diagrams/dispatch-onsite.flow", "README.md"]
    run(hook_command(HOOKS["flowsop-check"], good, ["--today", TODAY_ARG]), root, 0)
    (root / "diagrams" / "broken.flow").write_text(BROKEN)
    done = run(hook_command(HOOKS["flowsop-check"], good + ["diagrams/broken.flow"],
                            ["--today", TODAY_ARG]), root, 1)
    assert "diagrams/broken.flow:2:1: error[syntax]" in done.stdout


def test_render_hook_entry_fails_on_stale_outputs_and_writes_nothing(tmp_path):
    root = library(tmp_path)
    args = ["diagrams", "-o", "output", "--today", TODAY_ARG]
    run(hook_command(HOOKS["flowsop-render"], [], args), root, 0)
    flow = root / "diagrams" / "order-parts.flow"
    flow.write_text(flow.read_text().replace("Order parts", "Order the parts", 1))
    before = snapshot(root / "output")
    done = run(hook_command(HOOKS["flowsop-render"], ["diagrams/order-parts.flow"], args),
               root, 1)
    assert "out of date: output/order-parts.html" in done.stdout
    assert snapshot(root / "output") == before


# ------------------------------------------------------------------ real pre-commit

PRE_COMMIT = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or \
    shutil.which("pre-commit")


@pytest.mark.skipif(not PRE_COMMIT or not shutil.which("git"),
                    reason="needs pre-commit (the test extra) and git")
def test_real_pre_commit_run(tmp_path):
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    # The hook repository: this repository's HEAD, as pre-commit would fetch it.
    hooks_repo = tmp_path / "flowsop"
    run(["git", "clone", "-q", "--depth", "1", REPO.as_uri(), str(hooks_repo)], tmp_path, 0,
        env)
    rev = run(["git", "rev-parse", "HEAD"], hooks_repo, 0, env).stdout.strip()
    root = library(tmp_path / "lib")
    (root / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        f"  - repo: {hooks_repo}\n"
        f"    rev: {rev}\n"
        "    hooks:\n"
        f"      - id: flowsop-check\n        args: [--today, '{TODAY_ARG}']\n"
        f"      - id: flowsop-render\n"
        f"        args: [diagrams, -o, output, --today, '{TODAY_ARG}']\n")
    run(["git", "init", "-q"], root, 0, env)
    run(["git", "add", "."], root, 0, env)
    run(["git", "commit", "-qm", "library"], root, 0, env)
    done = run([PRE_COMMIT, "run", "--all-files"], root, 0, env)
    assert re.search(r"flowsop check\.+Passed", done.stdout)
    assert re.search(r"flowsop outputs up to date\.+Passed", done.stdout)
    # A changed procedure whose outputs were not rebuilt: the render hook fails.
    flow = root / "diagrams" / "order-parts.flow"
    flow.write_text(flow.read_text().replace("Order parts", "Order the parts", 1))
    (root / "diagrams" / "broken.flow").write_text(BROKEN)
    run(["git", "add", "."], root, 0, env)
    before = snapshot(root / "output")
    done = run([PRE_COMMIT, "run"], root, 1, env)
    assert re.search(r"flowsop check\.+Failed", done.stdout)
    assert "broken.flow:2:1: error[syntax]" in done.stdout
    assert re.search(r"flowsop outputs up to date\.+Failed", done.stdout)
    assert "out of date: output/order-parts.html" in done.stdout
    assert snapshot(root / "output") == before
