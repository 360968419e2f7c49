"""Small file-system helpers for atomic writes.

Semantics and assumptions
-------------------------
* Temporary files and folders (``tempfile.mkstemp`` / ``mkdtemp``) are created private
  (0600 / 0700).  Before a temporary output is renamed into place it gets the mode an
  ordinary new file or folder would have had (0666 / 0777 minus the process umask), so an
  atomic write is indistinguishable from a plain one.
* The umask is read from ``/proc/self/status`` where available (reading it with
  ``os.umask`` would briefly change it for every thread); elsewhere 022 is assumed.
"""

from __future__ import annotations

import os


def current_umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def make_public(path: str, folder: bool = False) -> None:
    """Give a private temporary file (or folder) the mode a plain new one would have."""
    try:
        os.chmod(path, (0o777 if folder else 0o666) & ~current_umask())
    except OSError:
        pass


def remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


__all__ = ["current_umask", "make_public", "remove_quietly"]
