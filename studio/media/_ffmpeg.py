"""Running the bundled ffmpeg: where it is, how to start it, how to read its complaints.

Semantics and assumptions
-------------------------
* The executable is the one imageio-ffmpeg bundles (or ``IMAGEIO_FFMPEG_EXE``); it is looked
  up on first use, never at import, and cached.  There is no ``ffprobe``: everything we know
  about a file comes from ``ffmpeg -i`` reports and from decoding (see :mod:`probe`).
* Every command gets ``-nostdin`` (ffmpeg must never wait on the terminal) and
  ``-hide_banner``.  Paths that start with ``-`` are passed as ``file:PATH`` so ffmpeg cannot
  mistake them for options.
* Every ffmpeg process is started by :func:`popen` (:func:`run` uses it too), which makes it
  die with the Python process that started it and keeps it out of the terminal's reach:

  - Linux: the child asks for ``PR_SET_PDEATHSIG`` = ``SIGKILL`` before it runs ffmpeg, so the
    kernel kills it the moment its parent dies, SIGKILL of the parent included (it also
    exits at once if the parent died between fork and that request).  The death signal
    fires when the *thread* that forked exits, not the process, so processes are forked by
    the main thread or by one long-lived daemon thread ("cinegraph-spawner"), never by the
    (short-lived) worker thread that asked: a decoder started on an export thread outlives
    that thread.
  - POSIX (Linux, macOS): ffmpeg runs in a process group of its own, so a Ctrl+C in the
    terminal (SIGINT to the foreground group) reaches only Python, which cancels and stops
    ffmpeg itself.  Windows: a new process group (``CREATE_NEW_PROCESS_GROUP``), which keeps
    the console's Ctrl+C away from ffmpeg likewise.
  - Elsewhere than Linux there is no death signal: when the parent dies its pipe ends close,
    so an encoder reading frames from stdin sees end of input and finishes (writing what it
    had into its temporary ``.partial`` file, which the next export in that folder removes),
    and a decoder writing to stdout stops at its next write.  A process that writes only to
    a file and its (ignored) log runs on until its input ends.
* :func:`interrupted` tells a run stopped by a signal (``SIGINT``/``SIGTERM``: ffmpeg then
  exits 255; other signals: a negative return code) from an ordinary failure, so callers that
  are being cancelled report :class:`~studio.errors.Cancelled` instead of a failure
  (:func:`failure_or_cancel`).
* Long-running processes write stderr to an anonymous temporary file, never to a pipe that
  nobody reads, so they cannot deadlock on a full pipe buffer.
* :func:`stop` always reaps a process (kill, then wait), so no zombies are left behind.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from typing import IO

from studio.errors import MediaError


@lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    """Path of the ffmpeg executable (bundled with imageio-ffmpeg)."""
    try:
        import imageio_ffmpeg
    except ImportError as exc:  # pragma: no cover - dependency missing
        raise MediaError(f"ffmpeg is not available: {exc}") from None
    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as exc:  # pragma: no cover - broken install
        raise MediaError(f"ffmpeg is not available: {exc}") from None


def base_command() -> list[str]:
    return [ffmpeg_exe(), "-nostdin", "-hide_banner"]


def file_arg(path: str | os.PathLike) -> str:
    """``path`` as an ffmpeg input/output argument (``file:`` protects a leading ``-``)."""
    text = os.fspath(path)
    return "file:" + text if text.startswith("-") else text


# ---------------------------------------------------------------------------------------------
# starting processes


def _death_signal_setup() -> Callable[[int], Callable[[], None]] | None:
    """Linux: a factory of ``preexec_fn``s that ask for SIGKILL when the parent dies."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):  # pragma: no cover - no libc prctl
        return None
    prctl.argtypes = (ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong)
    prctl.restype = ctypes.c_int
    pr_set_pdeathsig, kill = 1, int(signal.SIGKILL)

    def factory(parent: int) -> Callable[[], None]:
        def child() -> None:  # runs in the child between fork and exec: keep it minimal
            prctl(pr_set_pdeathsig, kill, 0, 0, 0)
            if os.getppid() != parent:  # the parent died before the request took effect
                os._exit(128 + kill)
        return child

    return factory


_DEATH_SIGNAL = _death_signal_setup()
#: whether children get a parent-death signal on this platform (Linux)
HAS_DEATH_SIGNAL = _DEATH_SIGNAL is not None


def _start(cmd: list[str], kw: dict) -> subprocess.Popen:
    kw = dict(kw)
    if os.name == "posix":
        kw.setdefault("process_group", 0)
        if _DEATH_SIGNAL is not None:
            kw["preexec_fn"] = _DEATH_SIGNAL(os.getpid())
    elif os.name == "nt":  # pragma: no cover - Windows
        kw["creationflags"] = kw.get("creationflags", 0) | subprocess.CREATE_NEW_PROCESS_GROUP
    return subprocess.Popen(cmd, **kw)


class _Request:
    def __init__(self, cmd: list[str], kw: dict):
        self.cmd, self.kw = cmd, kw
        self.proc: subprocess.Popen | None = None
        self.error: BaseException | None = None
        self.abandoned = False
        self.lock = threading.Lock()
        self.done = threading.Event()

    def run(self) -> None:
        try:
            proc = _start(self.cmd, self.kw)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            proc, self.error = None, exc
        with self.lock:
            if self.abandoned:  # the caller was interrupted while waiting: nobody owns it
                stop(proc)
                return
            self.proc = proc
            self.done.set()


