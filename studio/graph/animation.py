"""Animated param values: keyframed curves, evaluated per frame.

A param declared ``animatable`` holds either a plain number or a curve::

    {"keys": [{"frame": 0, "value": 0.0, "interp": "ease"},
              {"frame": 24, "value": 4.0, "interp": "bezier", "in": [-8, 0], "out": [8, 0]},
              {"frame": 48, "value": 4.0}]}

``interp`` shapes the segment *after* a key: ``linear``; ``ease`` (smooth in and out);
``hold`` (the value stays until the next key); ``bezier`` (a cubic through the two keys with
handles ``out`` of this key and ``in`` of the next, each ``[frames, value]`` relative to its
key; missing handles are flat and a third of the segment long).  Before the first key and
after the last the curve holds.  Frames may be fractional (sub-frame samples for motion blur).

Bounds (:mod:`studio.graph.limits`): at most ``MAX_CURVE_KEYS`` keys; frames from 0 to
``MAX_FRAME``; a handle's frames within +-``MAX_FRAME`` and its value, like a key's value
without a declared range, within +-``MAX_MAGNITUDE``.

What the value *means* per frame is the node's business (see docs/motion.md): a camera axis
is the camera's position on that axis at that frame, a brush's horizontal value its speed.
Standard library only, like the rest of the graph core.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

from studio.errors import json_key, shown
from studio.graph.limits import MAX_CURVE_KEYS, MAX_FRAME, MAX_MAGNITUDE

INTERPOLATIONS = ("linear", "ease", "hold", "bezier")


@dataclass(frozen=True)
class Key:
    frame: float
    value: float
    interp: str = "linear"
    tangent_in: tuple[float, float] | None = None
    tangent_out: tuple[float, float] | None = None

    def to_json(self) -> dict:
        out: dict[str, Any] = {"frame": self.frame, "value": self.value, "interp": self.interp}
        if self.tangent_in is not None:
            out["in"] = list(self.tangent_in)
        if self.tangent_out is not None:
            out["out"] = list(self.tangent_out)
        return out


@dataclass(frozen=True)
class Curve:
    """Keys sorted by frame; at least one."""

    keys: tuple[Key, ...]

    def __post_init__(self):
        if not self.keys:
            raise ValueError("a curve needs at least one key")
        object.__setattr__(self, "_frames", [k.frame for k in self.keys])

    def at(self, frame: float) -> float:
        keys = self.keys
        if frame <= keys[0].frame:
            return keys[0].value
        if frame >= keys[-1].frame:
            return keys[-1].value
        i = bisect_right(self._frames, frame) - 1
        a, b = keys[i], keys[i + 1]
        span = b.frame - a.frame
        u = (frame - a.frame) / span
        if a.interp == "hold":
            return a.value
        if a.interp == "ease":
            u = u * u * (3.0 - 2.0 * u)
            return a.value + (b.value - a.value) * u
        if a.interp == "bezier":
            return _bezier(a, b, frame)
        return a.value + (b.value - a.value) * u

    def to_json(self) -> dict:
        return {"keys": [k.to_json() for k in self.keys]}

    @property
    def frames(self) -> list[float]:
        return list(self._frames)


def _bezier(a: Key, b: Key, frame: float) -> float:
    span = b.frame - a.frame
    oa = a.tangent_out or (span / 3.0, 0.0)
    ib = b.tangent_in or (-span / 3.0, 0.0)
    # handles are clamped inside the segment so x(t) stays monotonic
    x0, x1 = a.frame, a.frame + min(max(oa[0], 0.0), span)
    x3, x2 = b.frame, b.frame + max(min(ib[0], 0.0), -span)
    y0, y1, y2, y3 = a.value, a.value + oa[1], b.value + ib[1], b.value

    def bx(t: float) -> float:
        m = 1.0 - t
        return m * m * m * x0 + 3 * m * m * t * x1 + 3 * m * t * t * x2 + t * t * t * x3

    lo, hi = 0.0, 1.0
    for _ in range(40):       # bisection: x(t) is monotonic for clamped handles
        mid = 0.5 * (lo + hi)
        if bx(mid) < frame:
            lo = mid
        else:
            hi = mid
    t = 0.5 * (lo + hi)
    m = 1.0 - t
    return m * m * m * y0 + 3 * m * m * t * y1 + 3 * m * t * t * y2 + t * t * t * y3


def is_animated(value: Any) -> bool:
    return isinstance(value, dict) and "keys" in value


def curve_from_json(value: dict) -> Curve:
    """A :class:`Curve` from its JSON form (checked with :func:`check_curve` first)."""
    keys = []
    for k in value["keys"]:
        keys.append(Key(float(k["frame"]), float(k["value"]), k.get("interp", "linear"),
                        tuple(k["in"]) if "in" in k else None, tuple(k["out"]) if "out" in k else None))
    return Curve(tuple(sorted(keys, key=lambda k: k.frame)))


def value_at(value: Any, frame: float) -> float:
    """A param's value at ``frame``: plain numbers are constant, curves are evaluated."""
    if isinstance(value, Curve):
        return value.at(frame)
    if is_animated(value):
        return curve_from_json(value).at(frame)
    return float(value)


