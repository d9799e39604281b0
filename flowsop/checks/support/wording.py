"""Wording: how the library rules compare texts. ``normalise`` for "the same
text" (case, punctuation and spacing removed); ``content_words`` for "the same
event in other words" (content-word stems, negation and direction markers)."""

from __future__ import annotations

import re

_STOP = frozenset("""a an the is are was were be been being am has have had do does did of in
on at to for from by with into onto about as per via and or but so that which who whom whose
when where while if then than it its they their them this these those he she his her him we
our us you your i my me there here some any each every all also just only yet still now can
could will would shall should may might must""".split())
NEGATIONS = frozenset("not no never without none nothing nobody cannot neither nor".split())
#: Small words that are not content, except when the other trigger has the
#: opposite one: "out of stock" / "in stock", "switched off" / "switched on".
OPPOSITES = {"in": "out", "out": "in", "on": "off", "off": "on", "to": "from", "from": "to",
             "into": "out", "up": "down", "down": "up"}
#: A few words MSP procedures use for one thing, by stem.
SYNONYMS = {"customer": "client", "request": "ask", "call": "phon", "ring": "phon",
            "telephon": "phon", "employe": "user", "begin": "start"}
_WORD = re.compile(r"\w+(?:'\w+)*")
_PUNCTUATION = str.maketrans({c: " " for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
                                              "\u2018\u2019\u201c\u201d\u2013\u2014\u2026"})


def normalise(text: str) -> str:
    """Case, punctuation and spacing removed: "Open the ticket." == "open the  ticket"."""
    return " ".join(text.casefold().translate(_PUNCTUATION).split())


def content_words(text: str) -> frozenset[str]:
    """The stems of a text's content words, with "not" for any negation and
    "@in", "@out" ... for the words of ``OPPOSITES``."""
    out = set()
    for word in _WORD.findall(text.casefold().replace("\u2019", "'")):
        if word.endswith("n't"):
            out.add("not")  # doesn't, isn't, can't: the rest is an auxiliary
            continue
        word = word.split("'")[0]  # the client's → client
        if word in NEGATIONS:
            out.add("not")
        elif word in OPPOSITES:
            out.add("@" + word)  # a marker, compared apart from the content words
        elif word not in _STOP:
            s = stem(word)
            out.add(SYNONYMS.get(s, s))
    return frozenset(out)


def stem(word: str) -> str:
    """A light suffix stripper: created, creates, creating, create → creat."""
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith(("ies", "ied")) and len(word) > 4:
        return word[:-3] + "y"
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 \
                and not (suffix == "s" and word.endswith("ss")):
            word = word[:-len(suffix)]
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
        word = word[:-1]  # stopped → stop
    return word

