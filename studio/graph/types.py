"""Port types and the rules for which output may feed which input.

A link is legal when the output's type equals the input's type, when the input accepts
``Any``, or when a *coercion* exists: an ``Image`` feeds a ``Clip`` input as a one-frame
clip, and a ``Keyframes`` input as a single keyframe at frame 0.  The graph core only knows
the rules; the functions that convert values are registered by the layers that own the
value types (``nodes/__init__.py`` registers them with :func:`register_coercion`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: Port type -> what it carries (shown in docs and tooltips).
PORT_TYPES: dict[str, str] = {
    "Image": "one RGB picture (H, W, 3) uint8",
    "Clip": "frames with a frame rate, start timecode and optional alpha and audio",
    "Motion": "motion brushes: painted regions with horizontal, vertical, proximity and ambient motion",
    "Camera": "a camera move: pan, tilt, zoom, roll, truck, pedestal, dolly with easing",
    "Keyframes": "images placed at frame positions",
    "Prompt": "text and negative text for generators",
    "Any": "accepts any value",
}

#: (output type, input type) -> how the value is converted, in words.
COERCIONS: dict[tuple[str, str], str] = {
    ("Image", "Clip"): "an Image feeds a Clip input as a one-frame clip",
    ("Image", "Keyframes"): "an Image feeds a Keyframes input as a single keyframe at frame 0",
}

_converters: dict[tuple[str, str], Callable[[Any], Any]] = {}


def compatible(out_type: str, in_type: str) -> tuple[bool, str]:
    """Whether an output of ``out_type`` may feed an input of ``in_type``, with the reason."""
    if out_type == in_type:
        return True, ""
    if in_type == "Any" or out_type == "Any":
        return True, ""
    if (out_type, in_type) in COERCIONS:
        return True, COERCIONS[(out_type, in_type)]
    return False, f"an {out_type} output cannot feed a {in_type} input"


def register_coercion(out_type: str, in_type: str, fn: Callable[[Any], Any]) -> None:
    if (out_type, in_type) not in COERCIONS:
        raise ValueError(f"no coercion rule {out_type} -> {in_type}")
    _converters[(out_type, in_type)] = fn


def coerce(value: Any, out_type: str, in_type: str) -> Any:
    """Convert ``value`` from ``out_type`` for an input of ``in_type`` (identity when equal)."""
    if value is None or out_type == in_type or in_type == "Any" or out_type == "Any":
        return value
    fn = _converters.get((out_type, in_type))
    if fn is None:
        raise TypeError(f"no converter registered for {out_type} -> {in_type}")
    return fn(value)
