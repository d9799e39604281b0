"""An in-memory workspace: a library's procedures held as texts, re-checked
when one text changes, without touching the disk.

What a language server, a live preview and ``flowsop.load`` need: the file
being edited is loaded in full (parse → graph → procedure rules, through
``pipeline``), every other procedure of the library is kept as an outline
(``parse.outline``, re-read only when its own text changes), and the library
rules (calls, overlapping scopes, duplicate ids) run over them all. Texts come
from disk once, when the workspace is opened, or from the caller
(``set_text``); nothing is ever written.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
from pathlib import Path

from ..checks import RULES
from ..core.clock import resolve_today
from ..diagnostics import tidy
from ..model import Procedure
from ..parse import SourceError, read_source
from ..parse.outline import outline_text
from ..pipeline import Loaded, collector_paused, load_text
from .config import DEFAULT, Config, find_config, load_config
from .library import Library, Member, library_diagnostics, library_files


class Workspace:
    """The procedures of one library folder (``root``), in memory.

    Keys are absolute paths; ``display`` names them in diagnostics (relative to
    ``base``, default the current folder). A path that is not under ``root`` may
    be added too (a buffer not yet saved)."""

    def __init__(self, root: str | Path | None, *, config: Config | str | Path | None = None,
                 today: _dt.date | str | None = None, read: bool = True):
        self.root = Path(os.path.abspath(root)) if root is not None else None
        self.config = _config(self.root, config)
        self.today = resolve_today(today)
        self.rules = self.config.enabled(list(RULES))
        self._texts: dict[Path, str] = {}
        self._outlines: dict[Path, tuple[str, Procedure]] = {}
        self._loaded: dict[Path, tuple[str, Loaded]] = {}
        self._on_disk: set[Path] = set()
        if read and self.root is not None:
            for file in library_files(self.root):
                try:
                    self._texts[file] = read_source(file)
                    self._on_disk.add(file)
                except (SourceError, OSError):
                    continue  # reported when that file itself is checked

    @property
    def paths(self) -> list[Path]:
        return sorted(self._texts)

    def text(self, path: str | Path) -> str | None:
        return self._texts.get(_key(path))

    def set_text(self, path: str | Path, text: str) -> None:
        """The procedure at ``path`` now reads ``text`` (an editor's buffer)."""
        self._texts[_key(path)] = text

    def remove(self, path: str | Path) -> None:
        key = _key(path)
        for table in (self._texts, self._outlines, self._loaded):
            table.pop(key, None)

    def display(self, path: Path) -> str:
        return os.path.relpath(path) if path.is_absolute() else str(path)

    def check(self, path: str | Path, display: str | None = None,
              default_id: str | None = None) -> Loaded:
        """The procedure at ``path`` loaded in full, with its own diagnostics and
        the library rules' diagnostics that concern it, and the titles of the
        library's procedures (for its calls)."""
        key = _key(path)
        shown = display or self.display(key)
        text = self._texts.get(key, "")
        loaded = self._full(key, text, shown, default_id or key.stem)
        members = [Member(key, shown, loaded.procedure, loaded)]
        with collector_paused():  # many small objects, no cycles (see pipeline)
            for other in self.paths:
                if other == key:
                    continue
                outline = self._outline(other)
                # A text from elsewhere (an editor's buffer, a page being
                # built) with the id of a library file is that file, edited.
                if key in self._on_disk or outline.id != loaded.procedure.id:
                    members.append(Member(other, self.display(other), outline))
        library = Library(self.root, self.config, sorted(members, key=lambda m: m.display),
                          complete=self.root is not None)
        mine = [d for d in library_diagnostics(library, self.rules) if d.path == shown]
        return Loaded(loaded.procedure, loaded.graph, tidy(loaded.diagnostics + mine + list(self.config.problems)),
                      loaded.source, {m.procedure.id: m.procedure.title for m in members})

    def check_all(self) -> dict[Path, Loaded]:
        return {path: self.check(path) for path in self.paths}

    # ------------------------------------------------------------- caches

    def _full(self, key: Path, text: str, shown: str, default_id: str) -> Loaded:
        digest = _digest(text, shown, default_id)
        cached = self._loaded.get(key)
        if cached is None or cached[0] != digest:
            loaded = load_text(text, shown, default_id=default_id, rules=self.rules,
                               today=self.today, settings=self.config.settings,
                               severities=self.config.severities)
            cached = self._loaded[key] = (digest, loaded)
        return cached[1]

    def _outline(self, key: Path) -> Procedure:
        text = self._texts[key]
        digest = _digest(text)
        cached = self._outlines.get(key)
        if cached is None or cached[0] != digest:
            cached = self._outlines[key] = (digest, outline_text(text, self.display(key),
                                                                  key.stem))
        return cached[1]


def _config(root: Path | None, given: Config | str | Path | None) -> Config:
    if isinstance(given, Config):
        return given
    if given is not None:
        return load_config(given)
    found = find_config(root or Path.cwd())
    return load_config(found) if found is not None else DEFAULT


def _key(path: str | Path) -> Path:
    return Path(os.path.abspath(path))


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()

