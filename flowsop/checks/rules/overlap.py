"""Library rules on what procedures have in common: the trigger they begin at
and the steps they share. Indexes, never all pairs: triggers by their rarest
content word, steps and runs of steps by normalised text, with the procedures
holding each text as one integer bitmask, so a text found in every procedure
of a 1,000-procedure library costs a few integer operations, not a million
comparisons."""

from __future__ import annotations

from ...diagnostics import FILE_START, Severity
from ...model import NUMBERED_KINDS, Procedure
from ..base import Finding, LibraryContext, LibraryFindings, rule
from ..support.wording import OPPOSITES, content_words, normalise

#: Partners named per procedure and rule; the rest are counted in one line.
MAX_PARTNERS = 5
#: Steps two procedures must share before "mostly the same steps" applies,
#: and the length of a shared run worth a sub-procedure.
MIN_SHARED = 3
#: Places of one run looked at when measuring the longest shared run.
MAX_PLACES = 64
#: Boilerplate: a step in this many procedures, and this share of the library.
COMMON_MIN, COMMON_SHARE = 10, 0.05
DEFAULT_THRESHOLD = 0.6


@rule("overlapping-scope", Severity.ERROR, stage="library")
def overlapping_scope(ctx: LibraryContext) -> LibraryFindings:
    """Two procedures begin at the same trigger, or share most of their steps.

    What it finds: two procedures whose triggers (`scope.begins`, or the
    start texts of a procedure without a scope) are the same after
    normalising case, punctuation and spaces, or near-identical wordings of
    one event; and two procedures where over half of one's distinct steps
    (at least 3) are also steps of the other. Boilerplate found all over
    the library (a step in at least 10 procedures and 5% of them, such as
    "Close the ticket.") does not count as a shared step. Reported on both procedures, at
    each one's `scope.begins` line, naming the other file.

    Near-identical is measured on words, not characters: each trigger becomes
    the set of its content words (without articles, forms of "be", "have" and
    "do", prepositions, pronouns and modal verbs), each reduced to a stem
    ("closes", "closed", "closing" → "clos") with a few synonyms merged
    (customer/client, request/ask, call/phone, employee/user, begin/start).
    Two triggers are near-identical when one's words are all among the
    other's, the Jaccard index of the two sets (shared words / all words) is
    at least the `similarity-threshold` (default 0.6), either both or
    neither say "not", "no", "never" or "without", and neither has the
    opposite of a small word in the other (in/out, on/off, to/from, up/down:
    "out of stock" and "in stock" differ). So "A new ticket is
    created." and "A ticket is created." are one event (2 of 3 words), while
    "A ticket is created." and "A ticket is closed." are two: a word replaced
    by another (created by closed, ticket by invoice, fails by succeeds) is
    always a different event. Known misses: synonyms outside the short list
    above, and irregular verbs ("leaves" and "left").

    A procedure that calls the other is not reported for a shared trigger: the
    caller already delegates the work.

    Why it matters: the guide asks that every procedure have a defined scope
    "so that procedures do not mix". Two procedures for one event leave the
    technician to choose, and they drift apart.

    Incorrect:
        # tickets/new-ticket.flow
        scope:
          begins: A ticket is created.
        # tickets/triage.flow
        scope:
          begins: A new ticket is created.

    Correct:
        # tickets/new-ticket.flow: the one procedure for the event; it calls
        # the triage procedure, whose scope begins where the first one hands over.
        scope:
          begins: A ticket is created.
        # tickets/triage.flow
        scope:
          begins: A ticket has a category and needs a priority.

    How to silence: give each procedure its own trigger, or move the shared
    steps into one procedure and `call:` it from the other; or lower the rule
    (`rules = {overlapping-scope = "warning"}`) or the threshold in the
    configuration.
    """
    procs = ctx.procedures
    if len(procs) < 2:
        return  # nothing to compare (and a 10,000-node file alone costs 0.04 s)
    calls = _calls(ctx)
    found: dict[int, dict[int, tuple]] = {}  # procedure → other → (span, message)
    for a, b, texts in _trigger_pairs(ctx, _threshold(ctx.settings)):
        if b in calls[a] or a in calls[b]:
            continue  # the caller delegates the work: the structure the hint asks for
        for me, other in ((a, b), (b, a)):
            span, mine = texts[me]
            theirs = texts[other][1]
            text = (f"this procedure and {procs[other].path} begin at the same trigger: "
                    f"'{theirs}'" if normalise(mine) == normalise(theirs) else
                    f"this procedure's trigger reads like that of {procs[other].path}: "
                    f"'{theirs}'")
            found.setdefault(me, {}).setdefault(other, (span, text))
    for a, b in _step_pairs(ctx):
        for me, other in ((a, b), (b, a)):
            found.setdefault(me, {}).setdefault(other, None)  # message made below
    hint = ("give each procedure its own trigger, or move the shared steps into one "
            "procedure and `call:` it from the other")
    for me in sorted(found):
        others = found[me]
        for other in sorted(others)[:MAX_PARTNERS]:
            yield procs[me], Finding(*(others[other] or _steps_message(ctx, me, other)), hint)
        if len(others) > MAX_PARTNERS:
            yield procs[me], Finding(_trigger_span(procs[me]),
                                     f"and {len(others) - MAX_PARTNERS} more procedures "
                                     "overlap with this one", hint)


