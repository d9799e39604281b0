"""Project layer, libraries: the files a check is about, the library they
belong to, and the library rules run over it. Each file is loaded (parse →
graph → procedure rules) through ``flowsop.pipeline``, then the library rules
read every procedure together.

A library is the folder given to ``check`` with its subfolders; for a single
file, the nearest folder above it holding a ``flowsop.yaml`` or a
``pyproject.toml`` with ``[tool.flowsop]``, else the file's own folder. The
files asked about are loaded in full; the other procedures of their library
are read as outlines (``flowsop.parse.outline``), which is enough to resolve
calls and find overlaps, and 20 times cheaper than a full parse.
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..checks import RULES, check_library
from ..checks.base import LibraryContext
from .config import DEFAULT, Config, find_config, load_config
from ..diagnostics import Diagnostic
from ..model import Procedure, next_review
from ..parse import SourceError
from ..parse.outline import outline_file
from ..pipeline import Loaded, collector_paused, load_text
from .workers import load_files

STDIN = "<stdin>"


class LibraryError(Exception):
    """A path that does not exist, or a folder without procedures (a usage error)."""


@dataclass
class Member:
    """One procedure of a library."""

    path: Path                 # absolute, as found (symbolic links not resolved)
    display: str               # how diagnostics name it
    procedure: Procedure
    loaded: Loaded | None = None   # loaded in full; None for an outline


@dataclass
class Plan:
    """What to load for one library: its root and the files asked about."""

    root: Path | None                      # absolute; None for standard input alone
    base: Path | None = None               # the folder sibling displays are relative to ...
    base_display: str = ""                 # ... as the user wrote it
    asked: dict = field(default_factory=dict)   # absolute file → display
    whole: bool = False                    # a folder was given: every file is asked
    stdin: bool = False


@dataclass
class Library:
    root: Path | None
    config: Config
    members: list[Member]
    complete: bool = True

    @cached_property
    def by_id(self) -> dict[str, list[Member]]:
        out: dict[str, list[Member]] = {}
        for m in self.members:
            out.setdefault(m.procedure.id, []).append(m)
        return out

    @property
    def procedures(self) -> list[Procedure]:
        return [m.procedure for m in self.members]

    def asked(self) -> list[Member]:
        return [m for m in self.members if m.loaded is not None]

    def context(self) -> LibraryContext:
        return LibraryContext(self.procedures, self.root, self.config.settings,
                              {m.display: m.path for m in self.members if m.display != STDIN},
                              self.complete)


# ------------------------------------------------------------------ finding

def find_root(file: Path) -> Path:
    """The library root of a single file (absolute)."""
    folder = Path(os.path.abspath(file)).parent
    config = find_config(folder)
    return config.parent if config is not None else folder


#: Folders that never hold a library's procedures (tools' and VCS state).
SKIPPED_FOLDERS = ("node_modules", "__pycache__")


def library_files(root: Path) -> list[Path]:
    """Every ``.flow`` file under ``root``, in a stable order. Symbolic links to
    files are listed (path-escape judges them); linked folders are not entered,
    nor hidden folders (``.git``, ``.venv``) and ``node_modules``. A folder or
    file that vanishes or cannot be read during the walk is passed over: it is
    not part of what can be checked (os.walk ignores such errors)."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in SKIPPED_FOLDERS]
        for name in files:
            if name.endswith(".flow"):
                path = Path(folder) / name
                if path.is_file():
                    found.append(path)
    return sorted(found)


def plan(paths: list[str]) -> list[Plan]:
    """Group the paths given to ``check`` by library, in the order given."""
    plans: dict = {}
    for given in paths:
        if given == "-":
            plans.setdefault(STDIN, _stdin_plan()).asked[STDIN] = STDIN
            continue
        p = Path(given)
        if p.is_dir():
            root = Path(os.path.abspath(p))
            files = library_files(root)
            if not files:
                # Checking nothing and reporting success would hide a wrong path.
                raise LibraryError(f"{given}: no .flow files in this folder")
            entry = plans.get(root)
            if entry is None or not entry.whole:
                entry = plans[root] = Plan(root, root, given, whole=True,
                                           asked=entry.asked if entry else {})
            for f in files:
                entry.asked.setdefault(f, os.path.join(given, str(f.relative_to(root))))
        elif p.exists():
            root = find_root(p)
            entry = plans.setdefault(root, Plan(root, Path(os.path.abspath(p)).parent,
                                                os.path.dirname(given)))
            entry.asked.setdefault(Path(os.path.abspath(p)), given)
        else:
            raise LibraryError(f"{given}: no such file or folder")
    return list(plans.values())


