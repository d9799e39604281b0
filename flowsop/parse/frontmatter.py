"""The title page: YAML front matter → ``Meta`` plus ``front-matter`` diagnostics.

Part of the parse stage. YAML is read in two safe passes: PyYAML's event
stream first (iterative, so deep nesting cannot exhaust the stack) to refuse
tags, anchors, aliases and oversized documents; then a composed node tree,
with every scalar kept as the string the author wrote ("1.10" stays "1.10",
"no" stays "no"), walked against the schema below so that every problem points
at the author's own line.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from difflib import get_close_matches
from typing import Callable

import yaml

from ..diagnostics import Span
from ..model import Change, Meta

MAX_BYTES = 64 * 1024
MAX_DEPTH = 8
#: Every glossary term is looked for in every node's text (first use, unused
#: terms): work that grows with terms x nodes. 5,800 terms (they fit in 64 KiB)
#: on 10,000 steps took two minutes; a real SOP defines a few dozen.
MAX_GLOSSARY_TERMS = 200

TEXT_KEYS = ("title", "id", "version", "owner", "created", "modified", "reviewed",
             "review_every", "purpose")
LIST_KEYS = ("equipment", "tags")
TOP_KEYS = TEXT_KEYS + ("scope", "glossary") + LIST_KEYS + ("changes",)
SCOPE_KEYS = ("begins", "ends")
CHANGE_KEYS = ("version", "date", "by", "note")

Problem = tuple[Span, str, "str | None"]


class _Refused(Exception):
    def __init__(self, mark, message: str, hint: str | None = None):
        super().__init__(message)
        self.mark, self.message, self.hint = mark, message, hint


def read_front_matter(text: str, first_line: int) -> tuple[Meta, list[Problem]]:
    """Read ``text`` (the YAML between the ``---`` lines, whose first line is
    file line ``first_line``). Returns the title page and the problems found."""
    problems: list[Problem] = []
    at = _Marker(first_line, text)
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        return Meta(), [(Span(first_line - 1, 1),
                         f"the front matter is larger than {MAX_BYTES // 1024} KiB",
                         "keep the title page short; move long text into notes")]
    try:
        _prescan(text)
        root = yaml.compose(text, Loader=yaml.BaseLoader)
    except _Refused as e:
        return Meta(), [(at(e.mark), e.message, e.hint)]
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        problem = (e.problem or e.context or "invalid YAML").strip()
        problem = problem.replace("'<stream end>'", "the end of the front matter")
        return Meta(), [(at(mark), f"the front matter is not valid YAML: {problem}",
                         None)]
    except yaml.YAMLError as e:  # pragma: no cover - PyYAML always marks its errors
        return Meta(), [(Span(first_line, 1), f"the front matter is not valid YAML: {e}",
                         None)]
    if root is None:
        return Meta(), []
    walker = _Walker(at, problems)
    return walker.meta(root), problems


class _Marker:
    """Turns a PyYAML mark (0-based, relative to the YAML text) into a file span.

    The mark's character index is used, not its line and column: YAML also
    breaks lines at NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR, which are
    ordinary characters in a .flow file, so YAML's line numbers can drift.
    """

    def __init__(self, first_line: int, text: str = ""):
        self.first_line = first_line
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def __call__(self, mark) -> Span:
        if mark is None:
            return Span(self.first_line, 1)
        row = bisect_right(self.starts, mark.index) - 1
        return Span(self.first_line + row, mark.index - self.starts[row] + 1)


def _prescan(text: str) -> None:
    depth = 0
    for event in yaml.parse(text, Loader=yaml.BaseLoader):
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(event.start_mark, "aliases (*name) are not allowed in the front matter",
                           "write the value out in full")
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise _Refused(event.start_mark, "anchors (&name) are not allowed in the front matter",
                           "write the value out in full")
        tag = getattr(event, "tag", None)
        if tag is not None and tag != "!":
            # Say it as the author wrote it: "!!str", not "tag:yaml.org,2002:str".
            tag = tag.replace("tag:yaml.org,2002:", "!!", 1)
            raise _Refused(event.start_mark, f"YAML tags such as '{tag}' are not allowed",
                           "write plain values; flowsop reads every value as text")
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise _Refused(event.start_mark,
                               f"the front matter is nested deeper than {MAX_DEPTH} levels")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


class _Walker:
    def __init__(self, at: _Marker, problems: list[Problem]):
        self.at, self.problems = at, problems
        self.spans: dict[str, Span] = {}

    def problem(self, node, message: str, hint: str | None = None) -> None:
        self.problems.append((self.at(node.start_mark), message, hint))

    def meta(self, root) -> Meta:
        if not isinstance(root, yaml.MappingNode):
            self.problem(root, "the front matter must be a mapping of keys to values",
                         "write one 'key: value' per line, such as 'title: Verify a backup'")
            return Meta()
        values: dict = {}
        for key, key_node, value in self.mapping(root, TOP_KEYS, "front matter", ""):
            self.spans[key] = self.at(key_node.start_mark)
            reader: Callable = _READERS[key]
            values[key] = reader(self, value, key)
        scope = values.pop("scope", None)
        if scope is not None:
            values["has_scope"] = True
            values["scope_begins"] = scope.get("begins")
            values["scope_ends"] = scope.get("ends")
        return Meta(**values, spans=self.spans)

    def mapping(self, node, allowed: tuple[str, ...], where: str, prefix: str):
        """Yield (key, key node, value node), refusing duplicates and unknown keys."""
        seen: dict[str, object] = {}
        for key_node, value in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(key_node, f"a key in the {where} must be plain text")
                continue
            key = key_node.value
            if key in seen:
                self.problem(key_node, f"duplicate key '{prefix}{key}' in the {where}",
                             f"the first is on line {self.at(seen[key]).line}")
                continue
            seen[key] = key_node.start_mark
            if allowed and key not in allowed:
                close = get_close_matches(key, allowed, n=1, cutoff=0.6)
                hint = (f"did you mean '{close[0]}'?" if close
                        else "allowed keys: " + ", ".join(allowed))
                self.problem(key_node, f"unknown key '{prefix}{key}' in the {where}", hint)
                continue
            yield key, key_node, value

    def text(self, node, key: str) -> str | None:
        if not isinstance(node, yaml.ScalarNode):
            self.problem(node, f"'{key}' must be text, not a {_kind(node)}")
            return None
        return node.value.strip() or None

    def text_list(self, node, key: str) -> tuple[str, ...]:
        if isinstance(node, yaml.ScalarNode) and not node.value.strip():
            return ()
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, f"'{key}' must be a list, one '- item' per line")
            return ()
        items = (self.text(item, f"{key} item") for item in node.value)
        return tuple(i for i in items if i)

    def scope(self, node, key: str) -> dict:
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, "'scope' must have 'begins:' and 'ends:' lines under it")
            return {}
        out = {}
        for sub, sub_node, value in self.mapping(node, SCOPE_KEYS, "scope", "scope."):
            self.spans[f"scope.{sub}"] = self.at(sub_node.start_mark)
            out[sub] = self.text(value, f"scope.{sub}")
        return out

    def glossary(self, node, key: str) -> tuple[tuple[str, str], ...]:
        if isinstance(node, yaml.ScalarNode) and not node.value.strip():
            return ()
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, "'glossary' must be a mapping of 'TERM: meaning' lines")
            return ()
        if len(node.value) > MAX_GLOSSARY_TERMS:
            self.problem(node, f"the glossary has {len(node.value)} terms; at most "
                               f"{MAX_GLOSSARY_TERMS} are allowed",
                         "keep the terms this procedure uses; put terms shared by the "
                         "library in the configuration's shared glossary")
            return ()
        out = []
        for term, term_node, value in self.mapping(node, (), "glossary", "glossary."):
            self.spans[f"glossary.{term}"] = self.at(term_node.start_mark)
            meaning = self.text(value, f"glossary.{term}")
            out.append((term, meaning or ""))
        return tuple(out)

    def changes(self, node, key: str) -> tuple[Change, ...]:
        if isinstance(node, yaml.ScalarNode) and not node.value.strip():
            return ()
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, "'changes' must be a list of entries with version, date, by and note")
            return ()
        out = []
        for item in node.value:
            if not isinstance(item, yaml.MappingNode):
                self.problem(item, "each change must have version, date, by and note lines")
                continue
            fields = {}
            for sub, sub_node, value in self.mapping(item, CHANGE_KEYS, "change", "changes."):
                # Keyed by the change's index in Meta.changes: "changes.0.date".
                self.spans[f"changes.{len(out)}.{sub}"] = self.at(sub_node.start_mark)
                fields[sub] = self.text(value, f"changes.{sub}")
            out.append(Change(self.at(item.start_mark), **fields))
        return tuple(out)


def _kind(node) -> str:
    return {yaml.MappingNode: "mapping", yaml.SequenceNode: "list"}.get(type(node), "value")


_READERS: dict[str, Callable] = {key: _Walker.text for key in TEXT_KEYS}
_READERS.update({"equipment": _Walker.text_list, "tags": _Walker.text_list,
                 "scope": _Walker.scope, "glossary": _Walker.glossary,
                 "changes": _Walker.changes})
