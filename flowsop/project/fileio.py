"""Writing outputs safely: a temporary file in the same folder, flushed,
synced and renamed into place, so a reader (or a killed build) only ever
sees the old complete file or the new complete file."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

TMP_PREFIX = ".flowsop-tmp-"


def write_atomic(path: str | Path, data: str | bytes, *, overwrite: bool = True) -> None:
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        if overwrite:
            os.replace(tmp, path)
        else:
            # link() fails if the name exists: no window in which we clobber it.
            os.link(tmp, path)
            os.unlink(tmp)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def remove_stale_temporaries(folder: str | Path) -> None:
    """Temporary files left by a build that was killed before its rename."""
    for p in Path(folder).glob(TMP_PREFIX + "*"):
        try:
            p.unlink()
        except OSError:
            pass


@contextmanager
def output_lock(folder: str | Path, *, create: bool = True):
    """One build at a time per output folder: a second build into the same
    folder waits for the first to finish, instead of interleaving its writes
    and removing the first one's temporary files at its end.

    The lock is ``flock`` on the folder itself, so no lock file is left among
    the outputs, and a killed build's lock goes with its process. A folder
    made only for the lock is removed again if the build put nothing in it.
    Where there is no ``fcntl`` (Windows), builds are not serialised."""
    folder = Path(folder)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX
        fcntl = None
    made = fd = None
    if fcntl is not None:
        if create and not folder.exists():
            try:
                folder.mkdir(parents=True)
                made = True
            except OSError:
                pass  # reported by the first write
        try:
            fd = os.open(folder, os.O_RDONLY)
        except OSError:
            pass  # no folder (build --check) or not ours to open: nothing to guard
    try:
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        if fd is not None:
            os.close(fd)  # releases the lock
        if made:
            try:
                folder.rmdir()  # only if still empty
            except OSError:
                pass
