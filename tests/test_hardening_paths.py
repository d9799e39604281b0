"""Paths: outputs never land outside the output folder whatever a procedure
says, nothing an earlier build did not write is ever removed, and links and
calls that leave the library are ``path-escape`` errors, end to end through
the command line.

The path-escape rule itself (``..``, absolute paths, symbolic links, a sibling
folder whose name starts with the root's) is tested at the API level in
tests/test_library.py; here ``check``, ``render`` and ``build`` report it and
build the rest of the library.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from conftest import TODAY_ARG
from test_hardening_common import clean_procedure, no_traceback, run_flowsop, snapshot, write_files

MANIFEST = ".flowsop-manifest.json"


def with_id(proc_id: str, n: int = 9) -> str:
    return clean_procedure(n).replace(f"id: proc-{n}\n", f"id: {proc_id}\n")


def outside(tmp_path: Path) -> dict[str, bytes]:
    """Everything under tmp_path except the output folder."""
    return {k: v for k, v in snapshot(tmp_path).items() if not k.startswith("out/")}


# ------------------------------------------------------------------ procedure ids

HOSTILE_IDS = ["../../x", "/etc/x", "..", ".", "x/y", "x\\y", "C:\\x", "~root", "x\x00y",
               "-rf", "a" * 300, "%2e%2e/x", "\u2024\u2024/x", "x:y"]


def test_hostile_ids_are_front_matter_errors_and_write_nothing_outside(tmp_path):
    files = {f"p{n}.flow": with_id(json.dumps(i), n) for n, i in enumerate(HOSTILE_IDS)}
    files["good.flow"] = clean_procedure(99)
    write_files(tmp_path / "lib", files)
    before = outside(tmp_path)
    result = run_flowsop("build", "lib", "-o", "out", "--today", TODAY_ARG, cwd=tmp_path)
    no_traceback(result)
    assert result.returncode == 1
    for n in range(len(HOSTILE_IDS)):
        assert f"lib/p{n}.flow:" in result.stderr
    assert result.stderr.count("error[front-matter]") == len(HOSTILE_IDS)
    assert outside(tmp_path) == before
    # Every name written is a plain file name in the output folder.
    written = set(snapshot(tmp_path / "out"))
    assert all("/" not in name for name in written)
    assert {"proc-99.html", "index.html"} <= written
    assert not any(re.match(r"p\d+\.|\.flowsop-tmp", name) for name in written)


def test_an_id_as_long_as_allowed_is_built(tmp_path):
    write_files(tmp_path / "lib", {"long.flow": with_id("a" * 100)})
    result = run_flowsop("build", "lib", "-o", "out", "--today", TODAY_ARG, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / f"{'a' * 100}.checklist.md").is_file()


@pytest.mark.parametrize("stem", [".hidden", "x" * 250, "2024 review"])
def test_a_file_name_that_cannot_name_outputs_is_a_diagnostic(tmp_path, stem):
    # A procedure without an id takes its file's name: one that cannot name
    # files (a dot first, too long, not an ID) is refused, the rest is built.
    write_files(tmp_path / "lib", {f"{stem}.flow": clean_procedure(1).replace("id: proc-1\n", ""),
                                   "good.flow": clean_procedure(2)})
    result = run_flowsop("build", "lib", "-o", "out", "--today", TODAY_ARG, cwd=tmp_path)
    no_traceback(result)
    assert result.returncode == 1
    assert re.search(rf"lib/{re.escape(stem)}\.flow:1:1: error\[front-matter\]", result.stderr)
    assert (tmp_path / "out" / "proc-2.html").is_file()
    assert sorted(n for n in snapshot(tmp_path / "out") if not n.startswith("proc-2")) == [
        ".flowsop-manifest.json", "index.html", "index.md"]


def _has(pattern: bytes, suffix: str) -> object:
    """A test on (name, bytes): an output ending in ``suffix`` whose text
    matches ``pattern``."""
    def test(name: str, data: bytes) -> bool:
        return name.endswith(suffix) and re.search(pattern, data, re.M) is not None
    return test


@pytest.mark.parametrize("files, expected", [
    ({"index.flow": with_id("index", 1), "b.flow": clean_procedure(2)},
     {"the SOP of 'index'": (_has(rb"<h1>Procedure 1\b", ".html"), "index.flow"),
      "the library index": (_has(rb"<h1>Procedure library\b", ".html"), None)}),
    ({"a.flow": with_id("a", 1),  # no id: it is the file's stem, "a.checklist"
      "a.checklist.flow": clean_procedure(2).replace("id: proc-2\n", "")},
     {"the SOP of a": (_has(rb"^# Procedure 1$", ".md"), "a.flow"),
      "the checklist of a": (_has(rb"^# Checklist: Procedure 1$", ".md"), "a.flow"),
      "the SOP of a.checklist": (_has(rb"^# Procedure 2$", ".md"), "a.checklist.flow")}),
], ids=["index", "checklist"])
def test_no_output_silently_overwrites_another(tmp_path, files, expected):
    write_files(tmp_path / "lib", files)
    result = run_flowsop("build", "lib", "-o", "out", "--format", "md,html,checklist",
                         "--today", TODAY_ARG, cwd=tmp_path)
    no_traceback(result)
    made = snapshot(tmp_path / "out")
    for what, (test, source) in expected.items():
        if any(test(name, data) for name, data in made.items()):
            continue
        # Not written: then an error says so, on the file it comes from.
        assert source is not None, f"{what} was lost"
        assert result.returncode == 1 and re.search(rf"lib/{re.escape(source)}:\d+:\d+: error",
                                                    result.stderr), f"{what} was lost silently"


# ------------------------------------------------------------------ the output folder

def test_a_tampered_manifest_never_removes_anything_outside(tmp_path):
    write_files(tmp_path / "lib", {"a.flow": clean_procedure(1)})
    write_files(tmp_path / "victim", {"keep.txt": "keep", "deep/keep.txt": "keep"})
    out = tmp_path / "out"
    out.mkdir()
    os.symlink(tmp_path / "victim", out / "link")
    os.symlink(tmp_path / "victim" / "keep.txt", out / "direct.md")
    names = ["../victim/keep.txt", "link/keep.txt", "link/deep/keep.txt", "/etc/hostname",
             str(tmp_path / "victim" / "keep.txt"), "direct.md/..", "./../victim/keep.txt",
             "lib/a.flow", "../lib/a.flow"]
    (out / MANIFEST).write_text(json.dumps({"files": {n: "0" * 64 for n in names}}))
    before = outside(tmp_path)
    result = run_flowsop("build", "lib", "-o", "out", "--today", TODAY_ARG, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert outside(tmp_path) == before
    assert (out / "proc-1.html").is_file()


def test_a_symbolic_link_at_an_output_name_is_replaced_not_followed(tmp_path):
    write_files(tmp_path / "lib", {"a.flow": clean_procedure(1)})
    write_files(tmp_path, {"victim.txt": "keep"})
    (tmp_path / "out").mkdir()
    os.symlink(tmp_path / "victim.txt", tmp_path / "out" / "proc-1.html")
    result = run_flowsop("build", "lib", "-o", "out", "--today", TODAY_ARG, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "victim.txt").read_text() == "keep"
    page = tmp_path / "out" / "proc-1.html"
    assert not page.is_symlink() and b"Procedure 1" in page.read_bytes()


def test_files_the_build_did_not_write_are_kept(tmp_path):
    write_files(tmp_path / "lib", {"a.flow": clean_procedure(1), "b.flow": clean_procedure(2)})
    write_files(tmp_path / "out", {"README.md": "mine", "proc-3.html": "mine too"})
    assert run_flowsop("build", "lib", "-o", "out", "--today", TODAY_ARG,
                       cwd=tmp_path).returncode == 0
    (tmp_path / "lib" / "b.flow").unlink()
    result = run_flowsop("build", "lib", "-o", "out", "--today", TODAY_ARG, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    made = snapshot(tmp_path / "out")
    assert made["README.md"] == b"mine" and made["proc-3.html"] == b"mine too"
    assert "proc-1.html" in made and not any(n.startswith("proc-2") for n in made)


# ------------------------------------------------------------------ path-escape end to end

@pytest.fixture
def escaping_library(tmp_path) -> Path:
    write_files(tmp_path, {"sops-old/x.md": "x", "secret/notes.md": "s",
                           "secret/far.flow": clean_procedure(7)})
    lib = tmp_path / "sops"
    write_files(lib, {
        "a.flow": "start: A starts.\nstep: Read the runbooks.\n"
                  "  link: ../sops-old/x.md\n  link: /etc/passwd\n  link: ../../outside.md\n"
                  "  link: notes.md\n  link: runbooks/ok.md\n  link: https://kb.example.com/x\n"
                  "call: proc-7\nend: Done.\n",
        "b.flow": clean_procedure(2), "runbooks/ok.md": "ok"})
    os.symlink(tmp_path / "secret" / "notes.md", lib / "notes.md")
    os.symlink(tmp_path / "secret" / "far.flow", lib / "far.flow")
    return lib


ESCAPES = [("path-escape", 3, 3), ("path-escape", 4, 3), ("path-escape", 5, 3),
           ("path-escape", 6, 3), ("path-escape", 9, 7)]


def test_check_reports_every_path_that_leaves_the_library(escaping_library):
    result = run_flowsop("check", "sops", "--format", "json", "--select", "path-escape",
                         cwd=escaping_library.parent)
    assert result.returncode == 1, result.stderr
    found = [(d["rule"], d["line"], d["column"]) for d in json.loads(result.stdout)
             if d["path"].endswith("a.flow")]
    assert found == ESCAPES


@pytest.mark.parametrize("command", [("build", "sops", "-o", "out"),
                                     ("render", "sops/a.flow", "sops/b.flow", "-o", "out")])
def test_render_and_build_refuse_what_leaves_and_build_the_rest(escaping_library, command):
    root = escaping_library.parent
    result = run_flowsop(*command, "--today", TODAY_ARG, cwd=root)
    no_traceback(result)
    assert result.returncode == 1
    assert [f"{line}:{col}" for _, line, col in ESCAPES] == re.findall(
        r"sops/a\.flow:(\d+:\d+): error\[path-escape\]", result.stderr)
    made = set(snapshot(root / "out"))
    assert "proc-2.html" in made and not any(n.startswith("a.") for n in made)

