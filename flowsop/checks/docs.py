"""The rules' reference page, generated from the registry.

Sits beside the check stage and reads only ``RULES``: each rule's docstring is
its documentation, so ``docs/checks.md`` is written from it and never by hand:

    python -m flowsop.checks.docs > docs/checks.md

A test fails when the committed page differs from ``render_docs()``.
"""

from __future__ import annotations

import re
import sys
import textwrap

from . import DOC_SECTIONS, RULES, Rule

#: Sections whose body is an example written in the .flow language.
EXAMPLE_SECTIONS = ("Incorrect", "Correct")

_SECTION = re.compile(r"^(%s):[ \t]*(.*)$" % "|".join(map(re.escape, DOC_SECTIONS)))

INTRO = """\
# Checks

<!-- Generated from the rule registry by `python -m flowsop.checks.docs > docs/checks.md`.
     Edit the rules' docstrings in flowsop/checks/, not this file. -->

`flowsop check` runs these rules on every procedure. Each diagnostic carries the
rule's name (`path:line:col: severity[rule]: message`); `--select` and `--ignore`
take these names, and `flowsop rules NAME` prints one rule's page in the terminal.
Rules with the stage *parse* are reported while the file is read; the others read
the parsed procedure (*procedure*) or the whole library (*library*).
"""


def doc_sections(doc: str) -> dict[str, str]:
    """A rule's docstring cut into its sections: ``{"summary": ..., "What it finds": ...}``.

    A section starts with a line ``Heading: text``; an example section's body is
    its indented block, returned dedented. Missing sections are absent."""
    lines = doc.strip("\n").splitlines()
    out: dict[str, list[str]] = {"summary": []}
    current = "summary"
    for line in lines:
        m = _SECTION.match(line)
        if m:
            current = m.group(1)
            out[current] = [m.group(2)] if m.group(2) else []
        else:
            out[current].append(line)
    result = {}
    for name, body in out.items():
        if name in EXAMPLE_SECTIONS:
            result[name] = textwrap.dedent("\n".join(body)).strip("\n")
        else:
            result[name] = " ".join(" ".join(body).split())
    return result


def render_rule(rule: Rule) -> str:
    sections = doc_sections(rule.doc)
    parts = [f"## {rule.name}", "",
             f"Severity: **{rule.severity.value}** · stage: {rule.stage}", "",
             sections.get("summary", ""), ""]
    for name in DOC_SECTIONS:
        body = sections.get(name, "")
        parts.append(f"**{name}.**" if name in EXAMPLE_SECTIONS else f"**{name}:** {body}")
        parts.append("")
        if name in EXAMPLE_SECTIONS:
            parts += ["```", body, "```", ""]
    return "\n".join(parts)


def render_docs() -> str:
    """The whole ``docs/checks.md``: an index table, then one section per rule."""
    table = ["| rule | severity | finds |", "|---|---|---|"]
    for rule in RULES.values():
        summary = rule.summary.replace("|", r"\|")  # a "|" would split the table cell
        table.append(f"| [`{rule.name}`](#{rule.name}) | {rule.severity.value} | {summary} |")
    body = [render_rule(rule) for rule in RULES.values()]
    return "\n".join([INTRO, *table, "", *body]).rstrip("\n") + "\n"


if __name__ == "__main__":
    sys.stdout.write(render_docs())
