"""Small file-system helpers: atomic writes, temporary ``.partial`` outputs, what a path is.

Semantics and assumptions
-------------------------
* Temporary files and folders (``tempfile.mkstemp`` / ``mkdtemp``) are created private
  (0600 / 0700).  Before a temporary output is renamed into place it gets the mode an
  ordinary new file or folder would have had (0666 / 0777 minus the process umask), so an
  atomic write is indistinguishable from a plain one.
* The umask is read from ``/proc/self/status`` where available (reading it with
  ``os.umask`` would briefly change it for every thread); elsewhere 022 is assumed.
* Temporary outputs say what they are and whose they are:
  ``.NAME.cinegraph-PID@HOST.XXXXXXXX.partial.SUFFIX`` (a folder for image sequences:
  ``.NAME.cinegraph-PID@HOST.XXXXXXXX.partial``), where PID is the writing process and HOST
  the first label of this machine's name (letters, digits and ``-`` only), so one left by a
  process killed outright is recognisable.  :func:`remove_stale_partials` removes, in one
  folder, exactly those entries whose writer is gone: same host, and the PID no longer runs
  (or, on Linux, is a zombie, or belongs to a process started after the partial was last
  written: the PID was reused).  Everything else is left alone: other names, other hosts'
  partials (a shared network folder), and on platforms without a way to tell (Windows)
  every partial.  Symbolic links that match are removed as links, never followed.
* :func:`not_a_file` names what a path is when it is not a regular file ("is a folder",
  "is a named pipe (FIFO)", "is a device", ...) from ``os.stat`` alone: it never opens the
  path (opening a FIFO blocks until a writer comes).
* :func:`disk_full_reason` says how much room is left, for "the disk is full" errors.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import socket
import stat
import tempfile

#: the tag in every temporary output's name
PARTIAL_TAG = "cinegraph"
_NAME_KEEP = 80  # characters of the destination's name kept in a partial's name
_PARTIAL = re.compile(r"^\..*\." + PARTIAL_TAG + r"-(?P<pid>\d+)@(?P<host>[A-Za-z0-9-]*)"
                      r"\.[A-Za-z0-9_]+\.partial(?:\.[^./\\]+)?$", re.S)


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


# ---------------------------------------------------------------------------------------------
# temporary outputs


def host_tag() -> str:
    """This machine's name as it appears in partial names (first label, ``[A-Za-z0-9-]``)."""
    name = socket.gethostname().split(".")[0]
    return re.sub(r"[^A-Za-z0-9-]", "", name)[:32]


def partial_prefix(name: str) -> str:
    """``.NAME.cinegraph-PID@HOST.``: the start of a temporary output's name for ``name``."""
    return f".{name[:_NAME_KEEP]}.{PARTIAL_TAG}-{os.getpid()}@{host_tag()}."


def make_partial_file(folder: str, name: str, suffix: str = "") -> tuple[int, str]:
    """A new private ``.NAME.cinegraph-PID@HOST.XXXX.partial SUFFIX`` in ``folder``: (fd, path)."""
    return tempfile.mkstemp(prefix=partial_prefix(name), suffix=".partial" + suffix, dir=folder)


def make_partial_folder(folder: str, name: str) -> str:
    """A new private folder ``.NAME.cinegraph-PID@HOST.XXXX.partial`` in ``folder``."""
    return tempfile.mkdtemp(prefix=partial_prefix(name), suffix=".partial", dir=folder)


def is_partial_name(name: str) -> bool:
    """Whether ``name`` is a temporary output made by :func:`make_partial_file`/``_folder``."""
    return _PARTIAL.match(name) is not None


