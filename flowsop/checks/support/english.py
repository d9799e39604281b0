"""Plain-English heuristics behind the style rules (``style.py``).

Pure functions over one text: sentences, word counts, passive phrases,
chained instructions and abbreviations. Each returns character offsets into
the text it was given, so the rules can turn them into columns. No parser,
no tagger: word lists (``english_words.py``) and a few positional rules,
measured on ``tests/style_corpus.tsv`` (see ``docs/style.md``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterator, NamedTuple

from .english_words import (ADJECTIVAL, ADVERBS, BE_FINITE_PAST, BE_FINITE_PRESENT, BE_FORMS,
                            CHECK_VERBS, CLAUSE_OPENERS, EMPHASIS_WORDS, EVERYDAY_ABBREVIATIONS,
                            FUNCTION_WORDS, GET_FORMS, GET_IDIOMS, IMPERATIVES,
                            IRREGULAR_PARTICIPLES, NON_FINAL_ABBREVIATIONS, NOT_AGENTS,
                            NOT_PARTICIPLES, NOUN_SIGNS, ROMAN_NUMERALS, SEQUENCE_WORDS, STATES)


#: Words before "be"/"been" that belong to the reported phrase.
AUXILIARIES = frozenset({"must", "should", "will", "would", "can", "could", "may", "might",
                         "shall", "has", "have", "had"})


class Hit(NamedTuple):
    start: int          # offset of the first character, in the text given
    end: int            # offset just past the last character
    text: str


# ------------------------------------------------------------------ sentences

_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s|\Z)")
_WORD = re.compile(r"[A-Za-z0-9]+(?:['’\-.][A-Za-z0-9]+)*")


@lru_cache(maxsize=4096)   # several rules read the same texts
def sentences(text: str) -> tuple[Hit, ...]:
    """Split ``text`` into sentences. A full stop ends a sentence only before
    a capital letter, a digit or the end, and never after "e.g.", "i.e." and
    the like; a decimal point or a URL's dots are inside a word."""
    out, start = [], 0
    for m in _END.finditer(text):
        rest = text[m.end():].lstrip()
        before = text[max(start, m.start() - 12):m.start()].rsplit(None, 1)
        word = before[-1].lower().strip("\"'“‘(") if before else ""
        if rest and not (rest[0].isupper() or rest[0].isdigit() or rest[0] in "\"'“‘("):
            continue
        if rest and m.group(0).startswith(".") and word in NON_FINAL_ABBREVIATIONS:
            continue
        out.append(_hit(text, start, m.end()))
        start = m.end()
    if text[start:].strip():
        out.append(_hit(text, start, len(text)))
    return tuple(h for h in out if h.text)


def word_count(sentence: str) -> int:
    """Words as a reader counts them: runs between spaces holding a letter or digit."""
    return sum(1 for w in sentence.split() if any(c.isalnum() for c in w))


def _hit(text: str, start: int, end: int) -> Hit:
    chunk = text[start:end]
    lead = len(chunk) - len(chunk.lstrip())
    return Hit(start + lead, end, chunk.strip())


@lru_cache(maxsize=4096)
def _words(text: str) -> tuple[Hit, ...]:
    return tuple(Hit(m.start(), m.end(), m.group(0).lower()) for m in _WORD.finditer(text))


# ------------------------------------------------------------------ passive voice

def passive_phrases(sentence: str) -> Iterator[Hit]:
    """The passive phrases of one sentence ("is closed by", "must be sent",
    "gets assigned"). See the rule's documentation for what is left out."""
    if not _PASSIVE_SIGN.search(sentence):
        return  # no form of "be" or "get": most instructions
    words = _words(sentence)
    question = sentence.rstrip("\"'”’) ").endswith("?")
    state_clause_end = _check_clause_end(sentence)
    if question and words and words[0].text in BE_FINITE_PAST:
        hit = _inverted_passive(sentence, words)
        if hit:
            yield hit
    consumed = -1   # "is being rebuilt" is one phrase, not two
    for i, w in enumerate(words):
        form = _be_form(w.text)
        if (form is None and w.text not in GET_FORMS) or i <= consumed:
            continue
        if i > 0 and words[i - 1].text == "there":
            continue  # "there is limited stock": existential, not passive
        j, tense = i + 1, form
        for _ in range(4):
            if j < len(words) and (words[j].text in ("been", "being") and form):
                tense = "nonfinite"
            elif not (j < len(words) and _is_adverb(words[j].text)):
                break
            j += 1
        if j >= len(words) or not is_participle(words[j].text):
            continue
        p = words[j]
        if p.text in ADJECTIVAL or (p.text == "used" and _next(words, j) == "to"):
            continue
        if form is None:  # a get-passive: "the device gets assigned"
            if p.text in GET_IDIOMS:
                continue
        elif not _has_agent(sentence, words, j) and tense == "present":
            if (p.text in STATES or question or w.start < state_clause_end
                    or (p.text in ("signed", "logged", "checked")
                        and _next(words, j) in ("in", "out", "on", "off"))):
                continue
        consumed = j
        start, k = w.start, i - 1
        while k >= 0 and k >= i - 3 and _is_adverb(words[k].text) and form is not None:
            k -= 1
        if k >= 0 and words[k].text in AUXILIARIES and form is not None:
            start = words[k].start  # "must be approved", "has then been tested"
        yield Hit(start, p.end, sentence[start:p.end])


