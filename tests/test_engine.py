"""The layout engine runner (render/engine.py): every way an engine can fail
becomes one ``EngineError`` with a message naming the engine and a hint.

Failures are played by a stand-in engine (tests/fixtures/render/fake_engine.py)
that ``FLOWSOP_ENGINE_PATH`` points to; the real graphviz-pure runs the rest.
"""

from __future__ import annotations

import stat
import sys
import time

import pytest

from conftest import FIXTURES
from flowsop.render import engine
from flowsop.render.engine import EngineError, layout, layout_many

FAKE = FIXTURES / "render" / "fake_engine.py"
TINY = 'digraph { a [label="Müller & Söhne"]; a -> b }'


@pytest.fixture
def fake(tmp_path, monkeypatch):
    """Point flowsop at the stand-in engine; returns a function setting its mode."""
    launcher = tmp_path / "fake-engine"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{FAKE}" "$@"\n')
    launcher.chmod(launcher.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv(engine.ENGINE_PATH_ENV, str(launcher))
    engine._engine_version.cache_clear()

    def mode(name: str) -> None:
        monkeypatch.setenv("FAKE_ENGINE_MODE", name)

    mode("ok")
    yield mode
    engine._engine_version.cache_clear()


# ------------------------------------------------------------------ failures

def test_missing_engine_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv(engine.ENGINE_PATH_ENV, str(tmp_path / "no-such-engine"))
    with pytest.raises(EngineError) as err:
        layout(TINY, "svg")
    assert "graphviz-pure" in err.value.message and "could not be started" in err.value.message
    assert "pip install graphviz-pure" in err.value.hint and "--engine dot" in err.value.hint


def test_missing_system_dot_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.delenv(engine.ENGINE_PATH_ENV, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no dot anywhere
    with pytest.raises(EngineError) as err:
        layout(TINY, "svg", engine="dot")
    assert err.value.message == "the layout engine dot is not installed"
    assert "graphviz.org" in err.value.hint


def test_unknown_engine_and_format():
    with pytest.raises(EngineError, match="unknown layout engine 'neato'"):
        layout(TINY, "svg", engine="neato")
    with pytest.raises(EngineError, match="unknown chart format 'gif'"):
        layout(TINY, "gif")


def test_pdf_needs_a_system_graphviz():
    with pytest.raises(EngineError) as err:
        layout(TINY, "pdf")
    assert "cannot write PDF" in err.value.message and "--engine dot" in err.value.hint


def test_crash_quotes_the_first_lines_of_stderr(fake):
    fake("crash")
    with pytest.raises(EngineError) as err:
        layout(TINY, "svg")
    message = err.value.message
    assert "failed (exit status 3)" in message
    assert "line 1 of the engine's complaint" in message
    assert f"line {engine.STDERR_LINES} of" in message
    assert f"line {engine.STDERR_LINES + 1} of" not in message


def test_crash_by_signal_is_named(fake):
    fake("signal")
    with pytest.raises(EngineError, match=r"crashed \(SIGSEGV\)"):
        layout(TINY, "svg")


def test_hang_is_stopped_by_the_timeout(fake):
    fake("hang")
    began = time.monotonic()
    with pytest.raises(EngineError) as err:
        layout(TINY, "svg", timeout=1)
    assert time.monotonic() - began < 10
    assert "did not finish within 1 s" in err.value.message
    assert "call" in err.value.hint


@pytest.mark.parametrize("mode, fmt", [("garbage", "svg"), ("garbage", "png"),
                                       ("truncated", "svg"), ("ok", "json")])
def test_garbage_is_refused(fake, mode, fmt):
    fake(mode)
    with pytest.raises(EngineError, match=f"printed something that is not {fmt.upper()}"):
        layout(TINY, fmt)


def test_harmless_warnings_are_not_failures(fake):
    out = layout(TINY, "svg")
    assert out.startswith(b"<?xml") and f"<!-- {len(TINY)} -->".encode() in out
    assert layout(TINY, "png").startswith(b"\x89PNG")
    assert layout(TINY, "pdf", engine="dot").startswith(b"%PDF-")


def test_engine_error_reads_as_one_line():
    assert str(EngineError("it broke", "fix it")) == "it broke (fix it)"
    assert str(EngineError("it broke")) == "it broke"


# ------------------------------------------------------------------ the real engine

def test_real_engine_writes_svg_png_and_json_despite_its_warnings():
    svg = layout(TINY, "svg")
    assert svg.startswith(b"<?xml") and svg.rstrip().endswith(b"</svg>")
    assert "Müller &amp; Söhne".encode() in svg
    assert layout(TINY, "png").startswith(b"\x89PNG\r\n\x1a\n")
    assert layout(TINY, "json").lstrip().startswith(b"{")


def test_real_engine_syntax_error_is_a_crash_with_its_message():
    with pytest.raises(EngineError) as err:
        layout("digraph { a -> }", "svg")
    assert "exit status 1" in err.value.message and "syntax error" in err.value.message


def test_real_engine_is_deterministic():
    assert layout(TINY, "svg") == layout(TINY, "svg")
    assert layout(TINY, "png") == layout(TINY, "png")


def test_engine_found_beside_python_then_on_path(monkeypatch):
    monkeypatch.delenv(engine.ENGINE_PATH_ENV, raising=False)
    found = engine.find_engine("graphviz-pure")
    assert found.endswith("graphviz-pure") or found.endswith("graphviz-pure.exe")


def test_engine_version(fake, monkeypatch):
    assert engine.engine_version() == "fake-engine - graphviz version 0.0.1 (test)"
    monkeypatch.delenv(engine.ENGINE_PATH_ENV)
    assert "0.2.2" in engine.engine_version("graphviz-pure")


def test_layout_many_keeps_order_and_isolates_failures():
    jobs = [(TINY, "svg"), ("digraph { a -> }", "svg"), (TINY, "png"), (TINY, "pdf")]
    out = layout_many(jobs, "graphviz-pure", max_workers=2)
    assert out[0].startswith(b"<?xml") and out[2].startswith(b"\x89PNG")
    assert isinstance(out[1], EngineError) and "syntax error" in out[1].message
    assert isinstance(out[3], EngineError) and "PDF" in out[3].message
    assert layout_many([], "graphviz-pure") == []


def test_layout_many_runs_in_parallel(fake):
    fake("hang")
    began = time.monotonic()
    out = layout_many([(TINY, "svg")] * 2, "graphviz-pure", max_workers=2, timeout=2)
    assert all(isinstance(o, EngineError) for o in out)
    assert time.monotonic() - began < 3.5  # two 2 s timeouts side by side, not in a row
