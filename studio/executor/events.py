"""Per-node run events and their throttle.

Kinds: ``queued``, ``running`` (with ``progress`` 0-1 and a message), ``cached``, ``done``
(with ``seconds``), ``failed`` (with the message), ``blocked`` (an input failed),
``cancelled``.  Run-level events use ``node_id == ""``: ``run-started`` and ``run-finished``
(with the final status in ``message``).  ``running`` events are throttled to at most
:data:`MAX_RATE` per second per node; state changes always get through.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

MAX_RATE = 20.0
KINDS = ("queued", "running", "cached", "done", "failed", "blocked", "cancelled", "run-started", "run-finished")


@dataclass(frozen=True)
class NodeEvent:
    run_id: int
    node_id: str
    kind: str
    progress: float = 0.0
    message: str = ""
    seconds: float = 0.0
    key: str = ""


class Throttle:
    """Lets a node's progress through at most ``rate`` times a second."""

    def __init__(self, rate: float = MAX_RATE, clock=time.monotonic):
        self.interval = 1.0 / rate
        self.clock = clock
        self._last: dict[str, float] = {}

    def allow(self, node_id: str) -> bool:
        now = self.clock()
        last = self._last.get(node_id)
        if last is None or now - last >= self.interval:
            self._last[node_id] = now
            return True
        return False
