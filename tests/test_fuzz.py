"""Fuzzing in CI, with a modest budget: the generators and oracles of the long
run (bench/fuzz_long.py, whose figures are in docs/reliability.md) under
hypothesis, which picks the random choices and shrinks a failure to a small
input.

Each case: programs built from the grammar's line shapes (front matter,
lanes, statements with IDs, branches, gotos, attributes, comments, hostile
text), valid procedures, and the examples of ``diagrams/`` mutated at the
byte and line level, as bytes. Through decode → parse → graph → every
procedure rule → the outline reader → (when clean) the text forms; no
exception, every diagnostic inside the file, every output parses and
carries no markup, script, formula or unsafe link of the author's. A few
cases go on through the real layout engine. The long run adds the deadline
(a hang) and the numbers.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_hardening_common import load_bench_module

FUZZ = load_bench_module("fuzz_long")
EXAMPLES = FUZZ.example_texts()
#: About 200 cases in all (120 programs, 80 mutations), and 15 through the engine.
def budget(examples: int):
    return settings(max_examples=examples, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@budget(120)
@given(st.randoms(use_true_random=False), st.booleans())
def test_programs_from_the_grammar(rng, valid):
    FUZZ.run_check_case(FUZZ.program(rng, valid=valid).encode("utf-8"))


@budget(80)
@given(st.randoms(use_true_random=False), st.sampled_from(range(len(EXAMPLES))))
def test_mutated_examples(rng, which):
    FUZZ.run_check_case(FUZZ.mutate(rng, EXAMPLES[which]))


@budget(15)
@given(st.randoms(use_true_random=False))
def test_valid_programs_through_the_layout_engine(rng):
    FUZZ.run_render_case(FUZZ.render_input(rng))


def test_the_generators_make_what_they_promise():
    # Without this, a generator that drifted (every "valid" program an error,
    # mutations that never reach the parser) would make the tests above vacuous.
    from flowsop.api import load_text
    rng = random.Random(7)
    valid = [load_text(FUZZ.program(rng, valid=True), "v.flow") for _ in range(40)]
    # Valid but for the unsafe links they carry on purpose (one in ten links).
    errors = {d.rule for v in valid for d in v.diagnostics if d.severity.value == "error"}
    assert errors <= {"unsafe-link"} and sum(v.ok for v in valid) >= 15
    # Rendering cases have safe links only: every one is rendered.
    assert all(load_text(FUZZ.render_input(random.Random(n)), "r.flow").ok for n in range(20))
    made = [FUZZ.check_input(random.Random(f"1:check:{i}"), EXAMPLES) for i in range(150)]
    kinds = {origin for origin, _ in made}
    assert kinds == {"generated", "valid", "mutated"}
    figures = [FUZZ.run_check_case(data) for _, data in made]
    assert sum(f.get("source_error", 0) for f in figures) >= 3      # bytes that are not text
    assert sum(f.get("clean", 0) for f in figures) >= 25            # and clean procedures
    assert sum(f.get("text_forms_checked", 0) for f in figures) >= 25


# ------------------------------------------------------------------ the oracles can fail

def test_the_oracles_catch_what_they_look_for():
    from flowsop.diagnostics import Diagnostic, Severity, Span
    with pytest.raises(FUZZ.Failure, match="line outside"):
        FUZZ.check_diagnostics("a\nb", [Diagnostic("x", Span(3, 1), Severity.ERROR, "syntax", "m")])
    with pytest.raises(FUZZ.Failure, match="column outside"):
        FUZZ.check_diagnostics("a\nb", [Diagnostic("x", Span(2, 3), Severity.ERROR, "syntax", "m")])
    for page, what in (("<p><b>x</p></b>", "closes"), ("<div>", "unclosed"),
                       ("<p onclick=x>", "onclick"), ("<script>x</script>", "forbidden"),
                       ('<a href="java&#x09;script:x">', "unsafe")):
        with pytest.raises(FUZZ.Failure, match=what):
            FUZZ.check_html(page)
    with pytest.raises(FUZZ.Failure, match="forbidden"):
        FUZZ.check_svg('<svg xmlns="http://www.w3.org/2000/svg"><foreignObject/></svg>')
    with pytest.raises(FUZZ.Failure, match="spreadsheet"):
        FUZZ.check_csv("a,b\n1,=cmd\n")
    with pytest.raises(FUZZ.Failure, match="quotes"):
        FUZZ.check_mermaid('  n0["a"b"]')


def test_the_long_run_reports_hangs_and_exceptions(monkeypatch):
    import time

    def hang(data, text_forms=True):
        time.sleep(30)

    monkeypatch.setattr(FUZZ, "run_check_case", hang)
    stats = FUZZ.run_batch((1, "check", 0, 1, 1))
    assert [f[2] for f in stats["failures"]] == ["hang"]

    def explode(data, text_forms=True):
        raise KeyError("boom")

    monkeypatch.setattr(FUZZ, "run_check_case", explode)
    stats = FUZZ.run_batch((1, "check", 0, 2, 5))
    assert [f[2] for f in stats["failures"]] == ["exception", "exception"]
    assert "KeyError: 'boom'" in stats["failures"][0][3]
