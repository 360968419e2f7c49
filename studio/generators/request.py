"""The generation request: one type for every engine.

A graph switches engines without rewiring because every engine reads the same request.
Engines ignore what they cannot use (the flow engine ignores the prompt text) and raise
:class:`~studio.errors.EngineError` when what they need is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from studio.motion.spec import CameraSpec, KeyframeSet, MotionSpec


@dataclass(frozen=True)
class GenerationRequest:
    prompt: str = ""
    negative_prompt: str = ""
    image: np.ndarray | None = None          #: still to animate, (H, W, 3) uint8
    keyframes: KeyframeSet | None = None     #: images at frame positions
    motion: MotionSpec | None = None
    camera: CameraSpec | None = None
    width: int = 0                           #: 0: the source's width
    height: int = 0                          #: 0: the source's height
    frames: int = 0                          #: 0: automatic (keyframe span, or 4 s of a still)
    fps: Fraction = Fraction(24)
    seed: int = 0
    shutter_angle: float = 0.0               #: motion blur; 0 is off, 180 is film's usual
    #: per-frame overrides of animated values, ``name -> list of values per frame``;
    #: names are ``brush[i].horizontal`` or ``camera.zoom`` and so on.
    animation: dict | None = None
