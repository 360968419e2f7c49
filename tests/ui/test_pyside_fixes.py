"""The guard against PySide6 reference-count bugs keeps long sessions alive: tens of
thousands of signal emits and slot calls (a few minutes of real use) do not abort Python."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal

from studio.ui import pyside_fixes


class _Emitter(QObject):
    ping = Signal(str)


def test_many_emits_and_slot_calls_do_not_exhaust_none_or_true(qapp):
    pyside_fixes.install()
    e = _Emitter()
    calls = []
    e.ping.connect(lambda text: calls.append(text))     # a Python slot called from Qt
    e.objectNameChanged.connect(lambda name: None)      # a C++ signal calling Python
    start = sys.getrefcount(None), sys.getrefcount(True)
    n = 40_000
    for i in range(n):
        e.ping.emit("x")
        if i % 4 == 0:
            e.setObjectName(f"n{i}")
    assert len(calls) == n
    if pyside_fixes.detected:
        assert sys.getrefcount(None) > 1 << 39 and sys.getrefcount(True) > 1 << 39
    else:
        assert sys.getrefcount(None) >= start[0] - 100
