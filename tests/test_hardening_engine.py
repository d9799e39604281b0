"""The layout engine, through ``flowsop build``: when it is missing, crashes,
hangs or prints garbage for one chart, that procedure gets a diagnostic of
the rule ``engine`` naming the engine and what to do, and the rest of the
library is built exactly as with a working engine. Its harmless warnings are
not failures.

How ``render/engine.py`` judges each failure on its own is tested in
tests/test_engine.py (with tests/fixtures/render/fake_engine.py); here the
engine is the real graphviz-pure except for one chart
(tests/fixtures/hostile/trap_engine.py), and ``flowsop build`` runs in this
process so that a hang can be given a short time limit.
"""

from __future__ import annotations

import re
import stat
import sys
from pathlib import Path

import pytest

from conftest import TODAY_ARG
from flowsop.render import engine
from test_hardening_common import HOSTILE, clean_procedure, snapshot, write_files

TRAP = clean_procedure(3).replace("Close request 3 in the tracker.",
                                  "Close request 3 in the tracker (engine-trap).")
FORMATS = "svg,html,md,checklist,csv"
#: Outputs that need the chart, and outputs that do not.
CHART_FORMATS = (".svg", ".html", ".md")
TEXT_FORMATS = (".checklist.md", ".csv")


def library(folder: Path) -> Path:
    write_files(folder, {"one.flow": clean_procedure(1), "two.flow": clean_procedure(2),
                         "trap.flow": TRAP})
    return folder


def build(tmp: Path, name: str, capsys) -> tuple[int, str, dict[str, bytes]]:
    from flowsop.cli import main
    code = main(["build", str(tmp / "lib"), "-o", str(tmp / name), "--format", FORMATS,
                 "--today", TODAY_ARG])
    made = {k: v for k, v in snapshot(tmp / name).items() if not k.startswith(".")}
    return code, capsys.readouterr().err, made


@pytest.fixture
def trap(tmp_path, monkeypatch):
    """Point flowsop at the trap engine; returns a function setting its mode."""
    real = engine.find_engine("graphviz-pure")
    launcher = tmp_path / "trap-engine"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{HOSTILE / "trap_engine.py"}" "$@"\n')
    launcher.chmod(launcher.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("TRAP_REAL_ENGINE", real)
    library(tmp_path / "lib")
    engine._engine_version.cache_clear()

    def use(mode: str | None) -> None:
        if mode is None:
            monkeypatch.delenv(engine.ENGINE_PATH_ENV, raising=False)
        else:
            monkeypatch.setenv(engine.ENGINE_PATH_ENV, str(launcher))
            monkeypatch.setenv("TRAP_MODE", mode)
        engine._engine_version.cache_clear()

    yield use
    engine._engine_version.cache_clear()


def short_time_limit(monkeypatch, seconds: float) -> None:
    """Every layout gets ``seconds`` instead of the default minute."""
    real = engine.layout

    def layout(dot_source, fmt, engine_name=engine.DEFAULT_ENGINE, timeout=60):
        return real(dot_source, fmt, engine_name, timeout=seconds)

    monkeypatch.setattr(engine, "layout", layout)


FAILURES = {
    # mode → what the message says after "the layout engine graphviz-pure"
    "crash": r"failed \(exit status 3\): Error: the trap went off \| Error: second line",
    "signal": r"crashed \(SIGSEGV\)",
    "hang": r"did not finish within 2 s",
    "garbage": r"printed something that is not SVG \(it starts with 'Hello, I am not an image",
    "truncated": r"printed something that is not SVG",
}


@pytest.mark.parametrize("mode", list(FAILURES))
def test_an_engine_failing_on_one_chart_fails_that_procedure_only(tmp_path, trap, mode, capsys,
                                                                    monkeypatch):
    trap(None)
    code, err, reference = build(tmp_path, "reference", capsys)
    assert code == 0, err
    trap(mode)
    if mode == "hang":
        short_time_limit(monkeypatch, 2)
    code, err, made = build(tmp_path, "out", capsys)
    assert code == 1
    [line] = [l for l in err.splitlines() if "error[engine]" in l]
    assert re.fullmatch(rf".*lib/trap\.flow:1:1: error\[engine\]: the layout engine "
                        rf"graphviz-pure {FAILURES[mode]}.*", line), line
    assert re.search(r"= hint: \S", err)  # what to do, on the line under it
    # The trap procedure: no chart, so no page that shows one; its text forms are there.
    assert not [n for n in made if n.startswith("proc-3") and n.endswith(CHART_FORMATS)
                and not n.endswith(".checklist.md")]
    for suffix in TEXT_FORMATS:
        assert made[f"proc-3{suffix}"] == reference[f"proc-3{suffix}"]
    # The rest of the library: exactly what a working engine makes.
    others = {n: d for n, d in reference.items() if n.startswith(("proc-1", "proc-2"))}
    assert len(others) == 10 and {n: made.get(n) for n in others} == others
    assert "index.html" in made


def test_the_engines_harmless_warnings_are_not_failures(tmp_path, trap, capsys):
    trap(None)
    code, _, reference = build(tmp_path, "reference", capsys)
    trap("warn")
    code, err, made = build(tmp_path, "out", capsys)
    assert code == 0, err
    assert "[engine]" not in err and "Warning:" not in err
    assert made == reference


def test_a_missing_engine_is_a_diagnostic_and_the_text_forms_are_built(tmp_path, trap, capsys,
                                                                          monkeypatch):
    monkeypatch.setenv(engine.ENGINE_PATH_ENV, str(tmp_path / "no-such-engine"))
    engine._engine_version.cache_clear()
    code, err, made = build(tmp_path, "out", capsys)
    assert code == 1, err
    lines = [l for l in err.splitlines() if "error[engine]" in l]
    assert len(lines) == 3 and all("graphviz-pure" in l for l in lines)
    assert "pip install graphviz-pure" in err
    assert {f"proc-{n}{s}" for n in (1, 2, 3) for s in TEXT_FORMATS} <= set(made)
