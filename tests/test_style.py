"""The style rules: what they read, their settings, their positions, and the
heuristics of ``flowsop.checks.support.english`` on cases the corpus keeps short of."""

from __future__ import annotations

import pytest

from conftest import DIAGRAMS, FRONT, found, load
from flowsop.checks.support.english import (abbreviations, chained_instruction, passive_phrases,
                                    sentences, word_count)

STYLE_RULES = {"long-sentence", "passive-voice", "multiple-actions", "undefined-term",
               "unused-term"}
LONG = ("Before you restart the server, tell the client contact that their users will lose "
        "access to the shared drives for about ten minutes.")  # 23 words


def style(text: str, **kwargs) -> list[tuple[str, int, int]]:
    return [f for f in found(text, **kwargs) if f[0] in STYLE_RULES]


@pytest.mark.parametrize("path", sorted(DIAGRAMS.glob("*.flow")), ids=lambda p: p.name)
def test_examples_are_clean(path):
    assert style(path.read_text(encoding="utf-8"), path=path.name) == []


@pytest.mark.parametrize("name", sorted(STYLE_RULES))
def test_each_rules_documented_examples_hold(name):
    """The Incorrect example gives the rule's warning; the Correct one does not."""
    from flowsop.checks import RULES
    from flowsop.checks.docs import doc_sections

    sections = doc_sections(RULES[name].doc)
    for section, expect in (("Incorrect", True), ("Correct", False)):
        example = sections[section]
        front, _, body = example.rpartition("---\n")
        text = FRONT[:-4] + front + "---\nstart: A request comes in.\n" + body + "\nend: Done.\n"
        got = [f for f in style(text) if f[0] == name]
        assert bool(got) is expect, (section, example, got)


# ------------------------------------------------------------------ what is read

def test_triggers_outcomes_and_notes_are_not_style_checked():
    text = FRONT + (f"start: {LONG} The ticket is closed by the tool, then it is sent.\n"
                    f"step: Restart the server.\n  note: {LONG} It is sent, then read.\n"
                    f"end: {LONG} The ticket is closed by the tool.\n")
    assert style(text) == []


def test_steps_and_decides_are_read():
    text = FRONT + (f"start: A server needs a restart.\nstep: {LONG}\n"
                    "decide: Were all drives mapped again?\n  yes -> done\n  no -> done\n"
                    "end done: The drives work.\n")
    assert style(text) == [("long-sentence", 13, 7), ("passive-voice", 14, 9)]


def test_multiple_actions_reads_steps_only():
    text = FRONT + ("start: A server needs a restart.\n"
                    "decide: Did you restart it, then check the drives?\n"
                    "  yes -> done\n  no -> done\n"
                    "step: Restart it, then check the drives.\nend done: The drives work.\n")
    assert style(text) == [("multiple-actions", 16, 19)]


# ------------------------------------------------------------------ settings

def test_sentence_limit_is_a_setting():
    text = FRONT + f"start: A server needs a restart.\nstep: {LONG}\nend: The drives work.\n"
    assert style(text) == [("long-sentence", 13, 7)]
    assert style(text, settings={"max-sentence-words": 23}) == []
    assert style(text, settings={"max-sentence-words": 22}) == [("long-sentence", 13, 7)]
    message = load(text, settings={"max-sentence-words": 10}).diagnostics[0].message
    assert message == "a sentence of 23 words in step 1 (the limit is 10)"


def test_terms_and_shared_glossary_define_abbreviations():
    text = FRONT + ("start: The EDR agent reports a threat.\n"
                    "step: Isolate the device in the RMM and the XDR console.\nend: Done.\n")
    assert style(text) == [("undefined-term", 12, 12), ("undefined-term", 13, 33),
                           ("undefined-term", 13, 45)]
    settings = {"terms": ["XDR"], "defaults": {"glossary": {"EDR": "...", "RMM": "..."}}}
    assert style(text, settings=settings) == []


def test_shared_glossary_terms_are_never_unused():
    text = FRONT[:-4] + "glossary:\n  PSA: Tool.\n---\n" + "start: A.\nend: B.\n"
    assert style(text, settings={"defaults": {"glossary": {"RMM": "Tool."}}}) == \
        [("unused-term", 12, 3)]


def test_ignore_comment_silences_one_node():
    text = FRONT + ("start: A server needs a restart.\n"
                    "# flowsop: ignore[passive-voice]\nstep: The server is restarted by the RMM.\n"
                    "  note: The RMM is the monitoring tool.\n"
                    "step: The drives are mapped by the script.\nend: The drives work.\n")
    assert style(text) == [("undefined-term", 14, 38), ("passive-voice", 16, 18)]


