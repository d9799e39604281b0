"""Incremental builds: ``flowsop build`` does only the work its changes need.

A stand-in layout engine (tests/fixtures/render/fake_engine.py behind a
wrapper that counts its runs) shows how many charts each rebuild lays out.
"""

from __future__ import annotations

import json
import stat
import sys

import pytest

from conftest import FIXTURES, TODAY
from flowsop.project.build import MANIFEST, BuildOptions
from flowsop.project.incremental import build_library

FAKE = FIXTURES / "render" / "fake_engine.py"


def procedure(pid: str, title: str, calls: str | None = None, step: str = "Do the work.") -> str:
    call = f"call: {calls}\n" if calls else ""
    return (f"---\ntitle: {title}\nid: {pid}\nversion: 1.0.0\nowner: Lead\n"
            f"created: 2026-01-01\nmodified: 2026-06-01\nreview_every: 1 year\n"
            f"purpose: Test {pid}.\nscope:\n  begins: Event {pid} happens.\n"
            f"  ends: Event {pid} is handled.\n---\n"
            f"start: Event {pid} happens.\nstep: {step}\n{call}end: Event {pid} is handled.\n")


@pytest.fixture
def library(tmp_path, monkeypatch):
    counter = tmp_path / "runs"
    counter.write_text("")
    engine = tmp_path / "engine"
    engine.write_text(f"#!/bin/sh\ncase \"$1\" in -V) ;; *) echo x >> {counter} ;; esac\n"
                      f"exec {sys.executable} {FAKE} \"$@\"\n")
    engine.chmod(engine.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("FLOWSOP_ENGINE_PATH", str(engine))
    src = tmp_path / "lib"
    src.mkdir()
    (src / "alpha.flow").write_text(procedure("alpha", "Alpha work", calls="beta"))
    (src / "beta.flow").write_text(procedure("beta", "Beta work"))
    (src / "gamma.flow").write_text(procedure("gamma", "Gamma work"))
    (src / "delta.flow").write_text(procedure("delta", "Delta work"))
    out = tmp_path / "out"

    class Lib:
        folder, output = src, out

        @staticmethod
        def runs() -> int:
            return len(counter.read_text().splitlines())

        @staticmethod
        def build(**kw):
            before = Lib.runs()
            options = BuildOptions(out=out, today=TODAY, **kw)
            result = build_library(str(src), options)
            result.engine_runs = Lib.runs() - before
            return result

    return Lib


def test_first_build_lays_out_every_chart(library):
    result = library.build()
    assert result.engine_runs == 4
    assert sorted(result.rendered) == ["alpha", "beta", "delta", "gamma"]
    assert (library.output / MANIFEST).is_file()


def test_noop_rebuild_runs_no_engine_and_writes_nothing(library):
    library.build()
    stamps = {p.name: p.stat().st_mtime_ns for p in library.output.iterdir()}
    result = library.build()
    assert result.engine_runs == 0
    assert result.written == [] and result.rendered == []
    assert {p.name: p.stat().st_mtime_ns for p in library.output.iterdir()} == stamps


def test_one_changed_file_lays_out_one_chart(library):
    library.build()
    (library.folder / "gamma.flow").write_text(procedure("gamma", "Gamma work",
                                                         step="Do the other work."))
    result = library.build()
    assert result.engine_runs == 1
    assert result.rendered == ["gamma"]
    assert "gamma.svg" in result.written and "index.html" not in result.written
    assert not any(name.startswith(("alpha.", "beta.", "delta.")) for name in result.written)


def test_callee_title_change_rewrites_the_callers_pages_only(library):
    library.build()
    (library.folder / "beta.flow").write_text(procedure("beta", "Beta work, renamed"))
    result = library.build()
    assert sorted(result.rendered) == ["alpha", "beta"]
    assert "alpha.html" in result.written  # the call names its callee by title
    assert "Beta work, renamed" in (library.output / "alpha.md").read_text()
    # beta changed, and alpha's chart names beta by title: two charts, no others.
    assert result.engine_runs == 2
    assert not any(name.startswith(("gamma.", "delta.")) for name in result.written)
    assert "index.html" in result.written


def test_template_change_rerenders_every_page_without_layout(library, monkeypatch):
    library.build()
    import flowsop.project.incremental as inc
    monkeypatch.setattr(inc, "templates_digest", lambda: "a different template set")
    result = library.build()
    assert sorted(result.rendered) == ["alpha", "beta", "delta", "gamma"]
    assert result.engine_runs == 0


def test_removed_procedure_loses_its_outputs_and_nothing_else(library):
    library.build()
    keep = library.output / "notes.txt"
    keep.write_text("mine")
    (library.folder / "delta.flow").unlink()
    result = library.build()
    assert "delta.svg" in result.removed
    assert not (library.output / "delta.html").exists()
    assert keep.read_text() == "mine"  # never written by a build: never removed
    manifest = json.loads((library.output / MANIFEST).read_text())
    assert not any(name.startswith("delta.") for name in manifest["files"])


def test_cached_diagnostics_stay_in_the_report_and_index(library):
    (library.folder / "gamma.flow").write_text(
        procedure("gamma", "Gamma work").replace("step: Do the work.\n",
                                                 "step: Do the work.\n  duration: soon\n"))
    first = library.build()
    again = library.build()
    rules = lambda r: sorted((d.path, d.rule, d.line) for d in r.diagnostics)  # noqa: E731
    assert any(d.rule == "invalid-duration" for d in first.diagnostics)
    assert rules(again) == rules(first)
    assert "invalid-duration" in (library.output / "index.md").read_text()


def test_check_only_reports_stale_outputs_and_writes_nothing(library):
    library.build()
    (library.folder / "gamma.flow").write_text(procedure("gamma", "Gamma work", step="Redo."))
    stamps = {p.name: p.stat().st_mtime_ns for p in library.output.iterdir()}
    result = library.build(check_only=True)
    assert "gamma.html" in result.stale
    assert {p.name: p.stat().st_mtime_ns for p in library.output.iterdir()} == stamps