_PASSIVE_SIGN = re.compile(r"\b(?:%s)(?:n['’]t)?\b" % "|".join(sorted(BE_FORMS | GET_FORMS)),
                           re.IGNORECASE)
_CHECK_CLAUSE = re.compile(r"(?:%s)\b" % "|".join(re.escape(v) for v in CHECK_VERBS),
                           re.IGNORECASE)


def is_participle(word: str) -> bool:
    last = word.rsplit("-", 1)[-1]
    if last in IRREGULAR_PARTICIPLES:
        return True
    return last.endswith("ed") and len(last) >= 4 and last not in NOT_PARTICIPLES


def _be_form(word: str) -> str | None:
    if word.endswith(("n't", "n’t")):
        word = word[:-3]
    if word in BE_FINITE_PRESENT:
        return "present"
    if word in BE_FINITE_PAST:
        return "past"
    if word in BE_FORMS:
        return "nonfinite"
    return None


def _is_adverb(word: str) -> bool:
    return word in ADVERBS or (word.endswith("ly") and len(word) > 4)


def _next(words: tuple[Hit, ...], j: int) -> str:
    return words[j + 1].text if j + 1 < len(words) else ""


def _has_agent(sentence: str, words: tuple[Hit, ...], j: int) -> bool:
    """'closed by the technician': "by" within four words, naming someone."""
    for k in range(j + 1, min(j + 5, len(words))):
        if re.search(r"[,;:]", sentence[words[j].end:words[k].start]):
            return False
        if words[k].text == "by" and k + 1 < len(words):
            who = words[k + 1].text
            if who in ("the", "a", "an", "each", "every") and k + 2 < len(words):
                who = words[k + 2].text
            return who not in NOT_AGENTS
    return False


def _check_clause_end(sentence: str) -> int:
    """Where a leading "Check that ..." clause ends (0 when there is none):
    inside it, "is" + participle names a state to check."""
    if not _CHECK_CLAUSE.match(sentence):
        return 0
    m = re.search(r"[,;:]", sentence)
    return m.start() if m else len(sentence)


def _inverted_passive(sentence: str, words: tuple[Hit, ...]) -> Hit | None:
    """'Was the ticket escalated?': a past question about an action."""
    for w in words[1:8]:
        if w.text in BE_FORMS or w.text in ("by", "to", "in", "on", "for"):
            break
        if is_participle(w.text) and w.text not in ADJECTIVAL:
            return Hit(words[0].start, w.end, sentence[words[0].start:w.end])
    return None


# ------------------------------------------------------------------ chained instructions

_MARKER = re.compile(r"(?:[,;]\s*(?:and\s+)?|\band\s+)(then|after that|afterwards|afterward)"
                     r"\b,?\s+([A-Za-z][\w'-]*)")
_NEXT_CLAUSE = re.compile(r"[,;]\s*(?:and\s+)?([A-Za-z][\w'-]*)\s+([\w'-]+)")
_OBJECT_START = FUNCTION_WORDS - {"is", "are", "was", "were", "will", "can", "must", "should",
                                  "may", "might", "would", "could", "and", "or", "but", "if",
                                  "when", "until", "as", "on", "in", "at", "of", "by", "from"}


def chained_instruction(text: str) -> Hit | None:
    """The first place where ``text`` starts a second instruction, or None:
    ", then VERB", "and then VERB", "; after that, VERB", a list of
    instructions ("Unplug the printer, wait 30 seconds and ..."), or a second
    sentence that is an instruction of its own."""
    if _one_plain_clause(text):
        return None  # the common short step: nothing to chain, no sentence to split
    first_instruction = None
    for s in sentences(text):
        hit = _chain_in_sentence(s.text)
        if hit:
            return Hit(s.start + hit.start, s.start + hit.end, hit.text)
        # A semicolon joins clauses that could be sentences of their own.
        for part in _clauses(s):
            start = instruction_start(part.text)
            if start is None:
                continue
            if first_instruction is not None:
                return Hit(part.start + start, part.start + len(part.text), part.text[start:])
            first_instruction = part
    return None


_SENTENCE_MARKS = re.compile(r"[.!?]")


def _one_plain_clause(text: str) -> bool:
    """No comma, semicolon or "then", and no sentence mark before the end:
    every pattern above needs one of these, so such a text is one instruction."""
    return ("," not in text and ";" not in text and "then" not in text.lower()
            and not _SENTENCE_MARKS.search(text.rstrip().rstrip("\"')]”’").rstrip(".!?")))