def _steps_message(ctx: LibraryContext, me: int, other: int) -> tuple:
    sets = _step_sets(ctx)
    mine, theirs = sets[me], sets[other]
    keys, nodes = _sequences(ctx)[me]
    shared = [n.text for n, k in zip(nodes, keys) if k in mine and k in theirs]
    count = len(mine & theirs)
    return (_trigger_span(ctx.procedures[me]),
            f"this procedure and {ctx.procedures[other].path} share {count} steps ({count} of "
            f"{len(mine)} here, of {len(theirs)} there), such as '{shared[0]}'")


@rule("shared-steps", Severity.WARNING, stage="library")
def shared_steps(ctx: LibraryContext) -> LibraryFindings:
    """Two procedures share a run of three or more identical steps.

    What it finds: three or more consecutive steps (steps, decisions and
    calls, compared after normalising case, punctuation and spaces) that
    appear in the same order in another procedure. Consecutive means numbered
    one after the other, with the flow going from each to the next: a `->`
    elsewhere, or a decision with no branch to the next step, ends a run.
    Reported in both procedures, at the first step of the run, with the step
    numbers on both sides (the longest run per pair of procedures).

    Why it matters: a run of steps written twice is a sub-procedure waiting to
    be named. Kept in two places, the copies drift apart, and a fix reaches
    only one of them.

    Incorrect:
        # in backup-verification.flow and in new-machine.flow
        step: Open the client's backup console.
        step: Read the result of the last backup job.
        step: Record the result in the ticket.

    Correct:
        # both call one procedure that holds the three steps
        call: read-backup-result

    How to silence: move the steps into a procedure of their own and `call:`
    it from both; or turn the rule off in the configuration
    (`rules = {shared-steps = "off"}`).
    """
    procs = ctx.procedures
    if len(procs) < 2:
        return
    sequences = _sequences(ctx)
    grams: dict[tuple, int] = {}
    runs = []
    for i, (keys, _) in enumerate(sequences):
        mine = [tuple(keys[j:j + MIN_SHARED]) for j in range(len(keys) - MIN_SHARED + 1)]
        mine = [g for g in mine if None not in g]
        runs.append(mine)
        for gram in mine:
            grams[gram] = grams.get(gram, 0) | (1 << i)
    for i, mine in enumerate(runs):
        mask = 0
        for gram in mine:
            mask |= grams[gram]
        mask &= ~(1 << i)
        if not mask:
            continue
        keys, steps = sequences[i]
        count = mask.bit_count()
        for n, other in enumerate(_bits(mask)):
            if n == MAX_PARTNERS:
                yield procs[i], Finding(steps[0].span, f"and {count - MAX_PARTNERS} more "
                                        "procedures share a run of steps with this one")
                break
            start, start_other, length = _longest_run(keys, sequences[other][0])
            theirs = sequences[other][1]
            yield procs[i], Finding(
                steps[start].span,
                f"steps {_numbers(steps, start, length)} are the same as steps "
                f"{_numbers(theirs, start_other, length)} of {procs[other].path}",
                "move them into a procedure of their own and `call:` it from both")


