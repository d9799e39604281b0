"""Word lists for the style rules (``english.py`` uses them; nothing else).

Kept apart from the heuristics so that a list can grow without the logic
moving. Every list is lower-case.
"""

from __future__ import annotations

#: Forms of "be" that start a passive. The contraction "'s" is left out: in
#: procedures it is far more often a possessive ("client's") than "is".
BE_FINITE_PRESENT = frozenset({"is", "are", "am"})
BE_FINITE_PAST = frozenset({"was", "were"})
BE_NONFINITE = frozenset({"be", "been", "being"})
BE_FORMS = BE_FINITE_PRESENT | BE_FINITE_PAST | BE_NONFINITE
GET_FORMS = frozenset({"get", "gets", "got", "gotten", "getting"})

#: Words that may stand between "be" and its participle ("is not closed",
#: "is then sent", "are all added"). Words ending in "-ly" count too.
ADVERBS = frozenset({
    "not", "never", "also", "always", "then", "already", "still", "just", "often",
    "now", "first", "only", "all", "both", "each", "usually", "sometimes", "soon",
    "again", "later", "once", "rarely", "seldom", "normally", "even", "yet", "n't",
})

#: Common English irregular past participles (those not ending in "-ed"),
#: including the ones that look like the base form ("set", "put", "read").
IRREGULAR_PARTICIPLES = frozenset("""
arisen awoken beaten begun bent bet bid bitten bled blown born borne bought bound
bred broadcast broken brought built burnt burst cast caught chosen clung cost crept
cut dealt done drawn dreamt driven drunk dug eaten fallen fed felt fled flown flung
forbidden forecast foregone foreseen forgiven forgotten forsaken found frozen given
gone ground grown heard held hidden hit hung hurt input kept knelt knit known laid
lain leant learnt led left lent let lit lost made meant met mislaid misled mistaken
misunderstood mown offset outdone outgrown output overcome overdone overheard overlaid
overpaid overridden overrun overseen overshot oversold overtaken overthrown overwritten
paid preset proven put quit read rebuilt recast redone remade rent repaid reread rerun
reset resold resent retaken retold rewound rewritten rid ridden risen rung run said
sawn seen sent set sewn shaken shed shone shod shot shown shrunk shut slain slept slid
slit slung smelt sold sought sown sped spelt spent spilt spat split spoilt spoken spread
sprung spun stolen stood stuck stung stunk strewn stricken striven struck strung sung
sunk swept sworn swollen swum swung taken taught thought thrown thrust told torn trodden
undergone understood undertaken undone unwound upheld upset wed wept withdrawn withheld
woken won worn woven wound written wrung
""".split())

#: "-ed" words that are not past participles.
NOT_PARTICIPLES = frozenset({
    "bed", "red", "need", "feed", "seed", "speed", "weed", "breed", "bleed", "creed",
    "deed", "greed", "heed", "reed", "steed", "shred", "sled", "hundred", "sacred",
    "naked", "wicked", "kindred", "rugged", "ragged", "jagged", "crooked", "beloved",
    "embed", "exceed", "proceed", "succeed", "indeed", "biped", "wed",
})

#: Participles that are adjectives after "be" in any tense ("Approval is
#: required", "is based on", "is supposed to"): never reported.
ADJECTIVAL = frozenset({
    "required", "needed", "based", "supposed", "meant", "expected", "interested",
    "concerned", "involved", "satisfied", "dissatisfied", "tired", "worried", "pleased",
    "annoyed", "confused", "surprised", "disappointed", "excited", "bored", "married",
    "qualified", "experienced", "skilled", "advanced", "detailed", "complicated",
    "sophisticated", "dedicated", "limited", "located", "situated", "related", "entitled",
    "prepared", "allowed", "permitted", "done", "gone", "finished", "lost", "known",
    "accustomed", "bound", "obliged", "scared", "called", "named", "titled", "covered",
    "born", "outdated", "unexpected", "unknown", "unsupported", "unused", "upset",
})

#: Participles that name a state of a thing in IT work ("the device is
#: encrypted", "the service desk is closed"). After a present "is"/"are"
#: with no "by" agent they are read as states; in other tenses, with a
#: modal ("must be closed") or with an agent ("is closed by") they are passives.
STATES = frozenset({
    "closed", "opened", "locked", "unlocked", "connected", "disconnected", "encrypted",
    "decrypted", "installed", "uninstalled", "enabled", "disabled", "expired", "broken",
    "cracked", "damaged", "frozen", "stuck", "hidden", "licensed", "unlicensed", "patched",
    "unpatched", "mounted", "mapped", "powered", "plugged", "switched", "turned", "logged",
    "listed", "scheduled", "configured", "attached", "included", "protected", "managed",
    "unmanaged", "supported", "deprecated", "blocked", "stopped", "paused", "suspended",
    "completed", "registered", "synced", "synchronised", "synchronized", "archived",
    "unassigned", "shared", "saved", "charged", "labelled", "labeled", "enrolled",
})
# Results of one person's act ("assigned", "approved", "signed", "verified") are
# left out on purpose: "the ticket is assigned to the queue" reports an action.

