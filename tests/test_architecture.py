"""The layout of the package, held by tests (docs/architecture.md explains it).

Every module of flowsop belongs to one stage or layer; a module may import
only its own stage and the stages before it. Imports inside functions count
too: a lazy import is still an arrow between stages.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import networkx as nx
import pytest

from conftest import REPO

PACKAGE = REPO / "flowsop"

#: In pipeline order: a module may import its own entry and the entries above it.
STAGES: tuple[tuple[str, ...], ...] = (
    ("flowsop.core",),                       # small shared parts: ids, periods, urls, clock
    ("flowsop.diagnostics",),
    ("flowsop.model",),
    ("flowsop.parse",),
    ("flowsop.emit",),                       # model → .flow text
    ("flowsop.graph",),
    ("flowsop.checks",),
    ("flowsop.procedure",),                  # the numbered procedure
    ("flowsop.render",),
    ("flowsop.scenarios",),
    ("flowsop.pipeline",),                   # one procedure through every stage
    ("flowsop.project",),                    # libraries, workspace, builds, workers
    ("flowsop.api",),                        # the facade
    ("flowsop.integrations", "flowsop.cli"),
    ("flowsop", "flowsop.__main__"),
)


def modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(REPO).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def stage_of(module: str) -> int:
    best, rank = -1, None
    for n, names in enumerate(STAGES):
        for name in names:
            if (module == name or module.startswith(name + ".")) and len(name) > best:
                best, rank = len(name), n
    assert rank is not None, f"{module} belongs to no stage: add it to STAGES and docs/architecture.md"
    return rank


def imports(module: str, path: Path) -> set[str]:
    """Every flowsop module that ``module`` imports, at any depth in the file."""
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    found = set()
    known = modules()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "flowsop")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.split(".")[0] == "flowsop":
                target = node.module
            else:
                continue
            # "from . import engine" imports the module flowsop.render.engine
            # (its package is already being imported: no arrow to it).
            subs = {f"{target}.{a.name}" for a in node.names} & known.keys()
            found.update(subs if len(subs) == len(node.names) else subs | {target})
    return {m for m in found if m in known} - {module}


def import_graph() -> nx.DiGraph:
    g = nx.DiGraph()
    for module, path in modules().items():
        g.add_node(module)
        g.add_edges_from((module, other) for other in imports(module, path))
    return g


def test_every_module_has_a_stage():
    for module in modules():
        stage_of(module)


def test_no_stage_imports_a_later_one():
    wrong = [f"{a} (stage {stage_of(a)}) imports {b} (stage {stage_of(b)})"
             for a, b in import_graph().edges
             if stage_of(b) > stage_of(a) and b != "flowsop"]
    assert not wrong, "\n".join(wrong)


def test_importing_a_later_stage_is_caught(tmp_path):
    # The check above can fail: a renderer that imports the CLI is one arrow too many.
    g = import_graph()
    g.add_edge("flowsop.render.dot", "flowsop.cli.common")
    assert any(stage_of(b) > stage_of(a) for a, b in g.edges)


def test_no_import_cycles():
    # Package __init__ files are where their modules' shared names live; a
    # module importing its own package's __init__ is no circle unless the
    # __init__ imports it back, which simple_cycles finds.
    cycles = sorted(nx.simple_cycles(import_graph()))
    assert not cycles, cycles


def test_at_most_ten_modules_at_the_package_root():
    root = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(root) <= 10, root


@pytest.mark.parametrize("folder", ["render", "checks"])
def test_renderers_know_no_rule_and_rules_know_no_renderer(folder):
    other = {"render": "flowsop.checks", "checks": "flowsop.render"}[folder]
    g = import_graph()
    wrong = [(a, b) for a, b in g.edges
             if a.startswith(f"flowsop.{folder}") and (b == other or b.startswith(other + "."))]
    assert not wrong


def test_a_rule_never_prints():
    for path in (PACKAGE / "checks").rglob("*.py"):
        if path.name == "docs.py" or path.parent.name == "support" and path.name == "style_eval.py":
            continue  # the documentation generator and the corpus evaluator are commands
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(?<![\w.])print\(", text), path


def test_the_architecture_doc_names_every_stage():
    doc = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    for names in STAGES:
        for name in names:
            if name not in ("flowsop", "flowsop.__main__"):
                assert f"`{name.replace('.', '/')}" in doc, name