def _numbers(steps: list, start: int, length: int) -> str:
    return f"{steps[start].number}-{steps[start + length - 1].number}"


# ------------------------------------------------------------------ triggers

def _trigger_pairs(ctx: LibraryContext, threshold: float):
    """(i, j, {i: (span, text), j: (span, text)}) for procedures i < j whose
    triggers are the same after normalising, or near-identical."""
    groups: dict[str, list] = {}   # normalised trigger → [(procedure, span, text)]
    for i, p in enumerate(ctx.procedures):
        for span, text in _triggers(p):
            groups.setdefault(normalise(text), []).append((i, span, text))
    seen: set[tuple[int, int]] = set()

    def pairs(left: list, right: list):
        for i, span, text in left:
            for j, other_span, other_text in right:
                pair = (min(i, j), max(i, j))
                if i != j and pair not in seen:
                    seen.add(pair)
                    yield pair[0], pair[1], {i: (span, text), j: (other_span, other_text)}

    for group in groups.values():
        yield from pairs(group, group)
    # Near-identical: each distinct trigger looks only at the triggers holding
    # its rarest content word, since it must be contained in the other.
    keys = list(groups)
    words = [content_words(k) for k in keys]
    marks = [{w[1:] for w in ws if w[0] == "@"} for ws in words]
    words = [frozenset(w for w in ws if w[0] != "@") for ws in words]
    postings: dict[str, list[int]] = {}
    for n, ws in enumerate(words):
        for w in ws:
            postings.setdefault(w, []).append(n)
    for n, ws in enumerate(words):
        if not ws:
            continue
        rarest = min(ws, key=lambda w: (len(postings[w]), w))
        for m in postings[rarest]:
            other = words[m]
            if m == n or len(other) < len(ws) or not ws <= other:
                continue
            if ("not" in ws) != ("not" in other) or len(ws) / len(other) < threshold \
                    or any(OPPOSITES[w] in marks[m] for w in marks[n]):
                continue
            yield from pairs(groups[keys[n]], groups[keys[m]])


def _triggers(p: Procedure) -> list[tuple[object, str]]:
    """The scope's beginning, or else the start texts: (span, text)."""
    if p.meta.scope_begins:
        return [(p.meta.span_of("scope.begins"), p.meta.scope_begins)]
    return [(n.text_span or n.span, n.text) for n in p.nodes if n.info.entry and n.text]


def _trigger_span(p: Procedure):
    found = _triggers(p)
    return found[0][0] if found else FILE_START



def _threshold(settings: dict) -> float:
    try:
        value = float(settings.get("similarity-threshold", DEFAULT_THRESHOLD))
    except (TypeError, ValueError):
        return DEFAULT_THRESHOLD  # a bad value is the config rule's diagnostic
    return value if 0 < value <= 1 else DEFAULT_THRESHOLD


def _calls(ctx: LibraryContext) -> dict[int, set[int]]:
    index = {}
    for i, p in enumerate(ctx.procedures):
        index.setdefault(p.id, i)
    return {i: {index[n.text] for n in p.nodes if n.info.calls and n.text in index}
            for i, p in enumerate(ctx.procedures)}


# ------------------------------------------------------------------ steps

def _sequences(ctx: LibraryContext) -> list[tuple[list, list]]:
    """Per procedure, its numbered nodes in file order and their keys (the
    normalised text), with None in both where the flow does not go on to
    the next one (a `->` elsewhere, a decision with no branch to it, an end
    in between). Computed once per library, shared by both rules."""
    cached = ctx.__dict__.get("_overlap_sequences")
    if cached is None:
        cached = ctx.__dict__["_overlap_sequences"] = [_sequence(p) for p in ctx.procedures]
    return cached


