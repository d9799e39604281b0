"""The command line: formats, exit codes, options, and bad input.

Most tests call ``flowsop.cli.main`` in-process (fast); a few run the installed
``flowsop`` script as a user would, from a folder outside the repository.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DIAGRAMS, FRONT, REPO, STRUCTURE_RULES, TODAY_ARG
from flowsop.cli import build_parser, main

FLOWSOP = Path(sys.executable).parent / "flowsop"
ANSI = re.compile(r"\x1b\[")
HEADLINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning)"
                      r"\[(?P<rule>[a-z-]+)\]: (?P<message>.+)$")

# Files in one folder are checked as one library: each sample is its own
# procedure (title, scope, trigger, steps), so that library rules about
# procedures that overlap stay out of tests about the command itself.
def front(title: str, begins: str, ends: str) -> str:
    return (FRONT.replace("A test procedure", title).replace("A test starts.", begins)
            .replace("The test ends.", ends))


CLEAN = (front("Log a phone call", "A client phones the service desk.", "The call is logged.")
         + "start: A client phones the service desk.\nstep: Log the call in the ticket system.\n"
           "end: The call is logged.\n")
BROKEN_BODY = ("start: A printer driver install fails on a laptop.\n\tstpe: Reinstall the driver.\n"
               "end: The printer works again.\n")
BROKEN = front("Fix a printer driver", "A printer driver install fails on a laptop.",
               "The printer works again.") + BROKEN_BODY
WARNS = "start: Monitoring flags a full disk.\nend: The disk alert is cleared.\n"  # missing-metadata only

def run(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([*argv])
    out, err = capsys.readouterr()
    return code, out, err


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def cwd(outside_cwd):
    return outside_cwd


# ------------------------------------------------------------------ text format

def test_text_format_with_source_line_and_caret(cwd, capsys):
    write(cwd, "call.flow", BROKEN)
    code, out, err = run(capsys, "check", "call.flow", "--today", TODAY_ARG)
    assert code == 1
    lines = out.splitlines()
    head = HEADLINE.match(lines[0])
    assert head, lines[0]
    assert head["path"] == "call.flow" and head["severity"] == "error" and head["rule"] == "syntax"
    line, col = int(head["line"]), int(head["col"])
    assert (line, col) == (FRONT.count("\n") + 2, 2)
    source, caret = lines[1], lines[2]
    assert source.endswith("stpe: Reinstall the driver.")
    # The caret sits under the column's character, whatever the prefix.
    assert source[caret.index("^")] == "s"
    assert "hint: did you mean 'step'?" in lines[3]
    assert "1 procedure checked: 1 error, 0 warnings" in err


def test_caret_on_a_very_long_line_shows_a_window(cwd, capsys):
    write(cwd, "long.flow", "start: s\nstep: " + "x" * 1_000_000 + "\n  -> nowhere\nend: e\n")
    code, out, _ = run(capsys, "check", "long.flow", "--select", "undefined-target")
    assert code == 1
    assert max(map(len, out.splitlines())) < 400


def test_clean_file_prints_nothing_on_stdout(cwd, capsys):
    write(cwd, "ok.flow", CLEAN)
    code, out, err = run(capsys, "check", "ok.flow", "--today", TODAY_ARG)
    assert (code, out) == (0, "")
    assert "0 errors, 0 warnings" in err


# ------------------------------------------------------------------ JSON

def test_json_is_one_array_with_exactly_the_keys(cwd, capsys):
    write(cwd, "a.flow", BROKEN)
    write(cwd, "b.flow", WARNS)
    code, out, _ = run(capsys, "check", "a.flow", "b.flow", "--format", "json",
                       "--today", TODAY_ARG)
    assert code == 1
    data = json.loads(out)
    assert isinstance(data, list) and len(data) == 2
    required = {"path", "line", "column", "severity", "rule", "message"}
    for item in data:
        assert required <= set(item) <= required | {"hint"}
        assert isinstance(item["line"], int) and isinstance(item["column"], int)
        assert item["severity"] in ("error", "warning")
    assert [(d["path"], d["rule"], d["severity"]) for d in data] == [
        ("a.flow", "syntax", "error"), ("b.flow", "missing-metadata", "warning")]


def test_json_path_inside_a_folder_is_the_folder_joined_with_the_relative_path(cwd, capsys):
    write(cwd, "lib/ops/sub/deep.flow", WARNS.replace("full disk", "failed fan"))
    write(cwd, "lib/top.flow", WARNS)
    write(cwd, "lib/notes.txt", "not a procedure")
    for given in ("lib", "lib/", "./lib"):
        code, out, _ = run(capsys, "check", given, "--format", "json", "--today", TODAY_ARG)
        paths = {d["path"] for d in json.loads(out)}
        assert paths == {os.path.join(given, "ops/sub/deep.flow"),
                         os.path.join(given, "top.flow")}, given


def test_json_path_is_the_path_as_given(cwd, capsys):
    write(cwd, "lib/top.flow", WARNS)
    code, out, _ = run(capsys, "check", "./lib/top.flow", "--format", "json")
    assert json.loads(out)[0]["path"] == "./lib/top.flow"


def test_json_of_a_clean_file_is_an_empty_array(cwd, capsys):
    write(cwd, "ok.flow", CLEAN)
    code, out, err = run(capsys, "check", "ok.flow", "--format", "json", "--today", TODAY_ARG)
    assert (code, json.loads(out)) == (0, [])


# ------------------------------------------------------------------ exit codes and options

def test_exit_codes_and_strict(cwd, capsys):
    write(cwd, "ok.flow", CLEAN)
    write(cwd, "warn.flow", WARNS)
    write(cwd, "bad.flow", BROKEN)
    assert run(capsys, "check", "ok.flow", "--today", TODAY_ARG)[0] == 0
    assert run(capsys, "check", "warn.flow")[0] == 0
    assert run(capsys, "check", "warn.flow", "--strict")[0] == 1
    assert run(capsys, "check", "bad.flow")[0] == 1
    assert run(capsys, "check", "missing.flow")[0] == 2
    # --strict changes the exit status only: the JSON severity stays.
    code, out, _ = run(capsys, "check", "warn.flow", "--strict", "--format", "json")
    assert code == 1 and [d["severity"] for d in json.loads(out)] == ["warning"]


def test_select_and_ignore(cwd, capsys):
    write(cwd, "both.flow", BROKEN_BODY)   # syntax + missing-metadata
    _, out, _ = run(capsys, "check", "both.flow", "--format", "json", "--select", "syntax")
    assert {d["rule"] for d in json.loads(out)} == {"syntax"}
    _, out, _ = run(capsys, "check", "both.flow", "--format", "json", "--ignore", "syntax")
    assert {d["rule"] for d in json.loads(out)} == {"missing-metadata"}
    code, out, _ = run(capsys, "check", "both.flow", "--format", "json",
                       "--select", "syntax,missing-metadata", "--ignore", "syntax")
    assert code == 0 and {d["rule"] for d in json.loads(out)} == {"missing-metadata"}


@pytest.mark.parametrize("option", ["--select", "--ignore"])
def test_unknown_rule_is_a_usage_error_with_did_you_mean(cwd, capsys, option):
    write(cwd, "ok.flow", CLEAN)
    code, out, err = run(capsys, "check", "ok.flow", option, "dead_end")
    assert code == 2 and "dead_end" in err and "did you mean 'dead-end'" in err


def test_bad_today_is_a_usage_error(cwd, capsys):
    write(cwd, "ok.flow", CLEAN)
    code, _, err = run(capsys, "check", "ok.flow", "--today", "26/11/2026")
    assert code == 2 and "--today" in err


def test_stdin(cwd, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(BROKEN.encode())))
    code, out, _ = run(capsys, "check", "-", "--format", "json")
    assert code == 1 and json.loads(out)[0]["path"] == "<stdin>"
    assert json.loads(out)[0]["rule"] == "syntax"


@pytest.mark.parametrize("data, reason", [(b"start: s\n\xff\xfe\nend: e\n", "UTF-8"),
                                          (b"start: s\x00\x01\x02", "binary")])
def test_stdin_that_is_not_text_is_an_io_error(cwd, capsys, monkeypatch, data, reason):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, _, err = run(capsys, "check", "-")
    assert code == 2 and "<stdin>" in err and reason in err and "Traceback" not in err


def test_no_colour_when_piped_or_no_color(cwd, capsys, monkeypatch):
    write(cwd, "bad.flow", BROKEN)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert not ANSI.search(run(capsys, "check", "bad.flow")[1])        # not a terminal
    capsys.readouterr()
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert ANSI.search(run(capsys, "check", "bad.flow")[1])            # a terminal: colour
    monkeypatch.setenv("NO_COLOR", "1")
    assert not ANSI.search(run(capsys, "check", "bad.flow")[1])        # NO_COLOR wins


# ------------------------------------------------------------------ I/O errors

@pytest.mark.parametrize("name, content, words", [
    ("missing.flow", None, "no such file"),
    ("empty-folder", "folder", "no .flow"),
    ("bin.flow", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    ("latin1.flow", "start: Café\nend: e\n".encode("latin-1"), "UTF-8"),
    ("nul.flow", b"start: s\nend: e\x00\n", "binary"),
])
def test_unreadable_input_is_exit_2_naming_the_path(cwd, capsys, name, content, words):
    if content == "folder":
        (cwd / name).mkdir()
        write(cwd, f"{name}/readme.md", "no procedures here")
    elif content is not None:
        write(cwd, name, content)
    code, out, err = run(capsys, "check", name)
    assert code == 2
    assert name in err and words in err
    assert "Traceback" not in err and out == ""


def test_one_unreadable_file_among_good_ones_still_exits_2(cwd, capsys):
    write(cwd, "ok.flow", CLEAN)
    write(cwd, "bin.flow", b"\x00\x01")
    assert run(capsys, "check", "ok.flow", "bin.flow")[0] == 2


# ------------------------------------------------------------------ internal errors

def _explode(*args, **kwargs):
    raise RuntimeError("boom")


@pytest.fixture
def broken_rule(monkeypatch):
    """A rule that raises: a bug in flowsop, not in the author's file."""
    from dataclasses import replace

    from flowsop.checks import RULES

    monkeypatch.setitem(RULES, "dead-end", replace(RULES["dead-end"], check=_explode))


