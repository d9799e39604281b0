"""Project configuration: ``[tool.flowsop]`` in a ``pyproject.toml`` or a
``flowsop.yaml``, found at the library root by walking up from the checked path.

Read before the library is loaded: the library stage and the checks receive a
``Config`` (rules turned off or re-graded, rule settings, and the defaults
every procedure inherits). A problem in the file is a diagnostic with the rule
``config`` (and exit status 2 in the CLI), never an exception; the run goes on
with the valid part.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from difflib import get_close_matches
from pathlib import Path

from ..diagnostics import Diagnostic, Severity, Span
from ..core.periods import parse_period

YAML_NAME = "flowsop.yaml"
PYPROJECT = "pyproject.toml"
#: Walking up for a configuration stops after a repository's top folder.
REPO_MARKERS = (".git", ".hg")

SEVERITY_VALUES = ("off", "warning", "error")
TOP_KEYS = ("rules", "max-sentence-words", "similarity-threshold", "terms", "defaults")
DEFAULT_KEYS = ("glossary", "owner", "review_every")

DEFAULT_MAX_SENTENCE_WORDS = 20
DEFAULT_SIMILARITY_THRESHOLD = 0.6


@dataclass(frozen=True)
class Config:
    """What a configuration file says; ``Config()`` is the built-in default."""

    path: Path | None = None          # the file it came from, None for the default
    rules: dict = field(default_factory=dict)    # rule name → "off" | "warning" | "error"
    max_sentence_words: int = DEFAULT_MAX_SENTENCE_WORDS
    similarity_threshold: float = DEFAULT_SIMILARITY_THRESHOLD
    terms: tuple[str, ...] = ()
    owner: str | None = None
    review_every: str | None = None
    glossary: tuple[tuple[str, str], ...] = ()
    problems: tuple[Diagnostic, ...] = ()

    @property
    def disabled(self) -> set[str]:
        return {name for name, value in self.rules.items() if value == "off"}

    @property
    def severities(self) -> dict[str, Severity]:
        return {name: Severity(value) for name, value in self.rules.items() if value != "off"}

    @property
    def settings(self) -> dict:
        """What rules read as ``ctx.settings`` (keys as written in the file)."""
        defaults: dict = {"glossary": dict(self.glossary)}
        if self.owner:
            defaults["owner"] = self.owner
        if self.review_every:
            defaults["review_every"] = self.review_every
        return {"max-sentence-words": self.max_sentence_words,
                "similarity-threshold": self.similarity_threshold,
                "terms": self.terms, "defaults": defaults}

    def enabled(self, names) -> list[str]:
        """``names`` without the rules this configuration turns off."""
        off = self.disabled
        return [n for n in names if n not in off]

    def inherit(self, procedure):
        """The procedure with the library defaults filled in where it is silent
        (owner, review_every; glossary terms it does not define itself), for
        renderers. Checks read the defaults from ``settings`` instead, so that
        a rule can tell an inherited value from one the author wrote."""
        meta = procedure.meta
        own = {term for term, _ in meta.glossary}
        glossary = meta.glossary + tuple(g for g in self.glossary if g[0] not in own)
        meta = replace(meta, owner=meta.owner or self.owner,
                       review_every=meta.review_every or self.review_every, glossary=glossary)
        return replace(procedure, meta=meta)


DEFAULT = Config()


class ConfigError(Exception):
    """A configuration file that cannot be read at all (a usage error, exit 2)."""


def find_config(start: Path) -> Path | None:
    """The nearest ``flowsop.yaml``, or ``pyproject.toml`` with a ``[tool.flowsop]``
    table, in ``start`` (a folder) or a folder above it. A ``flowsop.yaml`` wins
    over a ``pyproject.toml`` in the same folder. The walk stops after the top
    folder of a git or Mercurial repository."""
    for folder in (start, *start.parents):
        candidate = folder / YAML_NAME
        if candidate.is_file():
            return candidate
        candidate = folder / PYPROJECT
        if candidate.is_file() and _has_flowsop_table(candidate):
            return candidate
        if any((folder / m).exists() for m in REPO_MARKERS):
            return None
    return None


def load_config(path: str | Path, display: str | None = None) -> Config:
    """Read and validate a configuration file. Raises ConfigError when the file
    cannot be read; every problem inside it is a ``config`` diagnostic, named
    ``display`` (default: the path relative to the current folder)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read the configuration: {e}") from None
    shown = display or display_path(path)
    if path.suffix in (".yaml", ".yml"):
        values, locate, problems = _read_yaml(text, shown)
    else:
        values, locate, problems = _read_toml(text, shown, path.name == PYPROJECT)
    reader = _Reader(shown, locate, problems)
    return reader.config(values, path)