def _boot_time() -> float | None:
    try:
        with open("/proc/stat", encoding="ascii") as f:
            for line in f:
                if line.startswith("btime "):
                    return float(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def _linux_process(pid: int) -> tuple[str, float | None] | None:
    """(state, start time as a Unix time) of a running PID from /proc; None when it is not there."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            text = f.read().decode("ascii", "replace")
    except FileNotFoundError:
        return None
    except OSError:
        return "?", None
    fields = text[text.rfind(")") + 2:].split()
    state = fields[0] if fields else "?"
    boot = _boot_time()
    try:
        started = boot + int(fields[19]) / os.sysconf("SC_CLK_TCK") if boot is not None else None
    except (IndexError, ValueError, OSError):
        started = None
    return state, started


def writer_gone(pid: int, written: float) -> bool:
    """Whether the process that last wrote a partial at ``written`` (a Unix time) is gone.

    False whenever that cannot be told (the safe side: the partial is kept).
    """
    if os.name != "posix":
        return False  # pragma: no cover - no safe liveness check here
    if os.path.isdir("/proc/self"):
        proc = _linux_process(pid)
        if proc is None:
            return True
        state, started = proc
        if state in ("Z", "X"):
            return True  # dead, not yet reaped
        return started is not None and started > written + 2.0  # the PID was reused since
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def stale_partials(folder: str) -> list[str]:
    """The temporary outputs in ``folder`` whose writer is gone (see the module docstring)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    me = host_tag()
    found = []
    for name in names:
        m = _PARTIAL.match(name)
        if m is None or m.group("host") != me:
            continue
        path = os.path.join(folder, name)
        try:
            st = os.lstat(path)
        except OSError:
            continue
        if writer_gone(int(m.group("pid")), st.st_mtime):
            found.append(path)
    return sorted(found)


def remove_stale_partials(folder: str) -> list[str]:
    """Remove :func:`stale_partials` of ``folder``; returns what was removed."""
    removed = []
    for path in stale_partials(folder):
        try:
            if stat.S_ISDIR(os.lstat(path).st_mode):
                shutil.rmtree(path)
            else:
                os.remove(path)
        except OSError:
            continue
        removed.append(path)
    return removed


# ---------------------------------------------------------------------------------------------
# what a path is; how much room is left


def not_a_file(path: str) -> str | None:
    """Why ``path`` is not a regular file one can read, or None when it is one.

    ``"file not found"``, ``"is a folder"``, ``"is a named pipe (FIFO)"``, ``"is a device"``,
    ``"is a socket"``, ``"is a broken symbolic link"``, ``"permission denied"``, ... from
    ``os.stat`` (and ``os.access``) only: the path is never opened.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "is a broken symbolic link" if os.path.islink(path) else "file not found"
    except NotADirectoryError:
        return "file not found (a part of the path is not a folder)"
    except PermissionError:
        return "permission denied (cannot look into its folder)"
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            return "the path is too long"
        if exc.errno == errno.ELOOP:
            return "is a symbolic link that loops"
        return f"cannot be read ({exc.strerror or exc})"
    except ValueError:  # an embedded NUL
        return "is not a valid path"
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        return "is a folder"
    if stat.S_ISFIFO(mode):
        return "is a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device"
    if stat.S_ISSOCK(mode):
        return "is a socket"
    if not stat.S_ISREG(mode):
        return "is not a regular file"
    if not os.access(path, os.R_OK):
        return "permission denied"
    return None


def free_megabytes(folder: str) -> int | None:
    try:
        st = os.statvfs(folder)
    except (OSError, AttributeError):
        try:
            return shutil.disk_usage(folder).free // 1_000_000
        except OSError:
            return None
    return st.f_bavail * st.f_frsize // 1_000_000


def disk_full_reason(folder: str, quota: bool = False) -> str:
    """``"the disk is full (12 MB free in FOLDER)"`` (or the quota variant)."""
    free = free_megabytes(folder)
    where = f"{free} MB free in {folder}" if free is not None else f"in {folder}"
    return f"the disk quota is exceeded ({where})" if quota else f"the disk is full ({where})"


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


__all__ = ["PARTIAL_TAG", "current_umask", "disk_full_reason", "free_megabytes", "host_tag", "is_disk_full",
           "is_partial_name", "make_partial_file", "make_partial_folder", "make_public", "not_a_file",
           "partial_prefix", "remove_quietly", "remove_stale_partials", "stale_partials", "writer_gone"]