def _sequence(p: Procedure) -> tuple[list, list]:
    keys, nodes, every = [], [], p.nodes
    for n in every:
        if n.kind not in NUMBERED_KINDS:
            continue
        # A call's text is an ID: keep it apart from a step that reads the same.
        keys.append("\0call " + n.text if n.info.calls else normalise(n.text))
        nodes.append(n)
        after = every[n.index + 1] if n.index + 1 < len(every) else None
        if after is None or after.kind not in NUMBERED_KINDS \
                or all(target != after.id for _, target in p.successors(n)):
            keys.append(None)
            nodes.append(None)
    return keys, nodes


def _distinct(keys: list) -> set[str]:
    return {k for k in keys if k is not None}


def _step_sets(ctx: LibraryContext) -> list[set[str]]:
    """Each procedure's distinct steps, without the library's boilerplate: a
    step found in at least COMMON_MIN procedures and COMMON_SHARE of them
    ("Close the ticket.") says nothing about what a procedure is for."""
    cached = ctx.__dict__.get("_overlap_sets")
    if cached is None:
        sets = [_distinct(keys) for keys, _ in _sequences(ctx)]
        counts: dict[str, int] = {}
        for keys in sets:
            for k in keys:
                counts[k] = counts.get(k, 0) + 1
        limit = max(COMMON_MIN, COMMON_SHARE * len(sets))
        common = {k for k, n in counts.items() if n >= limit}
        cached = ctx.__dict__["_overlap_sets"] = [keys - common for keys in sets]
    return cached


def _step_pairs(ctx: LibraryContext):
    """(i, j) for procedures i < j where over half of one's distinct steps (at
    least MIN_SHARED) are also the other's."""
    sets = _step_sets(ctx)
    owners: dict[str, int] = {}
    for i, keys in enumerate(sets):
        for k in keys:
            owners[k] = owners.get(k, 0) | (1 << i)
    found: set[tuple[int, int]] = set()
    for i, keys in enumerate(sets):
        masks = [owners[k] for k in keys if owners[k] != 1 << i]
        need = max(MIN_SHARED, len(keys) // 2 + 1)
        if len(masks) < need:
            continue  # most of its steps are its own: no other can hold over half
        for j in _bits(_at_least(masks, need) & ~(1 << i)):
            found.add((min(i, j), max(i, j)))
    return sorted(found)


def _at_least(masks: list[int], need: int) -> int:
    """The bits set in at least ``need`` of ``masks``: the masks are summed bit
    by bit into binary counter planes, then compared with ``need``."""
    planes: list[int] = []
    for carry in masks:
        level = 0
        while carry:
            if level == len(planes):
                planes.append(carry)
                break
            planes[level], carry = planes[level] ^ carry, planes[level] & carry
            level += 1
    if need >= 1 << len(planes):
        return 0
    everything = 0
    for plane in planes:
        everything |= plane
    greater, equal = 0, everything
    for level in range(len(planes) - 1, -1, -1):
        if need >> level & 1:
            equal &= planes[level]
        else:
            greater |= equal & planes[level]
            equal &= ~planes[level]
    return greater | equal


def _bits(mask: int):
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def _longest_run(a: list, b: list) -> tuple[int, int, int]:
    """(start in a, start in b, length) of the longest common run of at least
    MIN_SHARED keys (None breaks a run). Runs are extended only from where
    they begin, and a run of MIN_SHARED keys repeated all over b is looked
    up at its first MAX_PLACES places, so the work stays linear in practice."""
    where: dict[tuple, list[int]] = {}
    for j in range(len(b) - MIN_SHARED + 1):
        gram = tuple(b[j:j + MIN_SHARED])
        if None not in gram:
            places = where.setdefault(gram, [])
            if len(places) < MAX_PLACES:
                places.append(j)
    best = (0, 0, 0)
    for i in range(len(a) - MIN_SHARED + 1):
        for j in where.get(tuple(a[i:i + MIN_SHARED]), ()):
            if i and j and a[i - 1] is not None and a[i - 1] == b[j - 1]:
                continue  # inside a run already measured from its beginning
            length = MIN_SHARED
            while i + length < len(a) and j + length < len(b) \
                    and a[i + length] is not None and a[i + length] == b[j + length]:
                length += 1
            if length > best[2]:
                best = (i, j, length)
    return best
