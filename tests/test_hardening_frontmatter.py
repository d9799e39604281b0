"""Front matter: YAML that could expand, nest or grow without bound is a
``front-matter`` error at the author's line, found before anything is built
from it.

Already covered in tests/test_parse.py: scalars read as written, duplicate
keys, tags (``!!python/object``, ``!!str``, ``!custom``), a simple anchor and
a simple alias, not a mapping, unknown keys; tests/test_cli.py: YAML nested
10,000 deep in flow and in block style. Here: alias bombs, anchors and
aliases wherever YAML allows them, the exact size, depth, glossary and id
limits, and the same refusals through ``render``.
"""

from __future__ import annotations

import tracemalloc

import pytest

from conftest import TODAY_ARG, load
from flowsop.core.ids import MAX_PROCEDURE_ID
from flowsop.parse.frontmatter import MAX_BYTES, MAX_DEPTH, MAX_GLOSSARY_TERMS
from test_hardening_common import no_traceback, run_flowsop, write_files

BODY = "start: s\nstep: Do it.\nend: e\n"


def problems(yaml_text: str) -> list[tuple[int, int, str]]:
    loaded = load(f"---\n{yaml_text}---\n{BODY}")
    return [(d.line, d.column, d.message) for d in loaded.diagnostics if d.rule == "front-matter"]


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """The billion laughs in YAML: each level repeats the one before ``width``
    times; 9 levels of 9 are 9**9 = 387,420,489 strings once expanded."""
    lines = ['a0: &a0 "lol"']
    for n in range(1, levels):
        lines.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_before_it_expands():
    bomb = alias_bomb()
    assert len(bomb) < 500
    tracemalloc.start()
    try:
        found = problems(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert found == [(2, 5, "anchors (&name) are not allowed in the front matter")]
    assert peak < 5_000_000  # refused while reading events, never expanded


@pytest.mark.parametrize("yaml_text, where, word", [
    ("scope:\n  begins: &b A ticket arrives.\n  ends: *b\n", (3, 11), "anchors"),
    ("title: x\nequipment: [*nowhere]\n", (3, 13), "aliases"),
    ("? &k title\n: x\n", (2, 3), "anchors"),
    ("base: &base {title: x}\n<<: *base\n", (2, 7), "anchors"),
    ("changes:\n  - &c {version: 1.0.0, date: 2026-01-01, by: x, note: y}\n  - *c\n",
     (3, 5), "anchors"),
    ("glossary: &g\n  PSA: tool\n", (2, 11), "anchors"),
])
def test_anchors_and_aliases_are_refused_wherever_yaml_allows_them(yaml_text, where, word):
    [(line, column, message)] = problems(yaml_text)
    assert (line, column) == where and word in message


def test_the_size_limit_is_exact_and_counts_bytes():
    def yaml_of(size: int, char: str = "x") -> str:
        # "title: " + padding + "\n" is the whole YAML text the reader gets.
        return "title: " + char * (size - len("title: \n")) + "\n"

    assert problems(yaml_of(MAX_BYTES)) == []
    [(line, column, message)] = problems(yaml_of(MAX_BYTES + 1))
    assert (line, column) == (1, 1) and "larger than 64 KiB" in message
    # "é" is two bytes: half as many characters already pass the limit.
    too_big = "title: " + "é" * (MAX_BYTES // 2) + "\n"
    assert len(too_big) < MAX_BYTES and problems(too_big)[0][2].endswith("larger than 64 KiB")


def nested(depth: int, flow: bool) -> str:
    """A value nested ``depth`` levels deep in total (the top mapping is 1)."""
    if flow:
        return "title: " + "[" * (depth - 1) + "x" + "]" * (depth - 1) + "\n"
    return "".join("  " * i + f"k{i}:\n" for i in range(depth)) + "  " * depth + "x\n"


@pytest.mark.parametrize("flow", [True, False], ids=["flow", "block"])
def test_the_depth_limit_is_exact(flow):
    at_limit = [m for _, _, m in problems(nested(MAX_DEPTH, flow))]
    assert at_limit and not any("nested deeper" in m for m in at_limit)  # other problems only
    [(line, _, message)] = problems(nested(MAX_DEPTH + 1, flow))
    assert message == f"the front matter is nested deeper than {MAX_DEPTH} levels"
    assert line == (2 if flow else 2 + MAX_DEPTH)  # where the ninth level opens


def test_the_glossary_limit_is_exact():
    def glossary(n: int) -> str:
        return "glossary:\n" + "".join(f"  T{i}: term {i}\n" for i in range(n))

    assert problems(glossary(MAX_GLOSSARY_TERMS)) == []
    [(line, column, message)] = problems(glossary(MAX_GLOSSARY_TERMS + 1))
    assert (line, column) == (3, 3)
    assert message == f"the glossary has {MAX_GLOSSARY_TERMS + 1} terms; at most " \
                      f"{MAX_GLOSSARY_TERMS} are allowed"


def test_the_id_length_limit_is_exact():
    ok = load(f"---\nid: {'a' * MAX_PROCEDURE_ID}\n---\n{BODY}", default_id="stem")
    assert ok.procedure.id == "a" * MAX_PROCEDURE_ID
    long = load(f"---\nid: {'a' * (MAX_PROCEDURE_ID + 1)}\n---\n{BODY}", default_id="stem")
    assert long.procedure.id == "stem"
    assert [(d.rule, d.line, d.column) for d in long.diagnostics if d.severity.value == "error"] \
        == [("front-matter", 2, 1)]


def test_refused_front_matter_is_not_rendered_and_the_rest_of_the_library_is(tmp_path):
    write_files(tmp_path / "lib", {
        "bomb.flow": f"---\n{alias_bomb()}---\n{BODY}",
        "deep.flow": f"---\n{nested(10_000, flow=True)}---\n{BODY}",
        "big.flow": f"---\ntitle: {'x' * MAX_BYTES}\n---\n{BODY}",
        "tag.flow": f"---\ntitle: !!python/object/apply:os.system ['touch pwned']\n---\n{BODY}",
        "good.flow": "---\ntitle: Good\n---\nstart: Good starts.\nstep: Do good.\nend: Done.\n"})
    result = run_flowsop("build", "lib", "-o", "out", "--today", TODAY_ARG, cwd=tmp_path)
    no_traceback(result)
    assert result.returncode == 1
    for name in ("bomb", "deep", "big", "tag"):
        assert f"lib/{name}.flow:" in result.stderr and "error[front-matter]" in result.stderr
        assert not (tmp_path / "out" / f"{name}.html").exists()
    assert (tmp_path / "out" / "good.html").is_file()
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "lib" / "pwned").exists()
