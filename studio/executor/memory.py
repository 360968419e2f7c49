"""The memory budget of one process, and how to talk about sizes.

Renders are meant to stay within :func:`memory_limit` bytes of resident memory (2 GB unless
the environment variable ``CINEGRAPH_MEMORY_LIMIT`` says otherwise): work whose estimate is
larger is refused up front, with the estimate and the limit in the message, before anything
big is allocated (see :func:`studio.generators.flow_engine.estimate_bytes`), and results are
kept in memory whole only while they fit comfortably in it.

``CINEGRAPH_MEMORY_LIMIT`` takes a number of bytes, optionally with a unit: ``2G``, ``2GB``,
``1500M``, ``2147483648``; units are binary (1 G = 1024^3 bytes).  ``0``, ``none`` or
``off`` turns the limit off.  A value that does not read as a size is an
:class:`~studio.errors.EngineError` naming the variable.

Standard library only.
"""

from __future__ import annotations

import os
import re
import sys

from studio.errors import EngineError, shown

ENV = "CINEGRAPH_MEMORY_LIMIT"
#: the default limit: 2 GB (binary)
DEFAULT_LIMIT = 2 << 30

_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?\s*$", re.IGNORECASE)


def parse_size(text: str) -> int | None:
    """Bytes from ``"2G"``, ``"1500M"``, ``"2147483648"``; None for ``0``/``none``/``off``."""
    value = str(text).strip()
    if value.lower() in ("0", "none", "off", ""):
        return None
    m = _SIZE.match(value) if len(value) <= 40 else None
    if not m:
        raise EngineError(f"{ENV}: expected a size such as 2G or 1500M, got {shown(value)}")
    n = int(float(m.group(1)) * _UNITS[m.group(2).upper()])
    return n if n > 0 else None


def memory_limit() -> int | None:
    """The process's memory budget in bytes (None: no limit), from ``CINEGRAPH_MEMORY_LIMIT``."""
    text = os.environ.get(ENV)
    if text is None:
        return DEFAULT_LIMIT
    return parse_size(text)


def format_bytes(n: float) -> str:
    """``1.9 GB``, ``640 MB``, ``12 KB`` (binary units, as RSS is usually reported)."""
    n = float(n)
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}" if unit == "GB" else f"{n / size:.0f} {unit}"
    return f"{int(n)} bytes"


def peak_rss() -> int:
    """The most resident memory this process has used so far, in bytes (0 where unknown)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak) if sys.platform == "darwin" else int(peak) * 1024


def current_rss() -> int:
    """Resident memory of this process now, in bytes (Linux; elsewhere the peak so far)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return peak_rss()


__all__ = ["DEFAULT_LIMIT", "ENV", "current_rss", "format_bytes", "memory_limit", "parse_size", "peak_rss"]
