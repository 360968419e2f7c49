"""The app's side of the generation worker: :class:`WorkerClient` (no torch here).

Semantics and assumptions
-------------------------
* One worker process per client (:func:`default_client` is the app's), started on the first
  run with ``python -m studio.generators.neural.worker`` through
  :func:`studio.media._ffmpeg.popen`, so it dies with this process (Linux: the parent-death
  signal) and sits in a process group of its own (a Ctrl+C in the terminal reaches only
  this process, which then cancels the run).  Its environment has the offline flags of
  :data:`~studio.generators.neural.worker.OFFLINE_ENV`; its output goes to a temporary log
  whose last lines are quoted when it dies.
* One run at a time per client (a lock).  :meth:`WorkerClient.generate` sends the request and
  then polls the answer pipe every 50 ms: progress and previews go to the callbacks; a
  cancel (``should_cancel()`` turning true) is sent once, and the worker stops within the
  step it is in.  A step that does not end within :data:`CANCEL_GRACE_S` seconds after a
  cancel (a hung kernel) is ended by killing the worker; either way
  :class:`~studio.errors.Cancelled` is raised.
* If the worker dies (a crash inside a model, a driver reset, the kernel's OOM killer, a
  kill), the run fails with an :class:`~studio.errors.EngineError` that says how it ended and
  quotes the end of its log; the dead worker is dropped and the next run starts a fresh
  one.  An exception inside the worker (an out-of-memory error, bad input) fails the run
  with its type and message and leaves the worker running with its models loaded.
* Frames come back as a ``.npy`` file in a temporary folder, read and deleted by the client.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection

import numpy as np

from studio.errors import Cancelled, EngineError
from studio.generators.neural.worker import OFFLINE_ENV
from studio.media._ffmpeg import popen

#: seconds a step may run on after a cancel before the worker is killed
CANCEL_GRACE_S = float(os.environ.get("CINEGRAPH_CANCEL_GRACE_S", "30"))
#: seconds the worker may take to start (import torch and diffusers)
START_TIMEOUT_S = 180.0
POLL_S = 0.05
_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


class WorkerDied(EngineError):
    """The generation worker process ended while it was working."""


class WorkerClient:
    def __init__(self) -> None:
        self._proc: subprocess.Popen | None = None
        self._send: Connection | None = None
        self._recv: Connection | None = None
        self._log = None
        self._dir: str | None = None
        self._lock = threading.Lock()
        self._next_id = 0
        self.starts = 0          #: how many worker processes this client started

    # -- the process --------------------------------------------------------------------
    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    def _alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def _start(self) -> None:
        self._drop()
        parent_read, child_write = os.pipe()
        child_read, parent_write = os.pipe()
        env = dict(os.environ, **OFFLINE_ENV)
        env["PYTHONPATH"] = _ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        self._log = tempfile.TemporaryFile(prefix="cinegraph-worker-")
        self._dir = tempfile.mkdtemp(prefix="cinegraph-gen-")
        try:
            self._proc = popen([sys.executable, "-m", "studio.generators.neural.worker", str(child_read),
                                str(child_write)], pass_fds=(child_read, child_write), stdin=subprocess.DEVNULL,
                               stdout=self._log, stderr=self._log, env=env)
        except OSError as exc:
            for fd in (parent_read, child_write, child_read, parent_write):
                os.close(fd)
            raise EngineError(f"cannot start the generation worker: {exc}") from None
        os.close(child_read)
        os.close(child_write)
        self._send = Connection(parent_write, readable=False)
        self._recv = Connection(parent_read, writable=False)
        self.starts += 1
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            msg = self._poll(None, deadline)
            if msg is not None and msg.get("kind") == "ready":
                return

    def _drop(self) -> None:
        """Forget the current worker (killing it if it still runs)."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
        if proc is not None:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover - a process that ignores SIGKILL
                pass
        for conn in (self._send, self._recv):
            if conn is not None:
                conn.close()
        self._send = self._recv = None
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def _log_tail(self, lines: int = 6) -> str:
        if self._log is None:
            return ""
        try:
            self._log.seek(max(0, self._log.seek(0, 2) - 4000))
            text = self._log.read().decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""
        kept = [ln for ln in text.splitlines() if ln.strip()][-lines:]
        return " | ".join(kept)

    def _died(self) -> WorkerDied:
        proc = self._proc
        code = None
        if proc is not None:
            try:
                code = proc.wait(timeout=5)   # the pipe closes a moment before the process is reaped
            except subprocess.TimeoutExpired:
                code = None
        how = (f"killed by signal {-code}" if code is not None and code < 0 else
               f"exit status {code}" if code is not None else "its pipe closed")
        tail = self._log_tail()
        self._drop()
        return WorkerDied(f"the generation worker stopped ({how}) while working; the next run starts a fresh one"
                          + (f"; its last output: {tail}" if tail else ""))

    def _poll(self, rid, deadline: float | None = None):
        """The next answer (for ``rid``, or any when None), or None after one poll interval."""
        assert self._recv is not None
        try:
            ready = self._recv.poll(POLL_S)
            msg = self._recv.recv() if ready else None
        except (EOFError, OSError):
            raise self._died() from None
        if msg is None:
            if not self._alive():
                raise self._died()
            if deadline is not None and time.monotonic() > deadline:
                self._drop()
                raise EngineError(f"the generation worker did not start within {START_TIMEOUT_S:.0f} s")
            return None
        if rid is not None and msg.get("id") != rid:
            return None
        return msg

    def close(self) -> None:
        """Ask the worker to quit (it unloads everything), then forget it."""
        with self._lock:
            if self._alive() and self._send is not None:
                try:
                    self._send.send({"op": "quit"})
                    self._proc.wait(timeout=5)
                except (OSError, subprocess.TimeoutExpired):
                    pass
            self._drop()

    # -- requests -----------------------------------------------------------------------
    def call(self, op: str, **fields) -> dict:
        """A request with one answer (``stats``, ``unload``)."""
        with self._lock:
            if not self._alive():
                self._start()
            rid = self._new_id()
            self._send.send({"op": op, "id": rid, **fields})
            while True:
                msg = self._poll(rid)
                if msg is not None:
                    return msg

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def generate(self, request: dict, *, on_progress: Callable[[dict], None] | None = None,
                 on_preview: Callable[[dict], None] | None = None, on_status: Callable[[dict], None] | None = None,
                 should_cancel: Callable[[], bool] = lambda: False) -> np.ndarray:
        """Run ``request`` in the worker; the frames as uint8 ``(T, H, W, 3)``."""
        with self._lock:
            if should_cancel():
                raise Cancelled("cancelled")
            if not self._alive():
                self._start()
            rid = self._new_id()
            out = os.path.join(self._dir, f"run-{rid}.npy")
            try:
                self._send.send({**request, "op": "generate", "id": rid, "out": out})
            except OSError:
                raise self._died() from None
            cancel_sent: float | None = None
            while True:
                if cancel_sent is None and should_cancel():
                    try:
                        self._send.send({"op": "cancel", "id": rid})
                    except OSError:
                        raise self._died() from None
                    cancel_sent = time.monotonic()
                if cancel_sent is not None and time.monotonic() - cancel_sent > CANCEL_GRACE_S:
                    self._drop()
                    raise Cancelled(f"cancelled (the generation worker was killed: its step ran on more than "
                                    f"{CANCEL_GRACE_S:g} s after the cancel)")
                msg = self._poll(rid)
                if msg is None:
                    continue
                kind = msg.get("kind")
                if kind == "progress" and on_progress is not None:
                    on_progress(msg)
                elif kind == "preview" and on_preview is not None:
                    on_preview(msg)
                elif kind == "status" and on_status is not None:
                    on_status(msg)
                elif kind == "cancelled":
                    raise Cancelled("cancelled")
                elif kind == "error":
                    raise EngineError(f"generation failed in the worker: {msg.get('type')}: {msg.get('message')}")
                elif kind == "done":
                    try:
                        frames = np.load(out)
                    finally:
                        try:
                            os.unlink(out)
                        except OSError:
                            pass
                    return frames


_default: WorkerClient | None = None
_default_lock = threading.Lock()


def default_client() -> WorkerClient:
    """The process's worker client (its worker starts on the first run)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = WorkerClient()
            atexit.register(_default.close)
        return _default