def _stdin_plan() -> Plan:
    # Standard input has no folder: its library is the configured one around
    # the current folder, if any; otherwise it is checked alone.
    config = find_config(Path.cwd())
    if config is None:
        return Plan(None, stdin=True)
    root = config.parent
    return Plan(root, Path.cwd(), "", stdin=True)


def config_for(p: Plan, given: Config | str | Path | None, cache: dict) -> Config:
    """``--config`` when given, else the nearest configuration above the root."""
    if isinstance(given, Config):
        return given
    if given is not None:
        path, display = Path(given), str(given)
    else:
        path = find_config(p.root or Path.cwd())
        if path is None:
            return DEFAULT
        display = None
        if p.base is not None and path.is_relative_to(p.base) and p.base_display:
            # Named like the procedures beside it: "diagrams/flowsop.yaml".
            display = os.path.join(p.base_display, str(path.relative_to(p.base)))
    key = os.path.abspath(path)
    if key not in cache:
        cache[key] = load_config(path, display)
    return cache[key]


# ------------------------------------------------------------------ loading

def load_library(p: Plan, config: Config, *, today: _dt.date, rules: list[str] | None,
                 stdin_text: str | None = None, jobs: int | None = None) -> Library:
    """Load the files of ``p`` in full (in ``jobs`` worker processes when there
    are many; default one per core) and every other procedure of the library
    as an outline. Raises SourceError for a file asked about that is not text."""

    options = dict(rules=rules, today=today, settings=config.settings,
                   severities=config.severities)
    members: list[Member] = []
    if p.stdin:
        loaded = load_text(stdin_text or "", STDIN, default_id="stdin", **options)
        members.append(Member(Path(STDIN), STDIN, loaded.procedure, loaded))
    if p.root is None:
        return Library(None, config, members, complete=False)
    siblings = [] if p.whole else [f for f in library_files(p.root) if f not in p.asked]
    files = [(file, display) for file, display in p.asked.items() if file != STDIN]
    fresh = load_files(files, options, jobs)
    for file, display in files:
        members.append(Member(file, display, fresh[display].procedure, fresh[display]))
    # An editor pipes the buffer of a library file to standard input: that
    # file is the one being checked, not a second procedure with its id.
    editing = {m.procedure.id for m in members if m.display == STDIN}
    with collector_paused():  # many small objects, no cycles (see pipeline)
        for file in siblings:
            display = _display(file, p)
            try:
                outline = outline_file(file, display)
            except (SourceError, OSError):
                continue  # reported when that file itself is checked
            if outline.id not in editing:
                members.append(Member(file, display, outline))
    members.sort(key=lambda m: (m.display == STDIN, m.display))
    return Library(p.root, config, members)


def _display(file: Path, p: Plan) -> str:
    rel = os.path.relpath(file, p.base)
    return os.path.normpath(os.path.join(p.base_display, rel)) if p.base_display else rel


def library_diagnostics(library: Library, rules: list[str] | None = None) -> list[Diagnostic]:
    """The library rules' diagnostics, for every procedure of the library."""
    selected = [RULES[n] for n in rules if n in RULES] if rules is not None else None
    return check_library(library.context(), rules=selected,
                         severities=library.config.severities)


# ------------------------------------------------------------------ reviews

@dataclass(frozen=True)
class Due:
    owner: str
    due: _dt.date
    procedure: Procedure
    display: str

    def days(self, today: _dt.date) -> int:
        """Days until the review (negative: overdue)."""
        return (self.due - today).days


def review_schedule(members: list[Member], config_of, today: _dt.date,
                    within_days: int = 30) -> list[Due]:
    """Procedures whose next review is due within ``within_days`` of today or
    already past, by owner (the library's default owner where the procedure
    names none), then date. ``config_of(member)`` gives each one's Config."""
    out = []
    for m in members:
        config = config_of(m)
        meta = m.procedure.meta
        due = next_review(meta, config.settings["defaults"])
        if due is not None and (due - today).days <= within_days:
            owner = meta.owner or config.owner or "(no owner)"
            out.append(Due(owner, due, m.procedure, m.display))
    return sorted(out, key=lambda d: (d.owner.casefold(), d.due, d.display))
