"""Style rules: one plain style across the library (warnings).

They follow ASD-STE100 Simplified Technical English (short sentences, active
voice in instructions, one instruction per step, defined terms) and the
procedure sections of the Microsoft and Google writing style guides. The
sentence rules read the text of steps and decisions (not triggers and
outcomes, which describe events and states); the term rules read every text
of the procedure. The heuristics live in ``english.py`` and are measured on
``tests/style_corpus.tsv`` (figures in ``docs/style.md``).
"""

from __future__ import annotations

from typing import Iterator

from ...diagnostics import Severity, Span
from ...model import Node, Procedure
from ..base import Context, Finding, Findings, rule
from ..support.english import (abbreviations, chained_instruction, passive_phrases, sentences,
                      term_pattern, word_count)

DEFAULT_MAX_WORDS = 20
#: Node kinds whose text is an instruction or a question.
SENTENCE_KINDS = ("step", "decide")


@rule("long-sentence", Severity.WARNING)
def long_sentence(ctx: Context) -> Findings:
    """A sentence in a step or decision is longer than 20 words.

    What it finds: a sentence of more than 20 words (the limit is the
    `max-sentence-words` setting) in the text of a step or a decide. Words are
    runs between spaces that hold a letter or digit, so "client's", "on-site"
    and a URL count once. A full stop ends a sentence before a capital letter,
    never in "e.g.", "i.e." or a number such as 1.5. Measured on a labelled
    corpus: [style.md](style.md).

    Why it matters: a technician reads a step while doing the work, often on a
    phone at the client's desk. ASD-STE100 limits a procedural sentence to 20
    words, and the Microsoft and Google guides ask for short, scannable steps:
    a long sentence hides its instruction and is read wrong under pressure.

    Incorrect:
        step: Before you restart the server, tell the client contact that their users will lose the shared drives for about ten minutes.

    Correct:
        step: Tell the client contact that the shared drives stop for ten minutes.
          note: Do this before you restart the server.

    How to silence: put `# flowsop: ignore[long-sentence]` on the line above
    the node; raise the limit for the library with `max-sentence-words = 25`
    in the configuration (`flowsop.yaml`, or `[tool.flowsop]` in
    `pyproject.toml`), or turn the rule off there with
    `rules = {long-sentence = "off"}`; `flowsop check --ignore long-sentence`
    skips it for one run.
    """
    limit = _max_words(ctx.settings)
    for node, text, base in _sentence_texts(ctx.procedure):
        for s in sentences(text):
            n = word_count(s.text)
            if n > limit:
                yield Finding(_span(base, s.start, s.end),
                              f"a sentence of {n} words in {_what(node)} (the limit is {limit})",
                              "split it, or move the detail into a 'note:'")


@rule("passive-voice", Severity.WARNING)
def passive_voice(ctx: Context) -> Findings:
    """A step or decision is written in the passive voice.

    What it finds: a form of "be" (is, are, was, were, be, been, being, am),
    or of "get", followed by a past participle, with adverbs allowed between
    them ("is not started", "is then sent"): regular "-ed" forms and about 200
    irregular ones ("written", "sent", "set", "put", "shown", "kept"). In a
    question that begins with "was"/"were" the participle may follow the
    subject ("Was the ticket escalated?"). Only the text of steps and
    decides is read.

    Left out, because there the participle names a state, which ASD-STE100
    allows ("Make sure that the valve is closed"):
    participles that work as adjectives in any tense ("is required", "is
    needed", "is based on", "is supposed to", "is located"); after a present
    "is"/"are" with no "by" agent, participles that name the state of a thing
    in IT work ("is encrypted", "is installed", "is closed", "is logged in"),
    questions ("Is the device encrypted?") and a leading "Check that ...",
    "Make sure ..." or "Confirm ..." clause; "there is/are"; "get rid of" and
    similar idioms. With "was", "been", a modal ("must be closed") or an agent
    ("is closed by the technician") these are reported again.

    Known false positives and misses: a state written in the past ("Was the
    device encrypted?") or with a modal ("The laptop must be connected to
    power") is reported; a present passive whose participle is in the state
    list ("The account is locked after five failed sign-ins") is missed, as is
    the contraction "'s" (it is far more often a possessive). On the labelled
    corpus the rule's precision and recall are given in [style.md](style.md).

    Why it matters: a passive instruction hides who acts: "The ticket is
    assigned to the queue" does not say whether the reader does it or the PSA
    does. ASD-STE100 asks for the active voice in procedures, and the Microsoft
    and Google guides ask for imperative steps.

    Incorrect:
        step: The quote must be approved by the client contact.
        decide: Were all parts delivered on time?

    Correct:
        step: Ask the client contact to approve the quote.
        decide: Did the supplier deliver all parts on time?

    How to silence: put `# flowsop: ignore[passive-voice]` on the line above
    the node; turn the rule off for the library with
    `rules = {passive-voice = "off"}` in the configuration (`flowsop.yaml`, or
    `[tool.flowsop]` in `pyproject.toml`); `flowsop check --ignore
    passive-voice` skips it for one run.
    """
    for node, text, base in _sentence_texts(ctx.procedure):
        for s in sentences(text):
            for hit in passive_phrases(s.text):
                yield Finding(_span(base, s.start + hit.start, s.start + hit.end),
                              f"'{hit.text}' is passive voice",
                              "say who acts: write the step as an instruction ('Close the "
                              "ticket') or name the actor ('The PSA closes the ticket')"
                              if node.kind == "step" else
                              "ask about who acted: 'Did the supplier deliver the parts?'")