def test_internal_error_is_exit_3_with_one_line(cwd, capsys, broken_rule):
    write(cwd, "ok.flow", CLEAN)
    code, out, err = run(capsys, "check", "ok.flow")
    assert code == 3
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "report" in lines[0] and "boom" in lines[0]
    assert "Traceback" not in err


def test_internal_error_traceback_with_debug(cwd, capsys, broken_rule):
    write(cwd, "ok.flow", CLEAN)
    code, _, err = run(capsys, "check", "ok.flow", "--debug")
    assert code == 3 and "Traceback" in err and "RuntimeError: boom" in err


# ------------------------------------------------------------------ rules, version, help

def test_rules_lists_every_rule_with_its_summary(capsys):
    from flowsop.checks import RULES

    code, out, _ = run(capsys, "rules")
    assert code == 0
    listed = {line.split()[0]: line for line in out.splitlines()}
    assert set(listed) == set(RULES)
    for name, rule in RULES.items():
        assert rule.severity.value in listed[name] and rule.summary in listed[name]


def test_rules_name_prints_the_doc(capsys):
    from flowsop.checks import DOC_SECTIONS

    code, out, _ = run(capsys, "rules", "no-exit")
    assert code == 0 and out.startswith("no-exit (error)")
    assert all(f"{section}:" in out for section in DOC_SECTIONS)