def as_curve_or_number(value: Any) -> Curve | float:
    """What nodes hand on to engines: a :class:`Curve` for animated values, else the float."""
    return curve_from_json(value) if is_animated(value) else float(value)


def _num(v: Any) -> bool:
    return (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and math.isfinite(v))


def check_curve(value: Any, lo: float | None = None, hi: float | None = None) -> list[tuple[str, str]]:
    """Every problem with a curve's JSON form, as ``(relative path, message)``."""
    if not isinstance(value, dict) or not isinstance(value.get("keys"), list):
        return [("", f"expected a number or {{\"keys\": [...]}}, got {shown(value)}")]
    extra = sorted(set(value) - {"keys"})
    problems = [(json_key(k), "unknown field") for k in extra]
    keys = value["keys"]
    if not keys:
        problems.append((".keys", "a curve needs at least one key"))
    if len(keys) > MAX_CURVE_KEYS:
        return problems + [(".keys", f"a curve has at most {MAX_CURVE_KEYS} keys, got {len(keys)}")]
    low = -MAX_MAGNITUDE if lo is None else lo
    high = MAX_MAGNITUDE if hi is None else hi
    seen: dict[float, int] = {}
    for i, k in enumerate(keys):
        p = f".keys[{i}]"
        if not isinstance(k, dict):
            problems.append((p, f"expected an object, got {shown(k)}"))
            continue
        f, v = k.get("frame"), k.get("value")
        if not _num(f) or f < 0:
            problems.append((f"{p}.frame", f"expected a frame number >= 0, got {shown(f)}"))
        elif f > MAX_FRAME:
            problems.append((f"{p}.frame", f"{shown(f)} is past the last frame a curve may key ({MAX_FRAME})"))
        elif f in seen:
            problems.append((f"{p}.frame", f"frame {f:g} already has key [{seen[f]}]"))
        else:
            seen[f] = i
        if not _num(v):
            problems.append((f"{p}.value", f"expected a number, got {shown(v)}"))
        elif v < low:
            problems.append((f"{p}.value", f"{shown(v)} is below the minimum {low:g}"))
        elif v > high:
            problems.append((f"{p}.value", f"{shown(v)} is above the maximum {high:g}"))
        interp = k.get("interp", "linear")
        if not isinstance(interp, str) or interp not in INTERPOLATIONS:
            problems.append((f"{p}.interp", f"expected one of {', '.join(INTERPOLATIONS)}, got {shown(interp)}"))
        for side in ("in", "out"):
            if side not in k:
                continue
            h = k[side]
            if not (isinstance(h, list) and len(h) == 2 and all(_num(c) for c in h)):
                problems.append((f"{p}.{side}", f"expected a [frames, value] handle, got {shown(h)}"))
            elif abs(h[0]) > MAX_FRAME or abs(h[1]) > MAX_MAGNITUDE:
                problems.append((f"{p}.{side}", f"a handle within +-{MAX_FRAME} frames and +-{MAX_MAGNITUDE:g} "
                                                f"in value, got {shown(h)}"))
    return problems
