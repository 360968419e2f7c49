"""Edits of animatable param values, as pure functions on their JSON (no Qt).

An animatable param holds a plain number or a curve ``{"keys": [{"frame", "value", "interp",
"in", "out"}, ...]}`` (see :mod:`studio.graph.animation`, whose evaluation every function here
uses).  Each function returns a new value ready for one ``SetParam``; keys are kept sorted by
frame, values are clamped to the param's range, and removing the last key turns the curve
back into the plain number it was at that frame.
"""

from __future__ import annotations

import copy
from typing import Any

from studio.graph.animation import INTERPOLATIONS, is_animated, value_at

DEFAULT_INTERP = "linear"
DIGITS = 4


def _r(v: float) -> float:
    v = round(float(v), DIGITS)
    return int(v) if float(v).is_integer() and abs(v) < 1e12 else v


def _clamp(v: float, lo: float | None, hi: float | None) -> float:
    if lo is not None:
        v = max(v, lo)
    if hi is not None:
        v = min(v, hi)
    return v


def keys_of(value: Any) -> list[dict]:
    """The keys of a curve (sorted by frame), or [] for a plain number."""
    if not is_animated(value):
        return []
    return sorted(value["keys"], key=lambda k: k["frame"])


def key_index(value: Any, frame: float, tolerance: float = 1e-6) -> int | None:
    """The index (in frame order) of the key at ``frame``, or None."""
    for i, k in enumerate(keys_of(value)):
        if abs(float(k["frame"]) - frame) <= tolerance:
            return i
    return None


def evaluate(value: Any, frame: float) -> float:
    return value_at(value, frame)


def set_key(value: Any, frame: float, v: float | None = None, *, lo: float | None = None,
            hi: float | None = None, interp: str | None = None) -> dict:
    """``value`` with a key at ``frame`` (its value ``v``, or the curve's value there)."""
    frame = _r(max(float(frame), 0.0))
    if v is None:
        v = value_at(value, frame)
    v = _r(_clamp(float(v), lo, hi))
    keys = copy.deepcopy(keys_of(value))
    i = key_index(value, frame)
    if i is not None:
        keys[i]["value"] = v
        if interp:
            keys[i]["interp"] = interp
    else:
        if keys:
            before = [k for k in keys if k["frame"] < frame]
            default = (before[-1] if before else keys[0]).get("interp", DEFAULT_INTERP)
        else:
            default = DEFAULT_INTERP
        keys.append({"frame": frame, "value": v, "interp": interp or default})
        keys.sort(key=lambda k: k["frame"])
    return {"keys": keys}


def remove_key(value: Any, frame: float) -> Any:
    """``value`` without its key at ``frame``; the plain number when it was the last key."""
    i = key_index(value, frame)
    if i is None:
        return copy.deepcopy(value)
    keys = copy.deepcopy(keys_of(value))
    if len(keys) == 1:
        return float(keys[0]["value"])
    del keys[i]
    return {"keys": keys}


def next_key_frame(value: Any, frame: float) -> float | None:
    later = [float(k["frame"]) for k in keys_of(value) if float(k["frame"]) > frame + 1e-6]
    return min(later) if later else None


def prev_key_frame(value: Any, frame: float) -> float | None:
    earlier = [float(k["frame"]) for k in keys_of(value) if float(k["frame"]) < frame - 1e-6]
    return max(earlier) if earlier else None


def move_key(value: Any, index: int, frame: float, v: float, *, lo: float | None = None, hi: float | None = None,
             snap: bool = True) -> dict:
    """Key ``index`` moved to ``(frame, v)``; it stays between its neighbours (never on them)."""
    keys = copy.deepcopy(keys_of(value))
    gap = 1.0 if snap else 1e-3
    if snap:
        frame = round(frame)
    lo_f = float(keys[index - 1]["frame"]) + gap if index > 0 else 0.0
    hi_f = float(keys[index + 1]["frame"]) - gap if index + 1 < len(keys) else float("inf")
    if hi_f < lo_f:   # neighbours closer than one frame: stay where it is
        frame = float(keys[index]["frame"])
    else:
        frame = min(max(frame, lo_f), hi_f)
    keys[index]["frame"] = _r(frame)
    keys[index]["value"] = _r(_clamp(float(v), lo, hi))
    return {"keys": keys}


def set_interp(value: Any, index: int, interp: str) -> dict:
    if interp not in INTERPOLATIONS:
        raise ValueError(f"interpolation must be one of {', '.join(INTERPOLATIONS)}")
    keys = copy.deepcopy(keys_of(value))
    keys[index]["interp"] = interp
    if interp == "bezier":   # show handles a third of the neighbouring segments long, flat
        if index + 1 < len(keys) and "out" not in keys[index]:
            keys[index]["out"] = [_r((keys[index + 1]["frame"] - keys[index]["frame"]) / 3.0), 0]
        if index + 1 < len(keys) and "in" not in keys[index + 1]:
            keys[index + 1]["in"] = [_r(-(keys[index + 1]["frame"] - keys[index]["frame"]) / 3.0), 0]
    return {"keys": keys}


def set_handle(value: Any, index: int, side: str, dx: float, dy: float) -> dict:
    """Key ``index``'s ``in`` or ``out`` handle set to ``[dx, dy]`` (frames, value), relative to
    the key; ``out`` points forward (dx >= 0) and ``in`` backward (dx <= 0)."""
    if side not in ("in", "out"):
        raise ValueError("side is 'in' or 'out'")
    keys = copy.deepcopy(keys_of(value))
    dx = max(dx, 0.0) if side == "out" else min(dx, 0.0)
    keys[index][side] = [_r(dx), _r(dy)]
    return {"keys": keys}


def handles(value: Any) -> list[tuple[int, str, float, float]]:
    """The Bezier handles that shape the curve: ``(key index, side, frame, value)`` absolute.
    A segment is Bezier when its first key's ``interp`` is ``bezier``; missing handles are
    drawn where the evaluation puts them (flat, a third of the segment)."""
    keys = keys_of(value)
    out = []
    for i in range(len(keys) - 1):
        a, b = keys[i], keys[i + 1]
        if a.get("interp") != "bezier":
            continue
        span = float(b["frame"]) - float(a["frame"])
        oa = a.get("out") or [span / 3.0, 0.0]
        ib = b.get("in") or [-span / 3.0, 0.0]
        out.append((i, "out", float(a["frame"]) + oa[0], float(a["value"]) + oa[1]))
        out.append((i + 1, "in", float(b["frame"]) + ib[0], float(b["value"]) + ib[1]))
    return out