def test_rules_unknown_name(capsys):
    code, _, err = run(capsys, "rules", "no_exit")
    assert code == 2 and "did you mean 'no-exit'" in err


def test_version(capsys):
    from flowsop import __version__

    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0
    assert capsys.readouterr().out.strip() == f"flowsop {__version__}"


def subcommands() -> list[str]:
    import argparse

    actions = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return sorted(actions[0].choices)


@pytest.mark.parametrize("command", subcommands())
def test_every_command_help_has_an_example(capsys, command):
    with pytest.raises(SystemExit) as e:
        main([command, "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert re.search(rf"^Example: flowsop {command}\b", out, re.M), out


def test_no_command_is_a_usage_error(capsys):
    assert main([]) == 2


# ------------------------------------------------------------------ new

def test_new_writes_a_template_that_passes_check(cwd, capsys):
    code, _, err = run(capsys, "new", "verify-backup")
    assert code == 0 and "verify-backup.flow" in err
    path = cwd / "verify-backup.flow"
    assert path.is_file()
    assert run(capsys, "check", "verify-backup.flow", "--strict")[0] == 0
    text = path.read_text(encoding="utf-8")
    assert "id: verify-backup" in text


def test_new_with_output_folder(cwd, capsys):
    assert run(capsys, "new", "onboard", "-o", "procs/new")[0] == 0
    assert (cwd / "procs/new/onboard.flow").is_file()
    assert run(capsys, "check", "procs/new", "--strict")[0] == 0


def test_new_refuses_to_overwrite(cwd, capsys):
    write(cwd, "mine.flow", "start: my own work\n")
    code, _, err = run(capsys, "new", "mine")
    assert code == 2 and "mine.flow" in err and "exists" in err
    assert (cwd / "mine.flow").read_text() == "start: my own work\n"


def test_new_refuses_a_bad_id(cwd, capsys):
    code, _, err = run(capsys, "new", "not an id")
    assert code == 2 and not list(cwd.iterdir())


# ------------------------------------------------------------------ bad input

BAD_INPUT = {
    "empty": ("", 1, {"missing-start", "missing-end"}),
    "only-newlines": ("\n" * 10_000, 1, {"missing-start", "missing-end"}),
    "front-matter-list": ("---\n- a\n- b\n---\nstart: s\nend: e\n", 1, {"front-matter"}),
    "python-tag": ("---\ntitle: !!python/object/apply:os.system ['touch pwned']\n---\n"
                   "start: s\nend: e\n", 1, {"front-matter"}),
    "million-char-line": ("start: " + "x" * 1_000_000 + "\nend: e\n", 0, set()),
    "million-char-bad-line": ("start: s\n" + "?" * 1_000_000 + "\nend: e\n", 1, {"syntax"}),
    "deep-yaml": ("---\ntitle: " + "[" * 10_000 + "]" * 10_000 + "\n---\nstart: s\nend: e\n",
                  1, {"front-matter"}),
    "deep-yaml-mapping": ("---\n" + "".join(" " * i + f"k{i}:\n" for i in range(2000))
                          + "---\nstart: s\nend: e\n", 1, {"front-matter"}),
    "many-branches": ("start: s\ndecide d: q\n" + "".join(f"  a{i} -> e\n" for i in range(10_000))
                      + "end e: e\n", 0, set()),
    "many-gotos": ("start: s\nstep: a\n" + "  -> e\n" * 10_000 + "end e: e\n", 1, {"syntax"}),
    "many-lanes": ("lane A\n" * 10_000 + "start: s\nend: e\n", 0, set()),
    "many-attributes": ("start: s\n" + "  note: n\n" * 10_000 + "end: e\n", 0, set()),
    "long-loop": ("start: s\n" + "".join(f"step s{i}: x\n" for i in range(10_000))
                  + "  -> s0\nend: e\n", 1, {"no-exit", "unreachable"}),
    "arrows-only": ("->->->->\n" * 10_000, 1, {"syntax", "missing-start", "missing-end"}),
}


@pytest.mark.parametrize("name", list(BAD_INPUT))
def test_bad_input_gives_diagnostics_not_tracebacks(cwd, capsys, name):
    text, exit_code, rules = BAD_INPUT[name]
    write(cwd, f"{name}.flow", text)
    # Every rule runs on it without a traceback ...
    code, out, err = run(capsys, "check", f"{name}.flow", "--format", "json")
    assert code in (0, 1) and "Traceback" not in err and isinstance(json.loads(out), list)
    # ... and the structural rules say exactly what is wrong.
    code, out, err = run(capsys, "check", f"{name}.flow", "--format", "json",
                         "--select", ",".join(STRUCTURE_RULES))
    assert code == exit_code, err
    assert {d["rule"] for d in json.loads(out)} == rules


# ------------------------------------------------------------------ as a user runs it

def flowsop(*args: str, cwd: Path, stdin: bytes | None = None, env: dict | None = None):
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "PYTHONPATH")}
    environ.update(env or {})
    return subprocess.run([str(FLOWSOP), *args], cwd=cwd, input=stdin, capture_output=True,
                          env=environ, timeout=60)


