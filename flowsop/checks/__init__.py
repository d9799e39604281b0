"""Check stage: the rule registry and the runner.

``RULES`` is the one place rules are registered, in the order they are
documented. Callers may run a subset (``select``/``ignore``).
"""

from __future__ import annotations

import datetime as _dt
from typing import Iterable

from ..diagnostics import Diagnostic, Severity
from ..model import Procedure
from .rules import durations, flow, links, metadata, parse_rules, render_rules, structure, style
from .rules import config_rules, fallthrough, lanes, library, overlap, parallel
from .base import DOC_SECTIONS, Context, LibraryContext, Rule

RULES: dict[str, Rule] = {r.name: r for r in (
    parse_rules.SYNTAX,
    parse_rules.FRONT_MATTER,
    parse_rules.EMPTY_TEXT,
    config_rules.CONFIG,
    structure.duplicate_id.rule,
    structure.undefined_target.rule,
    structure.missing_start.rule,
    structure.missing_end.rule,
    flow.dead_end.rule,
    flow.unreachable.rule,
    flow.no_exit.rule,
    structure.decision_branches.rule,
    structure.duplicate_branch.rule,
    structure.end_has_next.rule,
    parallel.parallel_branches.rule,
    parallel.join_deadlock.rule,
    parallel.lack_of_synchronisation.rule,
    fallthrough.implicit_fallthrough.rule,
    lanes.lane_case.rule,
    links.unsafe_link.rule,
    metadata.missing_metadata.rule,
    metadata.invalid_metadata.rule,
    metadata.review_overdue.rule,
    durations.invalid_duration.rule,
    style.long_sentence.rule,
    style.passive_voice.rule,
    style.multiple_actions.rule,
    style.undefined_term.rule,
    style.unused_term.rule,
    overlap.overlapping_scope.rule,
    overlap.shared_steps.rule,
    library.undefined_procedure.rule,
    library.call_cycle.rule,
    library.duplicate_procedure.rule,
    library.path_escape.rule,
    library.call_outcomes.rule,
    render_rules.ENGINE,
    render_rules.UNSUPPORTED_SCRIPT,
    render_rules.TOO_LARGE,
    render_rules.MERMAID_LIMITS,
)}

__all__ = ["RULES", "DOC_SECTIONS", "Rule", "check_procedure", "check_library", "unknown_rules"]


def check_procedure(procedure: Procedure, graph, *, rules: Iterable[Rule] | None = None,
                    today: _dt.date | None = None, settings: dict | None = None,
                    severities: dict[str, Severity] | None = None) -> list[Diagnostic]:
    """Run the procedure rules on one procedure; return their diagnostics."""
    ctx = Context(procedure, graph, today or _dt.date.today(), settings or {})
    severities = severities or {}
    out = []
    for r in rules if rules is not None else RULES.values():
        if r.stage != "procedure":
            continue
        severity = severities.get(r.name, r.severity)
        for finding in r.check(ctx):
            out.append(Diagnostic(procedure.path, finding.span, severity, r.name,
                                  finding.message, finding.hint))
    return config_rules.apply_ignores(procedure, out, RULES)


def check_library(ctx: LibraryContext, *, rules: Iterable[Rule] | None = None,
                  severities: dict[str, Severity] | None = None) -> list[Diagnostic]:
    """Run the library rules on a whole library; return their diagnostics,
    each in the file of the procedure it is about."""
    severities = severities or {}
    found: dict[str, list[Diagnostic]] = {}
    by_path = {p.path: p for p in ctx.procedures}
    for r in rules if rules is not None else RULES.values():
        if r.stage != "library":
            continue
        severity = severities.get(r.name, r.severity)
        for procedure, finding in r.check(ctx):
            found.setdefault(procedure.path, []).append(Diagnostic(
                procedure.path, finding.span, severity, r.name, finding.message, finding.hint))
    return [d for path, diagnostics in found.items()
            for d in config_rules.apply_ignores(by_path[path], diagnostics, RULES, report=False)]


def unknown_rules(names: Iterable[str]) -> list[str]:
    return [n for n in names if n not in RULES]
