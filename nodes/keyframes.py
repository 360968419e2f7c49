"""Keyframes: images placed at frame positions.

A key is ``{"path": str, "frame": int, "hold": int}``: ``frame`` from 0 and ``hold`` (extra
frames the picture stays still) from 0, with ``frame + hold`` at most ``MAX_FRAME``
(100000, the last frame any Int param reaches), so a chain is never longer than that.
"""

from __future__ import annotations

from studio.errors import MediaError, shown
from studio.graph import Data, Input, Int, NodeType, Output
from studio.graph.limits import MAX_FRAME, MAX_PATH_CHARS
from studio.media.io import read_image
from studio.motion.spec import Keyframe, KeyframeSet

from nodes._common import file_stamp, require_file


def check_keys(value) -> list[tuple[str, str]]:
    """Problems in the keys list: ``[{"path": str, "frame": int >= 0, "hold": int >= 0}, ...]``,
    with ``frame + hold <= MAX_FRAME``."""
    if not isinstance(value, list):
        return [("", f"expected a list of keys, got {type(value).__name__}")]
    problems = []
    frames: dict[int, int] = {}
    for i, key in enumerate(value):
        if not isinstance(key, dict):
            problems.append((f"[{i}]", f"expected an object, got {shown(key)}"))
            continue
        path = key.get("path")
        if not isinstance(path, str) or not path:
            problems.append((f"[{i}].path", f"expected a file path, got {shown(path)}"))
        elif len(path) > MAX_PATH_CHARS:
            problems.append((f"[{i}].path", f"a file path is at most {MAX_PATH_CHARS} characters, got {shown(path)}"))
        elif "\0" in path:
            problems.append((f"[{i}].path", f"a file path cannot hold a NUL character, got {shown(path)}"))
        ok = True
        for field, default in (("frame", None), ("hold", 0)):
            v = key.get(field, default)
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                problems.append((f"[{i}].{field}", f"expected a whole number >= 0, got {shown(v)}"))
                ok = False
            elif v > MAX_FRAME:
                problems.append((f"[{i}].{field}", f"at most {MAX_FRAME}, got {shown(v)}"))
                ok = False
        f, hold = key.get("frame"), key.get("hold", 0)
        if ok and f + hold > MAX_FRAME:
            problems.append((f"[{i}].hold", f"frame {f} held {hold} frames ends past frame {MAX_FRAME}, "
                                            f"the longest a keyframe chain may be"))
        if isinstance(f, int) and not isinstance(f, bool):
            if f in frames:
                problems.append((f"[{i}].frame", f"frame {shown(f)} already has key [{frames[f]}]"))
            frames[f] = i
    return problems


def _keyframes(ctx, *, first, last, keys, last_frame):
    items: list[Keyframe] = []
    if first is not None:
        items.append(Keyframe(0, first, source="input first"))
    for i, key in enumerate(keys):
        ctx.check_cancel()
        path = require_file(key["path"], f"keys[{i}].path")
        items.append(Keyframe(int(key["frame"]), read_image(path), int(key.get("hold", 0)), source=path))
    if last is not None:
        items.append(Keyframe(last_frame, last, source="input last"))
    if not items:
        raise MediaError("no keyframes: add images to keys or connect the first/last inputs")
    items.sort(key=lambda k: k.frame)
    for a, b in zip(items, items[1:]):
        if a.frame == b.frame:
            raise MediaError(f"two keyframes at frame {a.frame} ({a.source} and {b.source})")
        if a.frame + a.hold >= b.frame:
            raise MediaError(f"the key at frame {a.frame} holds for {a.hold} frames, past the next key at {b.frame}")
    return {"keyframes": KeyframeSet(tuple(items))}


NODES = [
    NodeType(
        "Keyframes", "Keyframes", "Motion", _keyframes,
        inputs=(Input("first", "Image", optional=True, description="placed at frame 0"),
                Input("last", "Image", optional=True, description="placed at last_frame")),
        outputs=(Output("keyframes", "Keyframes"),),
        params=(Data("keys", [], check_keys, path_keys=("path",),
                     description='images at frames: [{"path": ..., "frame": 0, "hold": 0}, ...]; '
                                 'a key holds still for "hold" extra frames'),
                Int("last_frame", 47, min=1, max=100000, description="frame of the 'last' input")),
        icon="fa5s.key",
        description="Images placed at frame positions (first/last frames, or a chain); the generator "
                    "interpolates between them.",
        fingerprint=lambda p: file_stamp(*(k.get("path", "") for k in p["keys"] if isinstance(k, dict)))),
]
