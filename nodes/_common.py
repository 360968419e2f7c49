"""Helpers shared by node modules."""

from __future__ import annotations

import os

from studio.errors import MediaError
from studio.media.check import not_a_file


def file_stamp(*paths: str) -> str:
    """A fingerprint of files (size and modification time), so edited media invalidates the cache."""
    parts = []
    for p in paths:
        try:
            st = os.stat(p)
            parts.append(f"{p}:{st.st_size}:{st.st_mtime_ns}")
        except (OSError, ValueError):
            parts.append(f"{p}:missing")
    return "|".join(parts)


def require_file(path: str, what: str) -> str:
    """``path`` if it names a regular file one may read; a MediaError naming the param otherwise.

    The message says what the path is when it is not a file ("is a folder", "is a named pipe
    (FIFO)", "is a device"...); the path is looked at with ``os.stat`` only, never opened.
    """
    if not path:
        raise MediaError(f"{what}: no file chosen")
    problem = not_a_file(path)
    if problem == "file not found":
        raise MediaError(f"{what}: file not found: {path}")
    if problem is not None:
        raise MediaError(f"{what}: {path}: {problem}")
    return path
