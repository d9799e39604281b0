"""Render stage, layout step: DOT text → SVG/PNG/PDF bytes, by running a
Graphviz layout engine as a separate process.

``dot.py`` writes the DOT; this module only runs the engine and judges what it
printed. The default engine is ``graphviz-pure`` (a PyPI wheel, pinned in
pyproject.toml, so ``pip install`` alone is enough and its output is the same
on every platform); a system Graphviz ``dot`` is used when asked for, and PDF
needs it. Every way the engine can fail (missing, crashing, hanging, printing
garbage) raises one exception, ``EngineError``, which callers turn into a
diagnostic with the rule name ``engine``.

``FLOWSOP_ENGINE_PATH`` names the engine's executable explicitly (tests point
it at stand-ins; users may point it at a particular build).
"""

from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ENGINES = ("graphviz-pure", "dot")
DEFAULT_ENGINE = "graphviz-pure"
ENGINE_PATH_ENV = "FLOWSOP_ENGINE_PATH"
#: What each output format must start with; anything else is garbage.
MAGIC: dict[str, tuple[bytes, ...]] = {
    "svg": (b"<?xml", b"<svg", b"<!DOCTYPE svg"),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "pdf": (b"%PDF-",),
    "json": (b"{",),
}
#: PNG is drawn at twice the screen resolution, so text stays sharp on
#: high-density screens and when printed; SVG and PDF are vector formats.
PNG_DPI = 144
#: How many lines of the engine's stderr an error message quotes.
STDERR_LINES = 5

_INSTALL_HINTS = {
    "graphviz-pure": "install it with `pip install graphviz-pure==0.2.2` (a dependency of "
                     "flowsop), or use a system Graphviz with `--engine dot`",
    "dot": "install Graphviz (https://graphviz.org/download/) so that `dot` is on PATH, "
           "or use the bundled engine with `--engine graphviz-pure`",
}


class EngineError(Exception):
    """The layout engine could not produce the chart. ``message`` says what
    happened, naming the engine; ``hint`` says what the author can do."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


def layout(dot_source: str, fmt: str, engine: str = DEFAULT_ENGINE,
           timeout: float = 60) -> bytes:
    """Lay out ``dot_source`` with ``engine`` and return the ``fmt`` output."""
    if fmt not in MAGIC:
        raise EngineError(f"unknown chart format '{fmt}'",
                          f"use one of {', '.join(sorted(MAGIC))}")
    if fmt == "pdf" and engine == "graphviz-pure":
        raise EngineError("the bundled layout engine graphviz-pure cannot write PDF",
                          "install Graphviz and render with `--engine dot`, or choose "
                          "svg or png")
    exe = find_engine(engine)
    args = [exe, f"-T{fmt}"]
    if fmt == "png":
        args.append(f"-Gdpi={PNG_DPI}")
    try:
        proc = subprocess.run(args, input=dot_source.encode("utf-8"), capture_output=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        # run() has already killed and reaped the engine.
        raise EngineError(f"the layout engine {engine} did not finish within {timeout:g} s",
                          "split the procedure into smaller ones with `call`, or raise "
                          "the time limit") from None
    except OSError as exc:
        raise EngineError(f"the layout engine {engine} could not be started ({exc.strerror})",
                          _INSTALL_HINTS.get(engine)) from None
    if proc.returncode != 0:
        raise EngineError(f"the layout engine {engine} {_exit_text(proc.returncode)}"
                          f"{_stderr_excerpt(proc.stderr)}",
                          "this is a bug in the engine or in flowsop; please report it "
                          "with the .dot output (`--format dot`)")
    out = proc.stdout
    if not out.lstrip().startswith(MAGIC[fmt]) or (fmt == "svg" and b"</svg>" not in out[-64:]):
        head = out[:40].decode("utf-8", "replace")
        raise EngineError(f"the layout engine {engine} printed something that is not {fmt.upper()}"
                          f" (it starts with {head!r})" + _stderr_excerpt(proc.stderr),
                          f"check that {exe} is a Graphviz layout engine")
    return out


def layout_many(jobs: list[tuple[str, str]], engine: str = DEFAULT_ENGINE,
                max_workers: int | None = None,
                timeout: float = 60) -> list[bytes | EngineError]:
    """Lay out several (dot_source, fmt) jobs in parallel, in the order given.
    A job that fails yields its ``EngineError`` instead of bytes; the others
    still run. Threads suffice: each job is a separate engine process."""
    workers = max_workers or min(len(jobs), os.cpu_count() or 1) or 1

    def one(job: tuple[str, str]) -> bytes | EngineError:
        try:
            return layout(job[0], job[1], engine, timeout)
        except EngineError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, jobs))


def find_engine(engine: str = DEFAULT_ENGINE) -> str:
    """The executable to run for ``engine``: ``$FLOWSOP_ENGINE_PATH`` if set;
    for graphviz-pure the one installed beside this Python (a venv need not
    be activated), then PATH; for dot, PATH."""
    if engine not in ENGINES:
        raise EngineError(f"unknown layout engine '{engine}'",
                          f"use one of {', '.join(ENGINES)}")
    override = os.environ.get(ENGINE_PATH_ENV)
    if override:
        return override
    if engine == "graphviz-pure":
        for name in ("graphviz-pure", "graphviz-pure.exe"):
            beside = Path(sys.executable).parent / name
            if beside.is_file():
                return str(beside)
    found = shutil.which(engine)
    if not found:
        raise EngineError(f"the layout engine {engine} is not installed",
                          _INSTALL_HINTS[engine])
    return found


def system_dot_available() -> bool:
    """True when a system Graphviz ``dot`` is on PATH."""
    return shutil.which("dot") is not None


def engine_version_or_none(engine: str = DEFAULT_ENGINE) -> str | None:
    """The engine's version, or None when it cannot be run (its charts then
    fail with an ``engine`` diagnostic each; this is only for cache keys)."""
    try:
        return engine_version(engine)
    except EngineError:
        return None


def engine_version(engine: str = DEFAULT_ENGINE) -> str:
    """The engine's own version line (``-V``), for the build manifest."""
    return _engine_version(engine, os.environ.get(ENGINE_PATH_ENV, ""))


@functools.lru_cache(maxsize=None)
def _engine_version(engine: str, _override: str) -> str:
    exe = find_engine(engine)
    try:
        proc = subprocess.run([exe, "-V"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EngineError(f"the layout engine {engine} did not report its version ({exc})",
                          _INSTALL_HINTS.get(engine)) from None
    # dot prints its version on stderr, some builds on stdout.
    for stream in (proc.stderr, proc.stdout):
        line = stream.decode("utf-8", "replace").strip().splitlines()
        if line:
            return line[0].strip()
    raise EngineError(f"the layout engine {engine} did not report its version",
                      _INSTALL_HINTS.get(engine))



def _exit_text(code: int) -> str:
    if code < 0:
        try:
            return f"crashed ({signal.Signals(-code).name})"
        except ValueError:
            return f"crashed (signal {-code})"
    return f"failed (exit status {code})"


def _stderr_excerpt(stderr: bytes) -> str:
    lines = [l.strip() for l in stderr.decode("utf-8", "replace").splitlines() if l.strip()]
    if not lines:
        return ""
    return ": " + " | ".join(lines[:STDERR_LINES])