@rule("multiple-actions", Severity.WARNING)
def multiple_actions(ctx: Context) -> Findings:
    """A step gives more than one instruction.

    What it finds: a step whose text chains instructions: ", then VERB",
    "and then VERB", "; then VERB", "; after that, VERB"; a list of
    instructions after an instruction ("Unplug the printer, wait 30 seconds
    and ..."; a comma or semicolon, then a known imperative verb and its
    object); or two sentences that are each an instruction ("Print the label.
    Stick it on the case."). It is reported once per step, where the second
    instruction begins.

    Not reported: compound objects ("Check price and stock"), two verbs with
    one object ("Print and sign the form"), a condition with one instruction
    ("If the job failed, then restart it"), a menu path ("Select Start, then
    Settings"), an instruction with a sentence that explains it ("Restart
    the workstation. This takes five minutes."). Two instructions joined by a
    plain "and" ("Open the ticket and read the deadline") are not reported
    either: that reading needs a parser to tell "read the deadline" from a
    second object, and a guess would flag many sound steps. Measured on a
    labelled corpus: [style.md](style.md).

    Why it matters: a step is what a technician ticks off and what a "go to
    step N" points at. Two instructions in one step get half done, cannot be
    numbered apart and hide the order between them. ASD-STE100 asks for one
    instruction per sentence, and the Microsoft and Google guides for one
    action per step.

    Incorrect:
        step: Wipe the device, then mark it as spare in the PSA.

    Correct:
        step: Wipe the device.
        step: Mark the device as spare in the PSA.

    How to silence: put `# flowsop: ignore[multiple-actions]` on the line
    above the step; turn the rule off for the library with
    `rules = {multiple-actions = "off"}` in the configuration (`flowsop.yaml`,
    or `[tool.flowsop]` in `pyproject.toml`); `flowsop check --ignore
    multiple-actions` skips it for one run.
    """
    for node, text, base in _sentence_texts(ctx.procedure, kinds=("step",)):
        hit = chained_instruction(text)
        if hit:
            yield Finding(_span(base, hit.start, hit.end),
                          f"{_what(node)} gives more than one instruction",
                          "split it into one step per instruction, so that each can be "
                          "numbered and ticked off")


@rule("undefined-term", Severity.WARNING)
def undefined_term(ctx: Context) -> Findings:
    """An abbreviation is used but the glossary does not define it.

    What it finds: an abbreviation (a word of two or more capitals such as PSA
    or 2FA, or one capital with digits such as M365 or P1) that neither the
    procedure's glossary, nor the library's shared glossary (`defaults:
    glossary` in the configuration), nor the configured extra `terms` define.
    Plurals and possessives of a defined term (SLAs, PSA's) count as defined.
    Every text of the procedure is read: the title, purpose, scope and
    equipment, the text of every node, branch labels, notes and warnings. It
    is reported once, at the first use; for a title-page value or a note the
    diagnostic points at its key.

    Not reported: everyday abbreviations (IT, PC, ID, OK, USB, PDF, URL, AM,
    PM, KB, MB, GB, TB), words in capitals for emphasis ("Do NOT restart") and
    capitals next to them, Roman numerals ("Tier II"), numbers such as
    KB5034441 and URLs. Known miss: an acronym spelled like an emphasis word.
    Measured on a labelled corpus: [style.md](style.md).

    Why it matters: a new technician cannot look up what the SOP does not
    define, and the guide asks for a glossary of abbreviations so that the
    whole library uses the same terms.

    Incorrect:
        glossary:
          PSA: Professional services automation tool.
        ---
        step: Install the EDR agent with the client's policy.

    Correct:
        glossary:
          PSA: Professional services automation tool.
          EDR: Endpoint detection and response, the security agent on each device.
        ---
        step: Install the EDR agent with the client's policy.

    How to silence: define the term, in the procedure or once for the library
    in the configuration's shared glossary (`[tool.flowsop.defaults]
    glossary`), or allow it with `terms = ["M365"]` in the configuration; put
    `# flowsop: ignore[undefined-term]` on the line above the node, or turn
    the rule off with `rules = {undefined-term = "off"}`.
    """
    defined = _defined_terms(ctx)
    seen: set[str] = set()
    for base, text, exact in _all_texts(ctx.procedure):
        for hit in abbreviations(text):
            if hit.text in defined or hit.text in seen:
                continue
            seen.add(hit.text)
            span = _span(base, hit.start, hit.end) if exact else base
            yield Finding(span, f"'{hit.text}' is not defined in the glossary",
                          f"add '{hit.text}: <meaning>' under 'glossary:' in the front matter, "
                          "or to the library's shared glossary")