def _clauses(s: Hit) -> Iterator[Hit]:
    offset = 0
    for piece in s.text.split(";"):
        if piece.strip():
            yield _hit(s.text, offset, offset + len(piece))._replace(
                start=s.start + offset + len(piece) - len(piece.lstrip()))
        offset += len(piece) + 1


def instruction_start(sentence: str) -> int | None:
    """The offset of the imperative verb that makes ``sentence`` an
    instruction ("Restart the server", "If it fails, restart it", "Then
    check ..."), or None for a statement or a prohibition."""
    words = _words(sentence)
    i = 0
    if words and words[0].text in CLAUSE_OPENERS:
        comma = sentence.find(",")
        if comma < 0:
            return None
        while i < len(words) and words[i].start < comma:
            i += 1
    while i < len(words) and words[i].text in SEQUENCE_WORDS:
        i += 1
    if i >= len(words) or words[i].text not in IMPERATIVES:
        return None
    after = sentence[words[i].end:words[i].end + 1]
    if after == ":" or _next(words, i) in NOUN_SIGNS:
        return None  # "Note: ...", "Order numbers are ..."
    return words[i].start


def _chain_in_sentence(sentence: str) -> Hit | None:
    opener = _words(sentence)[:1]
    # The first comma after "If ..." or "Finally" ends no instruction.
    conditional_comma = -1
    if opener and opener[0].text in CLAUSE_OPENERS:
        conditional_comma = sentence.find(",")
    elif opener and opener[0].text in SEQUENCE_WORDS and sentence[opener[0].end:][:1] == ",":
        conditional_comma = opener[0].end
    for m in _MARKER.finditer(sentence):
        verb = m.group(2)
        if m.start() == conditional_comma or verb[0].isupper() or verb.lower() in FUNCTION_WORDS:
            continue  # "If it fails, then ...", "Select Start, then Settings"
        return Hit(m.start(1), m.end(2), sentence[m.start(1):m.end(2)])
    if instruction_start(sentence) is None:
        return None
    for m in _NEXT_CLAUSE.finditer(sentence):
        verb, following = m.group(1).lower(), m.group(2).lower()
        if m.start() == conditional_comma or verb not in IMPERATIVES:
            continue
        if following in _OBJECT_START or following[0].isdigit():
            return Hit(m.start(1), m.end(1), m.group(1))
    return None


# ------------------------------------------------------------------ abbreviations

_ABBREVIATION = re.compile(r"(?<![\w'’])([0-9]*[A-Z][A-Z0-9&]*(?:['’]T)?)(s)?(?![\w])")
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+|\bwww\.\S+", re.IGNORECASE)


def abbreviations(text: str) -> Iterator[Hit]:
    """Abbreviations in ``text``: words of two or more capitals (PSA, MFA,
    2FA), or one capital with digits (M365, P1); ``Hit.text`` is the singular
    ("SLAs" gives "SLA"). Left out: everyday ones (IT, PC, USB, GB, ...),
    words in capitals for emphasis (NOT, NEVER, and capitals next to them),
    Roman numerals and numbers such as KB5034441 (four digits or more)."""
    text = _URL.sub(lambda m: " " * len(m.group(0)), text)
    found = list(_ABBREVIATION.finditer(text))
    shouted = _shouted(text, found)
    for i, m in enumerate(found):
        token = m.group(1)
        capitals = sum(c.isupper() for c in token)
        digits = sum(c.isdigit() for c in token)
        one_and_digits = capitals == 1 and digits and token[0].isalpha()   # M365, P1
        if len(token) < 2 or not (capitals >= 2 or one_and_digits):
            continue
        if (token in EMPHASIS_WORDS or token in ROMAN_NUMERALS or re.search(r"\d{4}", token)
                or token.lstrip("0123456789") in EVERYDAY_ABBREVIATIONS):
            continue
        if i in shouted:
            continue
        yield Hit(m.start(1), m.end(1), token)


def _shouted(text: str, found: list[re.Match]) -> set[int]:
    """Indexes of capitals that stand in a run of capital words (only spaces
    and punctuation between them) holding an emphasis word: "NEVER SEND IT
    BY EMAIL" is shouting, not five abbreviations."""
    out: set[int] = set()
    run: list[int] = []
    for i, m in enumerate(found + [None]):
        if run and (m is None or re.search(r"[a-z0-9]", text[found[run[-1]].end():m.start()])):
            if any(found[k].group(1) in EMPHASIS_WORDS for k in run):
                out.update(run)
            run = []
        if m is not None:
            run.append(i)
    return out


def term_pattern(term: str) -> re.Pattern:
    """A glossary term as a whole word, with a plural or possessive ending;
    abbreviations match case-sensitively, other terms in any case."""
    flags = 0 if term.isupper() else re.IGNORECASE
    return re.compile(r"(?<![\w])" + re.escape(term) + r"(?:s|es|['’]s)?(?![\w])", flags)
