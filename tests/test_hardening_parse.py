"""Parser limits: huge, deep, repetitive and malformed input gives a
diagnostic or a correct result, through every command, never a traceback or
a RecursionError.

Already covered elsewhere (see docs/reliability.md): ``check`` on a 1 MB
line, 10,000 branches, gotos, lanes, attributes and a 10,000-step loop, YAML
nested 10,000 deep (tests/test_cli.py, BAD_INPUT); NUL bytes and invalid
UTF-8 given to ``check`` (test_cli.py); CRLF, lone CR, BOM and tabs keeping
columns (tests/test_parse.py). Here: the same and deeper inputs through
``render`` and ``build``, under a recursion limit far below their depth, and
the results checked, not only the absence of a crash.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import DIAGRAMS, REPO, STRUCTURE_RULES, TODAY_ARG, load
from test_hardening_common import (clean_procedure, load_bench_module, no_traceback, run_flowsop,
                                   snapshot, write_files)

#: Far below the depth of the inputs (10,000), far above what flowsop needs
#: for a small file (about 120 frames): a recursion on input size fails here.
LOW_LIMIT = 300
DEPTH = 10_000
NODE_LINE = re.compile(r"(?m)^\s*(?:start|step|decide|call|end)\b[^:\n]*:")


# ------------------------------------------------------------------ no Lark cache

def test_the_grammar_is_never_loaded_from_a_lark_cache(monkeypatch):
    # cache=True makes Lark load a pickle from a predictable shared path.
    sources = sorted((REPO / "flowsop").rglob("*.py"))
    constructions = [(p, m.group(0)) for p in sources
                     for m in re.finditer(r"Lark(?:\.open\w*)?\([^)]*\)", p.read_text(), re.S)]
    assert constructions, "no Lark construction found: the grep looks in the wrong place"
    for path, call in constructions:
        assert "cache" not in call, (path, call)
    # And at run time, whatever the source looks like: with the prebuilt tables
    # (Python literals in the package) nothing is unpickled; with stale ones
    # Lark builds the tables, never from a cache.
    import pickle

    import lark

    from flowsop.parse import grammar, lalr_tables
    seen = []
    real = lark.Lark

    class Spy(real):
        def __init__(self, *args, **kwargs):
            seen.append(kwargs)
            super().__init__(*args, **kwargs)

    def no_pickle(*args, **kwargs):
        raise AssertionError("something was unpickled")

    monkeypatch.setattr(lark, "Lark", Spy)
    monkeypatch.setattr(pickle, "load", no_pickle)
    monkeypatch.setattr(pickle, "loads", no_pickle)
    grammar.lark_parser.cache_clear()
    try:
        assert load("start: s\nend: e\n").ok
        assert seen == []          # the tables came from lalr_tables.py
        monkeypatch.setattr(lalr_tables, "GRAMMAR", "stale")
        grammar.lark_parser.cache_clear()
        assert load("start: s\nend: e\n").ok
    finally:
        grammar.lark_parser.cache_clear()
    assert len(seen) == 1 and not seen[0].get("cache"), seen


# ------------------------------------------------------------------ deep and repetitive

def _front(title: str, proc_id: str) -> str:
    return (f"---\ntitle: {title}\nid: {proc_id}\nversion: 1.0.0\nowner: Deep Lead\n"
            f"created: 2026-01-01\nmodified: 2026-01-02\nreview_every: 1 year\n"
            f"purpose: Test depth.\nscope:\n  begins: {title} begins.\n  ends: {title} ends.\n---\n")


def backwards_chain(n: int, name: str) -> str:
    """n steps whose flow runs backwards through the file: every step is
    reached only through a goto, and the path from the start is n deep."""
    lines = [_front(f"Backwards chain {name}", name), f"start: The {name} chain begins.",
             f"  -> s{n - 1}"]
    for i in range(n):
        lines += [f"step s{i}: Work on link {i} of the {name} chain.",
                  f"  -> s{i - 1}" if i else "  -> done"]
    return "\n".join(lines + [f"end done: The {name} chain is done."]) + "\n"


def ladder(n: int) -> str:
    """n decisions, each the only way to the next: n nested choices."""
    lines = [_front("Decision ladder", "ladder"), "start: The ladder climb begins."]
    for i in range(n):
        lines += [f"decide d{i}: Is rung {i} of the ladder safe?",
                  f"  yes -> d{i + 1}" if i < n - 1 else "  yes -> top", "  no -> stop"]
    return "\n".join(lines + ["end top: The ladder is climbed.",
                              "end stop: The ladder climb stops."]) + "\n"


def nested_loops(n: int) -> str:
    """n decisions that each loop back to the first step: one big cycle with
    n ways around and one way out."""
    lines = [_front("Nested loops", "loops"), "start: The loop run begins.",
             "step s0: Prepare the loop run."]
    for i in range(1, n):
        lines += [f"decide d{i}: Is pass {i} of the loop run done?", "  again -> s0",
                  f"  on -> d{i + 1}" if i < n - 1 else "  on -> fin"]
    return "\n".join(lines + ["end fin: The loop run is done."]) + "\n"


def comments_between(n: int) -> str:
    """n comment lines between a decision and its branches."""
    lines = [_front("Comments between", "comments"), "start: The commented run begins.",
             "decide q: Is the commented run needed?"]
    lines += [f"  # comment {i} between a decision and its branches" for i in range(n)]
    return "\n".join(lines + ["  yes -> work", "  no -> skip", "step work: Do the commented run.",
                              "end skip: The commented run is over."]) + "\n"


def deep_library(folder: Path) -> None:
    write_files(folder, {
        "chain.flow": backwards_chain(DEPTH, "long"), "ladder.flow": ladder(DEPTH),
        "loops.flow": nested_loops(DEPTH), "comments.flow": comments_between(DEPTH),
        # small enough to be laid out: the chart and the pages too
        "short.flow": backwards_chain(1_500, "short")})


def test_deep_inputs_check_clean_without_recursion(tmp_path):
    deep_library(tmp_path / "lib")
    result = run_flowsop("check", "lib", "--format", "json", "--select", ",".join(STRUCTURE_RULES),
                         "--today", TODAY_ARG, cwd=tmp_path, recursion_limit=LOW_LIMIT)
    no_traceback(result)
    # Correct: every node reachable, every loop with a way out, nothing else.
    assert (result.returncode, json.loads(result.stdout)) == (0, [])
    broken = ladder(DEPTH).replace("  no -> stop\n", "  no -> nowhere\n", 1)
    write_files(tmp_path / "lib", {"ladder.flow": broken})
    result = run_flowsop("check", "lib/ladder.flow", "--format", "json", "--today", TODAY_ARG,
                         "--select", ",".join(STRUCTURE_RULES), cwd=tmp_path,
                         recursion_limit=LOW_LIMIT)
    assert result.returncode == 1
    assert [(d["rule"], d["line"]) for d in json.loads(result.stdout)] == [
        ("undefined-target", broken.splitlines().index("  no -> nowhere") + 1)]


@pytest.mark.slow
def test_deep_inputs_build_correctly_without_recursion(tmp_path):
    deep_library(tmp_path / "lib")
    result = run_flowsop("build", "lib", "-o", "out", "--today", TODAY_ARG,
                         "--format", "svg,html,md,csv,checklist,dot,mermaid",
                         cwd=tmp_path, recursion_limit=LOW_LIMIT)
    no_traceback(result)
    # Exit 0: no errors, so the structural rules found every node reachable
    # and every loop with a way out.
    assert result.returncode == 0, result.stderr[-3000:]
    out = tmp_path / "out"
    rows = list(csv.reader((out / "long.csv").open(encoding="utf-8")))
    assert len(rows) == 1 + DEPTH + 2
    start, last = rows[1], rows[-2]  # the start, and s9999 just before the end
    assert start[2] == "start" and "step 10000" in start[4]
    assert rows[2][0] == "1" and "The procedure ends" in rows[2][4]   # s0 leads to the end
    assert last[0] == str(DEPTH) and "step 9999" in last[4]
    assert (out / "ladder.checklist.md").read_text().count("- [ ]") >= DEPTH
    assert (out / "loops.dot").read_text().count("dir=back") == DEPTH - 1
    # The 10,000-node charts are refused as too large (a warning), not drawn;
    # the 1,500-node chart is drawn and inlined.
    assert result.stderr.count("warning[too-large]") == 3
    assert not (out / "long.svg").exists() and (out / "short.svg").exists()
    svg = ET.fromstring((out / "short.svg").read_bytes())
    nodes = [g for g in svg.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "node"]
    assert len(nodes) == 1_502
    page = (out / "short.html").read_text()
    assert "Work on link 1499 of the short chain" in page and "<svg" in page
    assert {"index.html", "index.md", "comments.html"} <= set(p.name for p in out.iterdir())


@pytest.mark.slow
def test_a_hundred_thousand_node_file_renders_without_recursion(tmp_path):
    generate = load_bench_module("generate")
    text = generate.procedure(100_000, "big")
    (tmp_path / "big.flow").write_text(text, encoding="utf-8")
    result = run_flowsop("render", "big.flow", "-o", "out", "--today", TODAY_ARG,
                         "--format", "csv", cwd=tmp_path, recursion_limit=LOW_LIMIT)
    no_traceback(result)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = list(csv.reader((tmp_path / "out" / "big.csv").open(encoding="utf-8")))
    assert len(rows) - 1 == len(NODE_LINE.findall(text)) >= 100_000


# ------------------------------------------------------------------ long lines, odd bytes

@pytest.mark.slow
def test_a_one_megabyte_line_renders_in_every_format(tmp_path):
    words = " ".join(f"word{i % 97}" for i in range(150_000))[:1_000_000]
    write_files(tmp_path, {"long.flow": clean_procedure(1).replace(
        "step c: Close request 1 in the tracker.", f"step c: {words}")})
    result = run_flowsop("render", "long.flow", "-o", "out", "--today", TODAY_ARG,
                         "--format", "svg,html,md,csv,dot", cwd=tmp_path)
    no_traceback(result)
    assert result.returncode == 0, result.stderr[-2000:]
    out = tmp_path / "out"
    limit = csv.field_size_limit(2_000_000)  # the csv module's default is 128 KiB
    try:
        [row] = [r for r in csv.reader(io.StringIO((out / "proc-1.csv").read_text()))
                 if r[3].startswith("word0")]
    finally:
        csv.field_size_limit(limit)
    assert row[3] == words
    svg = ET.fromstring((out / "proc-1.svg").read_bytes())
    drawn = " ".join(t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}text"))
    assert words in drawn  # every word, in order, wrapped over lines of the node
    assert words in (out / "proc-1.html").read_text()


@pytest.mark.parametrize("data, words", [
    (b"start: s\x00\nend: e\n", "binary file"),
    (b"start: caf\xe9\nend: e\n", "not UTF-8"),
    (b"\xef\xbb\xbfstart: s\n\xff\xfe\nend: e\n", "not UTF-8"),
])
def test_a_file_that_is_not_text_stops_render_and_build_with_exit_2(tmp_path, data, words):
    write_files(tmp_path / "lib", {"good.flow": clean_procedure(1), "bad.flow": data})
    first = run_flowsop("build", "lib", "-o", "out", "--today", TODAY_ARG, cwd=tmp_path)
    assert first.returncode == 2
    # Nothing half-done: a library that cannot be read is not built at all.
    (tmp_path / "out").mkdir(exist_ok=True)
    write_files(tmp_path / "out", {"earlier.html": "kept"})
    before = snapshot(tmp_path / "out")
    for args in (("build", "lib", "-o", "out"), ("render", "lib/bad.flow", "-o", "out"),
                 ("render", "lib/good.flow", "lib/bad.flow", "-o", "out")):
        result = run_flowsop(*args, "--today", TODAY_ARG, cwd=tmp_path)
        no_traceback(result)
        assert result.returncode == 2, (args, result.stderr)
        assert "bad.flow" in result.stderr and words in result.stderr, result.stderr
        assert snapshot(tmp_path / "out") == before


@pytest.mark.parametrize("variant", [
    pytest.param(lambda t: t.replace("\n", "\r\n"), id="crlf"),
    pytest.param(lambda t: t.replace("\n", "\r"), id="lone-cr"),
    pytest.param(lambda t: "\ufeff" + t.replace("\n", "\r\n").rstrip("\r\n"), id="bom-crlf-no-eol"),
])
def test_line_endings_and_a_bom_render_the_same_bytes(tmp_path, variant):
    source = (DIAGRAMS / "backup-verification.flow").read_text(encoding="utf-8")
    formats = "svg,html,md,csv,checklist,dot,mermaid"
    for name, text in (("lf", source), ("odd", variant(source))):
        write_files(tmp_path / name, {"backup-verification.flow": text})
        result = run_flowsop("render", f"{name}/backup-verification.flow", "-o", f"{name}/out",
                             "--format", formats, "--today", TODAY_ARG, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    lf, odd = snapshot(tmp_path / "lf" / "out"), snapshot(tmp_path / "odd" / "out")
    assert len(lf) == 7 and lf == odd


@pytest.mark.parametrize("text", ["---\ntitle: Only a title page\n---\n",
                                  "---\ntitle: Only a title page\n---",
                                  "\ufeff---\r\ntitle: Only a title page\r\n---\r\n"])
def test_a_file_that_is_only_front_matter(tmp_path, text):
    loaded = load(text, rules=list(STRUCTURE_RULES))
    assert [(d.rule, d.line, d.column) for d in loaded.diagnostics] == [
        ("missing-end", 1, 1), ("missing-start", 1, 1)]
    assert loaded.procedure.title == "Only a title page"
    write_files(tmp_path / "lib", {"title-only.flow": text, "good.flow": clean_procedure(1)})
    render = run_flowsop("render", "lib/title-only.flow", "-o", "r", "--today", TODAY_ARG,
                         cwd=tmp_path)
    no_traceback(render)
    assert render.returncode == 1
    assert not (tmp_path / "r").exists() or not list((tmp_path / "r").iterdir())
    build = run_flowsop("build", "lib", "-o", "out", "--today", TODAY_ARG, cwd=tmp_path)
    no_traceback(build)
    assert build.returncode == 1
    index = (tmp_path / "out" / "index.md").read_text()
    assert "Only a title page" in index and "missing-start" in index
    assert (tmp_path / "out" / "proc-1.html").is_file()  # the rest of the library is built