class _Spawner:
    """One daemon thread that forks every child for the threads that are not the main one."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.requests: queue.SimpleQueue[_Request] = queue.SimpleQueue()
        threading.Thread(target=self._loop, name="cinegraph-spawner", daemon=True).start()

    def _loop(self) -> None:
        while True:
            self.requests.get().run()

    def start(self, cmd: list[str], kw: dict) -> subprocess.Popen:
        req = _Request(cmd, kw)
        self.requests.put(req)
        try:
            req.done.wait()
        except BaseException:
            with req.lock:
                if not req.done.is_set():
                    req.abandoned = True
            stop(req.proc)
            raise
        if req.error is not None:
            raise req.error
        assert req.proc is not None
        return req.proc


_spawner: _Spawner | None = None
_spawner_lock = threading.Lock()


def _get_spawner() -> _Spawner:
    global _spawner
    with _spawner_lock:
        if _spawner is None or _spawner.pid != os.getpid():  # none yet, or we are a forked child
            _spawner = _Spawner()
        return _spawner


def popen(cmd: list[str], **kw) -> subprocess.Popen:
    """``subprocess.Popen(cmd, **kw)`` for ffmpeg, made to die with this process (see above).

    ``cmd`` is the whole command line (start it with :func:`base_command`).  OSError when
    the executable cannot be started.
    """
    if _DEATH_SIGNAL is None or threading.current_thread() is threading.main_thread():
        return _start(cmd, kw)
    return _get_spawner().start(cmd, kw)


def run(args: list[str], *, timeout: float | None = None, input: bytes | None = None,
        label: str = "") -> subprocess.CompletedProcess:
    """Run ffmpeg with ``args`` (after the base command) and capture both outputs as bytes.

    ``input`` is sent to its stdin (else stdin is empty).  A run that outlasts ``timeout``
    seconds is killed and reported as a MediaError (prefixed ``label: `` when given).
    """
    cmd = base_command() + args
    try:
        proc = popen(cmd, stdin=subprocess.DEVNULL if input is None else subprocess.PIPE,
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as exc:  # pragma: no cover - ffmpeg missing or not executable
        raise MediaError(f"cannot run ffmpeg ({cmd[0]}): {exc}") from None
    try:
        out, err = proc.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired:
        stop(proc)
        raise MediaError(f"{label + ': ' if label else ''}ffmpeg did not finish within {timeout:g} s") from None
    except BaseException:
        stop(proc)
        raise
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


# ---------------------------------------------------------------------------------------------
# reading what went wrong


def stderr_tail(text: str | bytes, lines: int = 8) -> str:
    """The last meaningful lines of an ffmpeg report, joined with `` | `` for one-line errors."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    keep = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("frame=")]
    return " | ".join(keep[-lines:]) if keep else "(ffmpeg printed nothing)"


#: exit status of an ffmpeg that stopped because it received SIGINT or SIGTERM
SIGNAL_EXIT = 255


def interrupted(returncode: int | None) -> bool:
    """Whether ffmpeg's exit status says a signal stopped it (killed, or 255 after SIGINT/SIGTERM)."""
    return returncode is not None and (returncode < 0 or returncode == SIGNAL_EXIT)


def describe_exit(returncode: int | None) -> str:
    """``"exit 1"``, ``"killed by SIGKILL"``, ``"exit 255: stopped by a signal"``."""
    if returncode is None:
        return "still running"
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    if returncode == SIGNAL_EXIT:
        return f"exit {returncode}: stopped by a signal"
    return f"exit {returncode}"


#: how long a run whose ffmpeg was stopped by a signal waits for the cancel that may follow it
CANCEL_GRACE = 1.0


def failure_or_cancel(returncode: int | None, check_cancel: Callable[[], None] | None,
                      grace: float | None = None) -> None:
    """Raise :class:`Cancelled` if this failure is a cancel; return otherwise.

    A cancel requested now raises at once.  When ffmpeg was stopped by a signal (a Ctrl+C
    may reach it before Python has turned it into a cancel request), wait up to ``grace``
    seconds (default :data:`CANCEL_GRACE`) for that request.
    """
    if check_cancel is None:
        return
    check_cancel()
    if not interrupted(returncode):
        return
    deadline = time.monotonic() + (CANCEL_GRACE if grace is None else grace)
    while time.monotonic() < deadline:
        time.sleep(0.02)
        check_cancel()


DISK_FULL_TEXTS = ("No space left on device", "Disk quota exceeded")


def disk_full(text: str | bytes) -> bool:
    """Whether an ffmpeg report says it ran out of disk space (or quota)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return any(t in text for t in DISK_FULL_TEXTS)


def spool() -> IO[bytes]:
    """An anonymous temporary file to receive a long-running process's stderr."""
    return tempfile.TemporaryFile(prefix="cinegraph-ffmpeg-")


def read_spool(f: IO[bytes]) -> str:
    try:
        f.flush()
        f.seek(0)
        return f.read().decode("utf-8", "replace")
    except (OSError, ValueError):
        return ""


def stop(proc: subprocess.Popen | None, *, kill: bool = True, timeout: float = 5.0) -> int | None:
    """Close a process's pipes, kill it if still running (``kill``) and reap it."""
    if proc is None:
        return None
    for pipe in (proc.stdin, proc.stdout):
        if pipe is not None:
            try:
                pipe.close()
            except (OSError, ValueError):
                pass
    if kill and proc.poll() is None:
        try:
            proc.kill()
        except OSError:  # pragma: no cover - already gone
            pass
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:  # pragma: no cover - unkillable
        proc.kill()
        return proc.wait()


__all__ = ["CANCEL_GRACE", "HAS_DEATH_SIGNAL", "SIGNAL_EXIT", "base_command", "describe_exit", "disk_full",
           "failure_or_cancel", "ffmpeg_exe", "file_arg", "interrupted", "popen", "read_spool", "run", "spool",
           "stderr_tail", "stop"]
