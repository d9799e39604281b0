"""One library, one configuration, the same verdict everywhere: ``flowsop
check``, ``flowsop.load()``, ``mkdocs build --strict`` and ``sphinx-build -W``
all read the library's ``flowsop.yaml`` and run its library rules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import flowsop
from conftest import TODAY_ARG
from flowsop.cli import main

PROCEDURE = """\
---
title: Replace a failed laptop
id: replace-laptop
version: 1.0.0
owner: Service Desk Lead
created: 2026-01-10
modified: 2026-11-02
review_every: 1 year
purpose: Get a user working again on a replacement laptop.
scope:
  begins: A user reports a laptop that does not start.
  ends: The user works on a replacement laptop.
---
start: A user reports a laptop that does not start.
step image: Set up the spare laptop with the standard image.
step: The ticket is assigned to the hardware queue.
end: The user works on a replacement laptop.
"""
PASSIVE_LINE, PASSIVE_COL = 16, 18   # "is assigned"
CONFIG = "rules:\n  passive-voice: error\n"


def library(root: Path, folder: str = "procedures", text: str = PROCEDURE) -> Path:
    (root / folder).mkdir(parents=True)
    (root / "flowsop.yaml").write_text(CONFIG, encoding="utf-8")
    path = root / folder / "replace-laptop.flow"
    path.write_text(text, encoding="utf-8")
    return path


def passive(diagnostics) -> list:
    return [d for d in diagnostics if d.rule == "passive-voice"]


def test_check_fails(tmp_path, capsys):
    path = library(tmp_path)
    assert main(["check", str(path), "--today", TODAY_ARG]) == 1
    assert f":{PASSIVE_LINE}:{PASSIVE_COL}: error[passive-voice]" in capsys.readouterr().out


def test_the_rule_is_a_warning_without_the_configuration(tmp_path):
    path = library(tmp_path)
    (tmp_path / "flowsop.yaml").unlink()
    found = passive(flowsop.load(path, today=TODAY_ARG).diagnostics)
    assert [(d.severity.value, d.line, d.column) for d in found] == \
        [("warning", PASSIVE_LINE, PASSIVE_COL)]


def test_load_a_file_fails_alike(tmp_path):
    found = passive(flowsop.load(library(tmp_path), today=TODAY_ARG).diagnostics)
    assert [(d.severity.value, d.line, d.column) for d in found] == \
        [("error", PASSIVE_LINE, PASSIVE_COL)]


def test_load_a_text_in_its_library_fails_alike(tmp_path):
    path = library(tmp_path)
    loaded = flowsop.load(path.read_text(), path=str(path), library=path.parent, today=TODAY_ARG)
    assert [d.severity.value for d in passive(loaded.diagnostics)] == ["error"]
    assert not loaded.ok


def test_load_runs_the_library_rules(tmp_path):
    path = library(tmp_path, text=PROCEDURE.replace("step image:", "call image: order-parts\nstep:"))
    loaded = flowsop.load(path, today=TODAY_ARG)
    assert [(d.rule, d.line) for d in loaded.diagnostics if d.rule == "undefined-procedure"] \
        == [("undefined-procedure", 15)]
    (path.parent / "order-parts.flow").write_text(
        PROCEDURE.replace("id: replace-laptop", "id: order-parts")
        .replace("title: Replace a failed laptop", "title: Order parts")
        .replace("A user reports a laptop that does not start.", "Parts are missing."),
        encoding="utf-8")
    loaded = flowsop.load(path, today=TODAY_ARG)
    assert not [d for d in loaded.diagnostics if d.rule == "undefined-procedure"]
    assert loaded.titles["order-parts"] == "Order parts"


def test_mkdocs_build_strict_fails_alike(tmp_path):
    pytest.importorskip("mkdocs")
    library(tmp_path, "docs/procedures")
    (tmp_path / "docs" / "index.md").write_text(
        "# Laptops\n\n![Replace](procedures/replace-laptop.flow)\n", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(
        f"site_name: Desk\nplugins:\n  - flowsop:\n      today: '{TODAY_ARG}'\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr[-3000:]
    assert f"replace-laptop.flow:{PASSIVE_LINE}:{PASSIVE_COL}: error[passive-voice]" in done.stderr
    # Without the configuration the same site builds.
    (tmp_path / "flowsop.yaml").unlink()
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


def test_sphinx_build_w_fails_alike(tmp_path):
    pytest.importorskip("sphinx")
    library(tmp_path)
    (tmp_path / "conf.py").write_text(
        f'project = "Desk"\nextensions = ["flowsop.integrations.sphinx"]\n'
        f'flowsop_today = "{TODAY_ARG}"\n', encoding="utf-8")
    (tmp_path / "index.rst").write_text(
        "Laptops\n=======\n\n.. flowsop:: procedures/replace-laptop.flow\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "sphinx", "-q", "-W", "-b", "html", ".", "_build"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert "passive-voice" in done.stderr, done.stderr[-3000:]
