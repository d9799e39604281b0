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

from ..pipeline import Loaded, load_file

#: Below this many files, starting worker processes costs more than it saves.
PARALLEL_FROM = 16


def can_fork() -> bool:
    import multiprocessing
    return ("fork" in multiprocessing.get_all_start_methods()
            and threading.active_count() == 1)


def resolve_jobs(jobs: int | None) -> int:
    """``--jobs``: a positive number as given; 0 or None means one per core.
    Read once where a run starts; everything below takes the number."""
    return jobs if jobs and jobs > 0 else (os.cpu_count() or 1)


def workers_for(jobs: int | None, tasks: int) -> int:
    """How many processes to use for ``tasks`` tasks; 1 means this one."""
    workers = resolve_jobs(jobs)
    return workers if workers > 1 and tasks >= PARALLEL_FROM and can_fork() else 1


def fork_map(work, shared, count: int, workers: int):
    """``work(shared, indexes)`` for consecutive chunks of ``range(count)``, in
    ``workers`` forked processes; yields (result, chunk number from 1, number
    of chunks) in chunk order. ``shared`` reaches the workers by the fork, not
    through a pipe; only the results come back pickled. Small chunks, handed
    out in order, keep every worker busy to the end."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _SHARED
    size = max(1, count // (workers * 8))
    chunks = [range(i, min(i + size, count)) for i in range(0, count, size)]
    _SHARED = (work, shared)
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            for done, result in enumerate(pool.map(_run_chunk, chunks), 1):
                yield result, done, len(chunks)
    finally:
        _SHARED = ()


_SHARED: tuple = ()


def _run_chunk(indexes: range):
    work, shared = _SHARED
    return work(shared, indexes)


def load_files(files: list[tuple[Path, str]], load: dict, jobs: int | None) -> dict[str, Loaded]:
    """``pipeline.load_file`` for each (path, display): display → ``Loaded``, in
    worker processes when there are enough files. A file that cannot be read
    raises ``SourceError`` here, as it would in one process."""
    workers = workers_for(jobs, len(files))
    if workers == 1:
        return _load_chunk((files, load), range(len(files)))
    out: dict[str, Loaded] = {}
    for part, _, _ in fork_map(_load_chunk, (files, load), len(files), workers):
        out.update(part)
    return out


def _load_chunk(shared: tuple, indexes: range) -> dict[str, Loaded]:
    files, load = shared
    return {files[i][1]: load_file(files[i][0], files[i][1], **load) for i in indexes}
