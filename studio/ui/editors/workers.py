"""A helper thread where the newest request wins (previews, auto-select, source frames).

:meth:`LatestWorker.submit` hands a job ``fn(check)`` to the thread and returns its id at
once.  Only the newest job matters: a job still waiting is replaced, and the running one is
told to stop (its ``check()`` raises :class:`~studio.errors.Cancelled`; jobs call it between
frames).  Results arrive on the GUI thread as ``finished(job id, result, seconds)`` -- or
``failed(job id, message)`` -- and only for the newest job, so a slow old result can never
overwrite a newer one.  ``seconds`` counts from :meth:`submit`, i.e. the latency a user sees.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from studio.errors import Cancelled, StudioError
from studio.executor.cancel import CancelToken

log = logging.getLogger(__name__)


class LatestWorker(QObject):
    finished = Signal(int, object, float)   # job id, result, seconds since submit
    failed = Signal(int, str)

    def __init__(self, name: str = "cinegraph-editor", parent: QObject | None = None):
        super().__init__(parent)
        self._cond = threading.Condition()
        self._job: tuple[int, Callable[[Callable[[], None]], Any], float] | None = None
        self._token: CancelToken | None = None
        self._latest = 0
        self._stopped = False
        self.busy = False
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._thread.start()

    @property
    def latest(self) -> int:
        return self._latest

    def submit(self, fn: Callable[[Callable[[], None]], Any]) -> int:
        with self._cond:
            self._latest += 1
            self._job = (self._latest, fn, time.perf_counter())
            if self._token is not None:
                self._token.cancel()
            self._cond.notify()
            return self._latest

    def cancel(self) -> None:
        """Forget the waiting job and stop the running one (no result will be reported)."""
        with self._cond:
            self._latest += 1
            self._job = None
            if self._token is not None:
                self._token.cancel()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._job = None
            if self._token is not None:
                self._token.cancel()
            self._cond.notify()

    def _work(self) -> None:
        while True:
            with self._cond:
                while self._job is None and not self._stopped:
                    self._cond.wait()
                if self._stopped:
                    return
                job_id, fn, t0 = self._job
                self._job = None
                token = self._token = CancelToken()
                self.busy = True
            try:
                result = fn(token.check)
                error = None
            except Cancelled:
                result, error = None, "cancelled"
            except StudioError as exc:
                result, error = None, str(exc)
            except Exception as exc:   # noqa: BLE001 - a failed job must not kill the thread
                log.exception("editor job failed")
                result, error = None, f"{type(exc).__name__}: {exc}"
            with self._cond:
                self._token = None
                self.busy = False
                current = job_id == self._latest and not self._stopped
            if not current:
                continue
            try:
                if error is None:
                    self.finished.emit(job_id, result, time.perf_counter() - t0)
                elif error != "cancelled":
                    self.failed.emit(job_id, error)
            except RuntimeError:   # the worker object was deleted
                return
