"""Helpers shared by node modules."""

from __future__ import annotations

import os

from studio.errors import MediaError


def file_stamp(*paths: str) -> str:
    """A fingerprint of files (size and modification time), so edited media invalidates the cache."""
    parts = []
    for p in paths:
        try:
            st = os.stat(p)
            parts.append(f"{p}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            parts.append(f"{p}:missing")
    return "|".join(parts)


def require_file(path: str, what: str) -> str:
    """``path`` if it names an existing file; a MediaError naming the param otherwise."""
    if not path:
        raise MediaError(f"{what}: no file chosen")
    if not os.path.isfile(path):
        raise MediaError(f"{what}: file not found: {path}")
    return path
