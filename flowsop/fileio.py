"""Writing outputs safely: a temporary file in the same folder, flushed,
synced and renamed into place, so a reader (or a killed build) only ever
sees the old complete file or the new complete file."""

from __future__ import annotations

import os
import tempfile
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
