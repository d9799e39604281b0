"""Forked worker processes, shared by ``check`` and ``build``.

Reading, parsing and checking a library of a thousand procedures is seconds
of pure Python on one core; split over forked processes (one per core, or
``--jobs``) it uses them all. Forked, because a worker then starts with the
parent's imports and the compiled parser, and receives only file names; the
results come back pickled. No fork where it is unsafe: on a platform without
it, or in a process running other threads (an MkDocs or Sphinx server calling
the API), flowsop stays in one process.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

#: Below this many files, starting worker processes costs more than it saves.
PARALLEL_FROM = 16


def can_fork() -> bool:
    import multiprocessing
    return ("fork" in multiprocessing.get_all_start_methods()
            and threading.active_count() == 1)


def workers_for(jobs: int | None, tasks: int) -> int:
    """How many processes to use for ``tasks`` tasks; 1 means this one."""
    workers = jobs or os.cpu_count() or 1
    return workers if workers > 1 and tasks >= PARALLEL_FROM and can_fork() else 1


def load_files(files: list[tuple[Path, str]], load: dict, jobs: int | None) -> dict[str, object]:
    """``api.load_file`` for each (path, display): display → ``Loaded``, in
    worker processes when there are enough files. A file that cannot be read
    raises ``SourceError`` here, as it would in one process."""
    from .api import load_file

    workers = workers_for(jobs, len(files))
    if workers == 1:
        return {display: load_file(path, display, **load) for path, display in files}
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _TO_LOAD
    _TO_LOAD = (files, load)
    size = max(1, len(files) // (workers * 8))
    chunks = [range(i, min(i + size, len(files))) for i in range(0, len(files), size)]
    out: dict[str, object] = {}
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            for part in pool.map(_load_chunk, chunks):
                out.update(part)
    finally:
        _TO_LOAD = ()
    return out


_TO_LOAD: tuple = ()


def _load_chunk(indexes: range) -> dict[str, object]:
    from .api import load_file
    files, load = _TO_LOAD
    return {files[i][1]: load_file(files[i][0], files[i][1], **load) for i in indexes}