@rule("unused-term", Severity.WARNING)
def unused_term(ctx: Context) -> Findings:
    """A glossary term that no text of the procedure uses.

    What it finds: a term under the procedure's `glossary:` that appears in no
    text of the procedure (title, purpose, scope, equipment, node texts,
    branch labels, notes, warnings), as a whole word, in the plural or with a
    possessive. Abbreviations match case-sensitively, other terms in any case.
    It is reported at the term's line. Terms of the library's shared glossary
    are not reported: a procedure need not use all of them.

    Why it matters: a glossary is read before the procedure; entries that the
    procedure never uses make it longer and suggest steps that are not there,
    often a sign that a step was removed and its term left behind.

    Incorrect:
        glossary:
          PSA: Professional services automation tool.
          RPO: Recovery point objective.
        ---
        step: Create a ticket in the PSA.

    Correct:
        glossary:
          PSA: Professional services automation tool.
        ---
        step: Create a ticket in the PSA.

    How to silence: remove the entry or use the term; move a term that the
    whole library shares to the configuration's shared glossary
    (`[tool.flowsop.defaults] glossary`); turn the rule off with
    `rules = {unused-term = "off"}`. An ignore comment cannot reach a glossary
    line, which belongs to no node.
    """
    texts = [text for _, text, _ in _all_texts(ctx.procedure)]
    for term, _ in ctx.procedure.meta.glossary:
        pattern = term_pattern(term)
        if not any(pattern.search(t) for t in texts):
            yield Finding(ctx.procedure.meta.span_of(f"glossary.{term}"),
                          f"the glossary defines '{term}', but no text of the procedure uses it",
                          "remove the entry, or use the term where it belongs")


# ------------------------------------------------------------------ helpers

def _sentence_texts(procedure: Procedure, kinds: tuple[str, ...] = SENTENCE_KINDS
                    ) -> Iterator[tuple[Node, str, Span]]:
    for node in procedure.nodes:
        if node.kind in kinds:
            yield node, node.text, node.text_span or node.span


def _all_texts(procedure: Procedure) -> Iterator[tuple[Span, str, bool]]:
    """(where, text, exact) for every text in file order; ``exact`` is False
    where ``where`` is the key before the text, not its first character."""
    meta = procedure.meta
    fields = [("title", meta.title), ("purpose", meta.purpose),
              ("scope.begins", meta.scope_begins), ("scope.ends", meta.scope_ends)]
    fields += [("equipment", item) for item in meta.equipment]
    for key, value in sorted(fields, key=lambda f: meta.span_of(f[0])):
        if value:
            yield meta.span_of(key), value, False
    for node in procedure.nodes:
        if not node.info.calls:
            yield node.text_span or node.span, node.text, node.text_span is not None
        for attr in node.attributes:
            if attr.key in ("note", "warning"):
                value_span = getattr(attr, "value_span", None)
                yield value_span or attr.span, attr.value, value_span is not None
        for arrow in node.branches:
            if arrow.label:
                yield arrow.span, arrow.label, True


def _defined_terms(ctx: Context) -> set[str]:
    shared = ctx.settings.get("defaults", {}).get("glossary", {}) or {}
    names = [t for t, _ in ctx.procedure.meta.glossary]
    names += list(shared.keys()) if isinstance(shared, dict) else [str(t) for t in shared]
    names += [str(t) for t in ctx.settings.get("terms", []) or []]
    return {n.strip() for n in names}


def _max_words(settings: dict) -> int:
    try:
        return max(1, int(settings.get("max-sentence-words", DEFAULT_MAX_WORDS)))
    except (TypeError, ValueError):
        return DEFAULT_MAX_WORDS  # a bad value is the config rule's diagnostic


def _span(base: Span, start: int, end: int) -> Span:
    # Node texts are single-line, so an offset is a column shift.
    return Span(base.line, base.column + start, base.line, base.column + end)


def _what(node: Node) -> str:
    return f"{node.kind} {node.number}" if node.number else f"the {node.kind}"
