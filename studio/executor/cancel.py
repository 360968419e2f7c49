"""Cooperative cancellation.

A :class:`CancelToken` is shared by a run and every node it evaluates.  Long work checks it
once per frame or step (``token.check()`` raises :class:`~studio.errors.Cancelled`), so a
cancel takes effect within one frame's work.

Work that runs *later*, on behalf of whoever consumes a result, cannot hold the token of the
run that made it: a streaming clip kept in the cache is pulled by the next run (or by a
viewer).  The executor therefore makes the token of the node being evaluated the *active*
one (:func:`active`, a :class:`~contextvars.ContextVar`, so a helper thread started with a
copy of the context sees it too), and such work calls :func:`checkpoint` between its steps
(the bands of an 8K frame, say): it raises when the run that is pulling the frames was
cancelled, and does nothing where no run is active.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from studio.errors import Cancelled

#: the cancel budget: no single step between two checks should run longer than this (seconds)
BUDGET_S = 0.2


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


_ACTIVE: ContextVar[CancelToken | None] = ContextVar("cinegraph_cancel_token", default=None)


@contextmanager
def active(token: CancelToken | None) -> Iterator[None]:
    """Make ``token`` the one :func:`checkpoint` checks, for the duration of the block."""
    reset = _ACTIVE.set(token)
    try:
        yield
    finally:
        _ACTIVE.reset(reset)


def active_token() -> CancelToken | None:
    """The token :func:`checkpoint` checks here, or None."""
    return _ACTIVE.get()


def checkpoint() -> None:
    """Raise :class:`Cancelled` when the active run (if any) was cancelled; cheap otherwise."""
    token = _ACTIVE.get()
    if token is not None:
        token.check()