# ------------------------------------------------------------------ positions

def test_undefined_term_once_at_first_use_even_in_a_branch_label():
    text = FRONT + ("start: A call comes in.\ndecide: Which queue?\n"
                    "  VIP caller -> a\n  other -> a\n"
                    "step a: Put the VIP in the queue.\nend: Done.\n")
    assert style(text) == [("undefined-term", 14, 3)]


def test_passive_span_covers_the_phrase():
    d = [d for d in load(FRONT + "start: A.\nstep: The quote must then be approved.\nend: B.\n")
         .diagnostics if d.rule == "passive-voice"]
    assert [(d.line, d.column, d.span.end_column, d.message) for d in d] == \
        [(13, 17, 38, "'must then be approved' is passive voice")]


# ------------------------------------------------------------------ heuristics

@pytest.mark.parametrize("text, expected", [
    ("Restart it. Check it.", ["Restart it.", "Check it."]),
    ("Use a tool, e.g. The Wiper, now.", ["Use a tool, e.g. The Wiper, now."]),
    ("Wait 1.5 h. Then check kb.example.com/a.b now.",
     ["Wait 1.5 h.", "Then check kb.example.com/a.b now."]),
    ("Write the ticket no. in the subject.", ["Write the ticket no. in the subject."]),
    ('Is it "Critical"? Ask the lead.', ['Is it "Critical"?', "Ask the lead."]),
    ("", []),
    ("   ", []),
])
def test_sentences(text, expected):
    assert [s.text for s in sentences(text)] == expected
    for s in sentences(text):
        assert text[s.start:s.end] == s.text


def test_word_count_counts_runs_with_letters_or_digits():
    assert word_count("Check the client's on-site kit - twice, at 1.5 h: https://x.example/a") == 10


@pytest.mark.parametrize("sentence, phrases", [
    ("The ticket is closed by the technician.", ["is closed"]),
    ("The device isn't encrypted by the tool.", ["isn't encrypted"]),
    ("The parts were quickly and fully shipped.", []),   # "and" ends the adverb run
    ("The VPN is set up by the network team.", ["is set"]),
    ("Was the job started?", ["Was the job started"]),
    ("Is the job started?", []),
    ("There is limited stock.", []),
    ("The tool is used to wipe disks.", []),
    ("Get rid of the old cables.", []),
    ("Make sure the laptop is charged.", []),
    ("The laptop must be charged.", ["must be charged"]),
    ("It is being rebuilt, and it gets tested.", ["is being rebuilt", "gets tested"]),
])
def test_passive_phrases(sentence, phrases):
    assert [h.text for h in passive_phrases(sentence)] == phrases


@pytest.mark.parametrize("text, where", [
    ("Open the ticket, then call the client.", "then call"),
    ("Open the ticket and then call the client.", "then call"),
    ("Log it; afterwards, call the client.", "afterwards, call"),
    ("Print it. Stick it on the case.", "Stick it on the case."),
    ("Check it; if it is low, order toner.", "order toner."),
    ("Unplug it, wait 30 seconds and plug it in.", "wait"),
    ("Open the ticket and read the deadline.", None),       # plain "and": left alone
    ("Select Start, then Settings.", None),
    ("If it failed, then restart it.", None),
    ("Finally, close the ticket.", None),
    ("Restart it. This takes five minutes.", None),
    ("Note: the order numbers are on the form. Order numbers are long.", None),
])
def test_chained_instruction(text, where):
    hit = chained_instruction(text)
    assert (hit.text if hit else None) == where
    if hit:
        assert text[hit.start:hit.end] == hit.text


@pytest.mark.parametrize("text, found_terms", [
    ("Check the EDR and the M365 tenant and 2FA.", ["EDR", "M365", "2FA"]),
    ("Find the SLAs in the PSA's list.", ["SLA", "PSA"]),
    ("Do NOT restart. NEVER SEND IT BY EMAIL.", []),
    ("Install KB5034441 on a 1TB USB-C disk at 9 AM.", []),
    ("Ask a Tier II technician, or see https://kb.example.com/VPN/MFA.", []),
    ("Check the SMART status and the MFA-enabled sign-in.", ["SMART", "MFA"]),
])
def test_abbreviations(text, found_terms):
    hits = list(abbreviations(text))
    assert [h.text for h in hits] == found_terms
    for h in hits:
        assert text[h.start:h.end] == h.text
