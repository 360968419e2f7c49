"""Cooperative cancellation.

A :class:`CancelToken` is shared by a run and every node it evaluates.  Long work checks it
once per frame or step (``token.check()`` raises :class:`~studio.errors.Cancelled`), so a
cancel takes effect within one frame's work.
"""

from __future__ import annotations

import threading

from studio.errors import Cancelled


class CancelToken:
    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason = ""

    def cancel(self, reason: str = "cancelled") -> None:
        self.reason = reason
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        """Raise :class:`Cancelled` if a cancel was asked for."""
        if self._event.is_set():
            raise Cancelled(self.reason or "cancelled")

    def wait(self, timeout: float) -> bool:
        """Sleep up to ``timeout`` seconds, waking early on cancel; True if cancelled."""
        return self._event.wait(timeout)
