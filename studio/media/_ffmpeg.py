"""Running the bundled ffmpeg: where it is, how to call it, how to read its complaints.

Semantics and assumptions
-------------------------
* The executable is the one imageio-ffmpeg bundles (or ``IMAGEIO_FFMPEG_EXE``); it is looked
  up on first use, never at import, and cached.  There is no ``ffprobe``: everything we know
  about a file comes from ``ffmpeg -i`` reports and from decoding (see :mod:`probe`).
* Every command gets ``-nostdin`` (ffmpeg must never wait on the terminal) and
  ``-hide_banner``.  Paths that start with ``-`` are passed as ``file:PATH`` so ffmpeg cannot
  mistake them for options.
* Long-running processes write stderr to an anonymous temporary file, never to a pipe that
  nobody reads, so they cannot deadlock on a full pipe buffer.
* :func:`stop` always reaps a process (kill, then wait), so no zombies are left behind.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
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


def run(args: list[str], *, timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run ffmpeg with ``args`` (after the base command) and capture both outputs as bytes."""
    cmd = base_command() + args
    try:
        return subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
    except OSError as exc:  # pragma: no cover - ffmpeg missing or not executable
        raise MediaError(f"cannot run ffmpeg ({cmd[0]}): {exc}") from None


def stderr_tail(text: str | bytes, lines: int = 8) -> str:
    """The last meaningful lines of an ffmpeg report, joined with `` | `` for one-line errors."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    keep = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("frame=")]
    return " | ".join(keep[-lines:]) if keep else "(ffmpeg printed nothing)"


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


__all__ = ["base_command", "ffmpeg_exe", "file_arg", "read_spool", "run", "spool", "stderr_tail", "stop"]
