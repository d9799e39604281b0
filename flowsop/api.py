"""The facade: what the CLI, the integrations and other tools call. It only
composes: one procedure goes through ``pipeline``; a library, its
configuration and its rules come from ``project``.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .checks import RULES
from .core.clock import resolve_today
from .diagnostics import Diagnostic, tidy
from .pipeline import Loaded, load_file, load_text
from .parse import read_source
from .project import library as lib
from .project.config import Config
from .project.workers import resolve_jobs
from .project.workspace import Workspace

__all__ = ["Loaded", "CheckResult", "check_paths", "load", "load_file", "load_text", "Workspace"]


@dataclass
class CheckResult:
    """What ``check_paths`` found: each file asked about, loaded, with its own
    diagnostics and the library problems that involve it; and the problems of
    the configuration files (exit status 2 in the CLI)."""

    loaded: list[Loaded] = field(default_factory=list)
    config_problems: list[Diagnostic] = field(default_factory=list)
    libraries: list[lib.Library] = field(default_factory=list)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.config_problems + [d for r in self.loaded for d in r.diagnostics]


def check_paths(paths: Iterable[str], *, config: Config | str | Path | None = None,
                today: _dt.date | str | None = None, rules: Iterable[str] | None = None,
                stdin: str | None = None, jobs: int | None = None) -> CheckResult:
    """Check files and folders (``-`` is ``stdin``) as ``flowsop check`` does:
    each with the library it belongs to, the configuration found above it (or
    ``config``: a path or a ``Config``), and the library rules. Many files are
    read and checked in ``jobs`` forked worker processes (default: one per
    core; never in a process running other threads).

    Raises ``library.LibraryError`` for a path that does not exist,
    ``config.ConfigError`` for a configuration file that cannot be read, and
    ``SourceError`` for a file that is not text.
    """
    today, jobs = resolve_today(today), resolve_jobs(jobs)
    names = list(rules) if rules is not None else list(RULES)
    result, cache = CheckResult(), {}
    for plan in lib.plan(list(paths)):
        cfg = lib.config_for(plan, config, cache)
        result.config_problems += cfg.problems
        enabled = cfg.enabled(names)
        library = lib.load_library(plan, cfg, today=today, rules=enabled, stdin_text=stdin,
                                   jobs=jobs)
        found: dict[str, list[Diagnostic]] = {}
        for d in lib.library_diagnostics(library, enabled):
            found.setdefault(d.path, []).append(d)
        order = {display: n for n, display in enumerate(plan.asked.values())}
        for member in sorted(library.asked(), key=lambda m: order.get(m.display, 0)):
            mine = found.get(member.display, [])
            member.loaded.diagnostics = tidy(member.loaded.diagnostics + mine)
            result.loaded.append(member.loaded)
        result.libraries.append(library)
    result.config_problems = tidy(result.config_problems)
    return result


def load(path_or_text: str | Path, *, path: str | None = None,
         today: _dt.date | str | None = None, library: str | Path | None = None,
         default_id: str | None = None, config: Config | str | Path | None = None) -> Loaded:
    """``flowsop.load``: one procedure, checked as ``flowsop check`` checks it.

    A ``Path`` or a string ending in ``.flow`` (on one line) is read as a file;
    any other string is the procedure's own text, named ``path`` in
    diagnostics. Its library is ``library`` (a folder), else, for a file, the
    nearest folder above it with a ``flowsop.yaml`` or ``[tool.flowsop]``; the
    configuration is ``config``, else the one found above the library. A text
    with no library is checked alone, with the default configuration."""
    if isinstance(path_or_text, Path) or (
            isinstance(path_or_text, str) and path_or_text.endswith(".flow")
            and "\n" not in path_or_text):
        file = Path(path_or_text)
        text, shown = read_source(file), path or str(file)
        stem = default_id or file.stem
        root = Path(library) if library is not None else _configured_root(file)
    else:
        file, text, shown = None, path_or_text, path or "<text>"
        stem = default_id or (Path(path).stem if path else "procedure")
        root = Path(library) if library is not None else None
    if root is None and config is None:
        return load_text(text, shown, default_id=stem, today=resolve_today(today))
    workspace = Workspace(root, config=config, today=today, read=root is not None)
    key = file if file is not None else Path(root or ".", f"{stem}.flow")
    workspace.set_text(key, text)
    return workspace.check(key, shown, default_id=stem)


def _configured_root(file: Path) -> Path | None:
    """The library of a file given alone: the folder of the configuration
    above it, or None when there is none (the file is then checked alone)."""
    from .project.config import find_config

    found = find_config(file.absolute().parent)
    return found.parent if found is not None else None