#: After "get", these make idioms or states, not passives ("get rid of").
GET_IDIOMS = frozenset({"rid", "used", "started", "lost", "married", "dressed", "involved",
                        "stuck", "done", "ready", "back", "signed", "logged"})

#: Words after "by" that name a means or a time, not who acts ("by phone").
NOT_AGENTS = frozenset({
    "hand", "phone", "email", "e-mail", "mail", "post", "courier", "default", "mistake",
    "text", "then", "now", "far", "way", "chance", "design", "accident", "law", "noon",
    "midnight", "tomorrow", "tonight", "monday", "tuesday", "wednesday", "thursday",
    "friday", "saturday", "sunday", "end", "time", "deadline", "next", "close",
})

#: Verbs that open a clause about a state ("Check that the device is encrypted").
CHECK_VERBS = ("check", "confirm", "verify", "ensure", "make sure", "test", "see",
               "ask", "find out", "look", "note")

#: Imperative verbs that begin a procedure instruction. A sentence that begins
#: with one of these (not followed by "is", "are"... as a noun would be) is an
#: instruction.
IMPERATIVES = frozenset("""
accept activate add adjust answer apply approve archive ask assign attach audit
back block book bring browse build call cancel change charge chase check choose clean
clear click close collect compare complete configure confirm connect contact convert
copy create decide decline delete deliver deploy describe disable disconnect dispatch
document download drag email e-mail empty enable encrypt end enroll enrol enter erase
escalate estimate explain export file fill find finish fix follow forward give go
grant hand have help hold import inform insert install invite join keep label leave
let list lock log look make map mark measure merge migrate monitor mount move name
note notify open order pack patch pause pay phone photograph pick place plug post
power prepare press print provision pull push put raise read reboot record refresh
register reinstall reject release reload remind remove rename renew reopen repeat
replace reply report request rerun reset resolve restart restore resume retry return
revoke review run save scan schedule search select send set share ship show shut sign
start stick stop store submit suspend swap switch sync take tell test text tick
transfer try turn type uninstall unlock unpack unplug update upgrade upload use verify
wait warn wipe write
""".split())

#: Words that, right after "then", show that no new instruction follows.
FUNCTION_WORDS = frozenset({
    "the", "a", "an", "it", "they", "you", "we", "he", "she", "this", "that", "these",
    "those", "there", "its", "their", "your", "our", "his", "her", "each", "every",
    "all", "some", "any", "no", "one", "is", "are", "was", "were", "will", "can",
    "must", "should", "may", "might", "would", "could", "on", "in", "at", "to", "of",
    "for", "with", "by", "from", "and", "or", "but", "if", "when", "until", "as",
})

#: Words that, after an imperative-looking first word, show it is a noun
#: ("Order numbers are ...", "Backup runs at night").
NOUN_SIGNS = frozenset({"is", "are", "was", "were", "has", "have", "can", "will",
                        "must", "should", "may", "runs", "starts", "ends", "needs", "takes"})

#: Openers of a condition or time clause before an instruction.
CLAUSE_OPENERS = frozenset({"if", "when", "once", "after", "before", "until", "while",
                            "unless", "whenever", "as", "since"})

#: Words that can come before an instruction's verb without changing it.
SEQUENCE_WORDS = frozenset({"first", "then", "next", "now", "finally", "also", "afterwards",
                            "please", "lastly", "second", "third"})

#: Abbreviations every reader of an MSP procedure knows (no glossary entry needed).
EVERYDAY_ABBREVIATIONS = frozenset({"IT", "PC", "ID", "OK", "USB", "PDF", "URL", "AM", "PM",
                                    "KB", "MB", "GB", "TB"})

#: Words written in capitals for emphasis, not abbreviations.
EMPHASIS_WORDS = frozenset("""
NOT NO NEVER ALL ANY ONLY DO DON'T MUST ALWAYS BEFORE AFTER NOW STOP WARNING NOTE
IMPORTANT AND OR IF THEN NEW OFF ON YES CAUTION DANGER URGENT ONE EVERY EACH NONE
PLEASE
""".split())

#: Roman numerals ("Tier II"), which are not abbreviations.
ROMAN_NUMERALS = frozenset("II III IV VI VII VIII IX XI XII".split())

#: Abbreviations that end a sentence only when the next word is capitalised
#: and is not a known continuation; "e.g." and "i.e." never end one.
NON_FINAL_ABBREVIATIONS = frozenset({"e.g", "i.e", "etc", "vs", "approx", "no", "nr",
                                     "mr", "mrs", "ms", "dr", "st", "cf", "incl", "ca"})