def display_path(path: Path) -> str:
    """A path as diagnostics show it: relative to the current folder when below it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)
    return str(path) if rel.startswith("..") and path.is_absolute() else rel


# ------------------------------------------------------------------ file formats

def _has_flowsop_table(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    # A cheap test first: most pyproject files never mention flowsop.
    return re.search(r"^\s*\[\s*tool\s*\.\s*flowsop\s*[\].]", text, re.M) is not None


def _read_toml(text: str, shown: str, pyproject: bool):
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(e))
        if m:
            span = Span(int(m.group(1)), int(m.group(2)))
        else:  # "(at end of document)"
            span = Span(text.count("\n") + 1, len(text.rsplit("\n", 1)[-1]) + 1)
        message = re.sub(r"\s*\(at .*\)$", "", str(e))
        return {}, lambda *keys: span, [_problem(shown, span, f"invalid TOML: {message}")]
    table_line = 1
    if pyproject or "tool" in data:
        data = data.get("tool", {}).get("flowsop", {})
        m = re.search(r"^\s*\[\s*tool\s*\.\s*flowsop\s*[\].]", text, re.M)
        table_line = text.count("\n", 0, m.start()) + 1 if m else 1
    lines = text.split("\n")

    def locate(*keys: str) -> Span:
        # tomllib keeps no positions: find the innermost key's line below the
        # table, which is right for every file we write and close otherwise.
        key = keys[-1] if keys else None
        if key is not None:
            pattern = re.compile(r'(^|[\s{,."\'])' + re.escape(str(key)) + r'["\']?\s*=')
            for number in range(table_line - 1, len(lines)):
                m = pattern.search(lines[number])
                if m:
                    return Span(number + 1, m.start() + len(m.group(1)) + 1)
        return Span(table_line, 1)

    if not isinstance(data, dict):
        return {}, locate, [_problem(shown, Span(table_line, 1), "[tool.flowsop] must be a table")]
    return data, locate, []


def _read_yaml(text: str, shown: str):
    import yaml

    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CBaseLoader", yaml.BaseLoader))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        span = Span(mark.line + 1, mark.column + 1) if mark else Span(1, 1)
        problem = getattr(e, "problem", None) or "invalid YAML"
        return {}, lambda *keys: span, [_problem(shown, span, f"invalid YAML: {problem}")]
    if root is None:
        return {}, lambda *keys: Span(1, 1), []
    marks: dict[tuple, Span] = {}

    def plain(node, path: tuple):
        # Every scalar stays the text the author wrote; types are checked below.
        if isinstance(node, yaml.MappingNode):
            out = {}
            for k, v in node.value:
                key = k.value if isinstance(k, yaml.ScalarNode) else str(k.value)
                marks[path + (key,)] = Span(k.start_mark.line + 1, k.start_mark.column + 1)
                out[key] = plain(v, path + (key,))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [plain(v, path) for v in node.value]
        return node.value

    values = plain(root, ())

    def locate(*keys: str) -> Span:
        return marks.get(tuple(keys), Span(1, 1))

    if not isinstance(values, dict):
        return {}, locate, [_problem(shown, Span(1, 1), "flowsop.yaml must be a mapping of keys to values")]
    return values, locate, []


def _problem(path: str, span: Span, message: str, hint: str | None = None) -> Diagnostic:
    return Diagnostic(path, span, Severity.ERROR, "config", message, hint)


# ------------------------------------------------------------------ validation

class _Reader:
    def __init__(self, shown: str, locate, problems: list[Diagnostic]):
        self.shown, self.locate, self.problems = shown, locate, problems

    def problem(self, keys: tuple, message: str, hint: str | None = None) -> None:
        self.problems.append(_problem(self.shown, self.locate(*keys), message, hint))

    def config(self, values: dict, path: Path) -> Config:
        out: dict = {}
        for key, value in values.items():
            if key not in TOP_KEYS:
                self.unknown((key,), key, TOP_KEYS, "configuration")
            elif key == "rules":
                out["rules"] = self.rules(value)
            elif key == "max-sentence-words":
                number = self.number(key, value, int, low=1)
                if number is not None:
                    out["max_sentence_words"] = number
            elif key == "similarity-threshold":
                number = self.number(key, value, float, low=0.0, high=1.0)
                if number is not None:
                    out["similarity_threshold"] = number
            elif key == "terms":
                out["terms"] = self.words((key,), value)
            else:
                out.update(self.defaults(value))
        return Config(path=path, problems=tuple(self.problems), **out)

    def unknown(self, keys: tuple, key: str, allowed, where: str) -> None:
        close = get_close_matches(str(key), list(allowed), n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else "allowed keys: " + ", ".join(allowed)
        self.problem(keys, f"unknown key '{key}' in the {where}", hint)

    def rules(self, value) -> dict:
        from ..checks import RULES

        if not isinstance(value, dict):
            self.problem(("rules",), "'rules' must map rule names to off, warning or error",
                         "such as rules = {passive-voice = \"off\"}")
            return {}
        out = {}
        for name, setting in value.items():
            keys = ("rules", name)
            if name not in RULES:
                close = get_close_matches(str(name), list(RULES), n=1, cutoff=0.6)
                self.problem(keys, f"unknown rule '{name}'",
                             f"did you mean '{close[0]}'?" if close else "'flowsop rules' lists them")
                continue
            if RULES[name].stage == "parse":
                self.problem(keys, f"the rule '{name}' cannot be turned off or re-graded",
                             "a file flowsop cannot read is always an error")
                continue
            if isinstance(setting, bool) and not setting:
                setting = "off"
            if not isinstance(setting, str) or setting.lower() not in SEVERITY_VALUES:
                self.problem(keys, f"'{name}' is set to {setting!r}",
                             "write one of: " + ", ".join(SEVERITY_VALUES))
                continue
            out[name] = setting.lower()
        return out

    def number(self, key: str, value, kind, low: float, high: float | None = None):
        if isinstance(value, bool):
            value = None
        elif isinstance(value, str):
            try:
                value = kind(value.strip())
            except ValueError:
                value = None
        elif isinstance(value, (int, float)) and kind is float:
            value = float(value)
        elif not isinstance(value, int):
            value = None
        bounds = f"at least {low:g}" if high is None else f"between {low:g} and {high:g}"
        if value is None or value < low or (high is not None and value > high) \
                or (kind is float and value == 0):
            what = "a whole number" if kind is int else "a number"
            self.problem((key,), f"'{key}' must be {what} {bounds}")
            return None
        return value

    def words(self, keys: tuple, value) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(keys, f"'{keys[-1]}' must be a list of words")
            return ()
        return tuple(v.strip() for v in value if v.strip())

    def defaults(self, value) -> dict:
        if not isinstance(value, dict):
            self.problem(("defaults",), "'defaults' must map glossary, owner and review_every")
            return {}
        out: dict = {}
        for key, item in value.items():
            keys = ("defaults", key)
            if key not in DEFAULT_KEYS:
                self.unknown(keys, key, DEFAULT_KEYS, "defaults")
            elif key == "glossary":
                if not isinstance(item, dict) or not all(isinstance(v, str) for v in item.values()):
                    self.problem(keys, "'defaults.glossary' must map each term to its meaning")
                else:
                    out["glossary"] = tuple((str(k), v.strip()) for k, v in item.items())
            elif not isinstance(item, str) or not item.strip():
                self.problem(keys, f"'defaults.{key}' must be text")
            elif key == "review_every" and parse_period(item) is None:
                self.problem(keys, f"'defaults.review_every: {item}' does not read as a period",
                             "write a number and a unit: '90 days', '2 weeks', '6 months', '1 year'")
            else:
                out[key] = item.strip()
        return out
