"""A guard against reference-count bugs in the installed PySide6 (found in 6.12.0).

Measured in that build: every call of a Python slot from a C++ signal (a ``QTimer`` timeout, a
button's ``clicked``) and every void virtual override (``paintEvent``, ``mousePressEvent``)
releases one reference to ``None`` that it never took, and ``SignalInstance.emit()`` returns
``True`` without taking a reference.  Nothing else is harmed, but ``None``/``True`` run out
of references after some thousands of calls and CPython aborts ("deallocating None").

CPython 3.12 makes these singletons immortal, which hides such bugs.  On older interpreters
:func:`install` measures whether the bugs are present and, only then, gives ``None``,
``True`` and ``False`` a reserve of 2**40 references so they can never reach zero (the same
effect as 3.12's immortality; these objects are never freed anyway).  ``studio.ui`` runs it
on import, before any widget exists.
"""

from __future__ import annotations

import ctypes
import sys

RESERVE = 1 << 40
installed = False
detected: list[str] = []


def _probe() -> list[str]:
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    found = []
    probe = _Probe()
    calls = []
    probe.objectNameChanged.connect(lambda name: calls.append(1))
    before = sys.getrefcount(None)
    for i in range(64):
        probe.setObjectName(f"probe{i}")
    if before - sys.getrefcount(None) >= 64:
        found.append("slot calls release None")
    before = sys.getrefcount(True)
    for _ in range(64):
        probe.ping.emit()
    if before - sys.getrefcount(True) >= 64:
        found.append("Signal.emit() releases True")
    return found


def _add_references(obj: object, n: int) -> None:
    # ob_refcnt is the first field of every object in release builds of CPython
    ctypes.c_ssize_t.from_address(id(obj)).value += n


def install() -> list[str]:
    """Detect the bugs; if present, protect None/True/False.  Returns what was detected."""
    global installed
    if installed:
        return detected
    installed = True
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12) or hasattr(sys, "gettotalrefcount"):
        return detected
    detected.extend(_probe())
    if detected:
        for obj in (None, True, False):
            _add_references(obj, RESERVE)
    return detected