@pytest.mark.skipif(not FLOWSOP.exists(), reason="the flowsop script is not installed")
def test_the_installed_command_from_outside_the_repository(tmp_path):
    assert not str(tmp_path).startswith(str(REPO))
    # dispatch-onsite calls order-parts: the library needs both.
    for name in ("dispatch-onsite.flow", "order-parts.flow"):
        shutil.copy(DIAGRAMS / name, tmp_path / name)
    write(tmp_path, "bad.flow", BROKEN)
    ok = flowsop("check", "dispatch-onsite.flow", "--today", TODAY_ARG, cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    bad = flowsop("check", "bad.flow", cwd=tmp_path, env={"TERM": "xterm-256color"})
    assert bad.returncode == 1
    assert not ANSI.search(bad.stdout.decode()) and not ANSI.search(bad.stderr.decode())
    assert HEADLINE.match(bad.stdout.decode().splitlines()[0])
    piped = flowsop("check", "-", "--format", "json", cwd=tmp_path, stdin=BROKEN.encode())
    assert piped.returncode == 1 and json.loads(piped.stdout)[0]["path"] == "<stdin>"
    missing = flowsop("check", "nope.flow", cwd=tmp_path)
    assert missing.returncode == 2 and b"nope.flow" in missing.stderr
    assert b"Traceback" not in missing.stderr
    version = flowsop("--version", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith(b"flowsop ")


@pytest.mark.skipif(not FLOWSOP.exists(), reason="the flowsop script is not installed")
def test_the_installed_command_on_the_examples(tmp_path):
    shutil.copytree(DIAGRAMS, tmp_path / "diagrams")
    result = flowsop("check", "diagrams", "--strict", "--today", TODAY_ARG, cwd=tmp_path)
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()
