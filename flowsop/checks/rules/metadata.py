"""Title page and maintenance rules: what every SOP must say about itself."""

from __future__ import annotations

from ...diagnostics import FILE_START, Severity
from ...model import next_review, parse_date
from ...core.periods import parse_period, version_key
from ..base import Context, Finding, Findings, rule

REQUIRED = ("title", "version", "owner", "created", "modified", "purpose", "scope")


@rule("missing-metadata", Severity.WARNING)
def missing_metadata(ctx: Context) -> Findings:
    """The title page lacks a field every SOP should carry.

    What it finds: a procedure without title, version, owner, created,
    modified, purpose or scope (with begins and ends), reported once at 1:1
    naming every missing field. Library defaults from the configuration
    (owner, review_every) count as present.

    Why it matters: an SOP without an owner is revised by nobody; without a
    version and dates, nobody can tell which copy is current; without a scope,
    procedures start to overlap.

    Incorrect:
        ---
        title: Verify a backup
        ---

    Correct:
        ---
        title: Verify a backup
        version: 1.0.0
        owner: Backup Lead
        created: 2026-01-10
        modified: 2026-03-02
        purpose: Prove that last night's backup can be restored.
        scope:
          begins: The nightly backup window has closed.
          ends: The restore test is recorded in the ticket.
        ---

    How to silence: fill in the fields, or set the rule's severity in the
    configuration (`[tool.flowsop] rules = {missing-metadata = "off"}`).
    """
    if not ctx.procedure.body_found or not ctx.procedure.nodes:
        return  # an empty file is missing-start and missing-end alone
    meta = ctx.procedure.meta
    defaults = ctx.settings.get("defaults", {})
    missing = [k for k in REQUIRED
               if not (getattr(meta, k, None) or defaults.get(k)) and k != "scope"]
    if not (meta.scope_begins and meta.scope_ends):
        missing.insert(REQUIRED.index("scope"), "scope")
    if missing:
        yield Finding(FILE_START, "the title page lacks " + ", ".join(missing),
                      "add them to the front matter between the '---' lines")


@rule("invalid-metadata", Severity.ERROR)
def invalid_metadata(ctx: Context) -> Findings:
    """A title page value that cannot be right.

    What it finds: a date (`created`, `modified`, `reviewed`, a change's
    `date`) that is not an ISO date (YYYY-MM-DD); `modified` before
    `created`; a `review_every` that does not read as a period (`90 days`,
    `2 weeks`, `6 months`, `1 year`); a version in `changes` newer than
    `version`.

    Why it matters: review dates are computed from these values; a wrong one
    silently hides an overdue SOP.

    Incorrect:
        created: 2026-13-01
        review_every: quarterly

    Correct:
        created: 2026-01-13
        review_every: 3 months

    How to silence: correct the value.
    """
    meta = ctx.procedure.meta
    for key in ("created", "modified", "reviewed"):
        value = getattr(meta, key)
        if value is not None and parse_date(value) is None:
            yield Finding(meta.span_of(key), f"'{key}: {value}' is not a date",
                          "write dates as YYYY-MM-DD")
    created, modified = parse_date(meta.created), parse_date(meta.modified)
    if created and modified and modified < created:
        yield Finding(meta.span_of("modified"), f"modified ({modified}) is before created ({created})")
    if meta.review_every is not None and parse_period(meta.review_every) is None:
        yield Finding(meta.span_of("review_every"),
                      f"'review_every: {meta.review_every}' does not read as a period",
                      "write a number and a unit: '90 days', '2 weeks', '6 months', '1 year'")
    current = version_key(meta.version)
    for i, change in enumerate(meta.changes):
        if change.date is not None and parse_date(change.date) is None:
            yield Finding(meta.spans.get(f"changes.{i}.date", change.span),
                          f"the change's date '{change.date}' is not a date",
                          "write dates as YYYY-MM-DD")
        newer = version_key(change.version)
        if current and newer and newer > current:
            yield Finding(meta.spans.get(f"changes.{i}.version", change.span),
                          f"the change's version {change.version} is newer than "
                                       f"the procedure's version {meta.version}",
                          "raise 'version' to the newest change")


@rule("review-overdue", Severity.WARNING)
def review_overdue(ctx: Context) -> Findings:
    """The last review is older than `review_every`.

    What it finds: a procedure whose last review (the later of `modified` and
    `reviewed`) plus `review_every` lies before today. `--today YYYY-MM-DD`
    or `SOURCE_DATE_EPOCH` sets today for reproducible runs.

    Why it matters: SOPs go stale when tools and clients change; the guide asks
    for a regular review. A review that changed nothing is recorded with
    `reviewed:` so nobody fakes an edit.

    Incorrect:
        modified: 2025-01-10
        review_every: 90 days

    Correct:
        modified: 2025-01-10
        reviewed: 2026-11-01
        review_every: 90 days

    How to silence: review the procedure and record the date in `reviewed:`.
    """
    due = next_review(ctx.procedure.meta, ctx.settings.get("defaults", {}))
    if due is not None and due < ctx.today:
        meta = ctx.procedure.meta
        reviewed, modified = parse_date(meta.reviewed), parse_date(meta.modified)
        key = "reviewed" if reviewed and (not modified or reviewed > modified) else "modified"
        yield Finding(meta.span_of(key), f"the review was due on {due.isoformat()}",
                      "review the procedure, then set 'reviewed:' to today's date")
