"""Edits of a Keyframes node's ``keys`` param, as pure functions on its JSON (no Qt).

``keys`` is ``[{"path": str, "frame": int >= 0, "hold": int >= 0}, ...]``: an image placed at
a frame that holds still for ``hold`` extra frames.  Every function returns a new list sorted
by frame, with frames unique and each hold clipped so it ends before the next key (the node
refuses overlapping holds when it runs), ready for one ``SetParam``.
"""

from __future__ import annotations

import copy

DEFAULT_SPACING = 24


def tidy(keys: list) -> list:
    """Sorted by frame, holds clipped to end before the next key."""
    out = sorted(copy.deepcopy(keys), key=lambda k: k["frame"])
    for a, b in zip(out, out[1:]):
        if a.get("hold", 0) and a["frame"] + a["hold"] >= b["frame"]:
            a["hold"] = max(b["frame"] - a["frame"] - 1, 0)
    return out


def spacing(keys: list) -> int:
    """The gap between the last two keys (or ``DEFAULT_SPACING``)."""
    frames = sorted(k["frame"] for k in keys)
    return frames[-1] - frames[-2] if len(frames) >= 2 and frames[-1] > frames[-2] else DEFAULT_SPACING


def next_frame(keys: list) -> int:
    """Where a new key goes: one spacing after the last key's hold (0 for the first)."""
    if not keys:
        return 0
    last = max(keys, key=lambda k: k["frame"])
    return last["frame"] + max(spacing(keys), last.get("hold", 0) + 1)


def add_keys(keys: list, paths: list[str], frame: int | None = None) -> list:
    """Images added from ``frame`` (default :func:`next_frame`) on, one spacing apart, skipping
    frames that already have a key."""
    out = copy.deepcopy(keys)
    step = spacing(keys)
    f = next_frame(keys) if frame is None else max(int(frame), 0)
    taken = {k["frame"] for k in out}
    for path in paths:
        while f in taken:
            f += 1
        out.append({"path": path, "frame": f, "hold": 0})
        taken.add(f)
        f += step
    return tidy(out)


def move_key(keys: list, index: int, frame: int) -> list:
    """Key ``index`` (in frame order) moved to ``frame``; a key already there swaps places with it."""
    out = tidy(keys)
    frame = max(int(round(frame)), 0)
    old = out[index]["frame"]
    for i, k in enumerate(out):
        if i != index and k["frame"] == frame:
            k["frame"] = old
    out[index]["frame"] = frame
    return tidy(out)


def swap(keys: list, i: int, j: int) -> list:
    """Keys ``i`` and ``j`` (frame order) trade images: the order changes, the timing stays."""
    out = tidy(keys)
    if not (0 <= i < len(out) and 0 <= j < len(out)):
        return out
    out[i]["path"], out[j]["path"] = out[j]["path"], out[i]["path"]
    return tidy(out)


def set_hold(keys: list, index: int, hold: int) -> list:
    out = tidy(keys)
    hold = max(int(hold), 0)
    if index + 1 < len(out):
        hold = min(hold, out[index + 1]["frame"] - out[index]["frame"] - 1)
    out[index]["hold"] = max(hold, 0)
    return out


def remove_key(keys: list, index: int) -> list:
    out = tidy(keys)
    del out[index]
    return out


def max_hold(keys: list, index: int) -> int | None:
    out = sorted(keys, key=lambda k: k["frame"])
    return out[index + 1]["frame"] - out[index]["frame"] - 1 if index + 1 < len(out) else None
