"""The generation request: one type for every engine.

A graph switches engines without rewiring because every engine reads the same request.
The flow engine ignores the prompt text and the neural fields (``model``, ``steps``,
``guidance``, ``shift``, ``strength``); a neural engine checks the whole request before it
starts and raises :class:`~studio.errors.EngineError` naming every input or field it cannot
honour (a motion brush connected to a model that cannot follow one is an error, never
silently dropped).

Neural fields: ``model`` is a small reference to the weights on disk (:class:`ModelRef`:
path, family, a file stamp), never the weights; ``steps`` 0, ``guidance`` and ``shift``
``None`` mean the model's own defaults; ``strength`` 1.0 generates from pure noise (lower
values are video-to-video, which no engine does yet).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from studio.motion.spec import CameraSpec, KeyframeSet, MotionSpec


@dataclass(frozen=True)
class ModelRef:
    """Which model weights to run: the path the library found, its family, and a stamp of its files.

    ``stamp`` changes whenever a weight or config file of the model changes (sizes and
    modification times), so it can stand in for the weights in cache keys.
    """
    path: str
    family: str = ""        #: "wan2.1", "wan2.2", "ltx-video"
    variant: str = ""       #: "T2V-1.3B", "TI2V-5B", ...
    stamp: str = ""


@dataclass(frozen=True)
class GenerationRequest:
    prompt: str = ""
    negative_prompt: str = ""
    image: np.ndarray | None = None          #: still to animate, (H, W, 3) uint8
    keyframes: KeyframeSet | None = None     #: images at frame positions
    motion: MotionSpec | None = None
    camera: CameraSpec | None = None
    width: int = 0                           #: 0: the source's width (neural: the model's default)
    height: int = 0                          #: 0: the source's height (neural: the model's default)
    frames: int = 0                          #: 0: automatic (keyframe span, or 4 s of a still; neural: the model's)
    fps: Fraction = Fraction(24)
    seed: int = 0
    shutter_angle: float = 0.0               #: motion blur; 0 is off, 180 is film's usual
    #: per-frame overrides of animated values, ``name -> list of values per frame``;
    #: names are ``brush[i].horizontal`` or ``camera.zoom`` and so on.
    animation: dict | None = None
    # -- neural engines ------------------------------------------------------------------
    model: ModelRef | None = None            #: the weights to run (neural engines)
    steps: int = 0                           #: denoising steps; 0: the model's default
    guidance: float | None = None            #: classifier-free guidance scale; None: the model's default
    shift: float | None = None               #: flow-matching scheduler shift; None: the model's default
    strength: float = 1.0                    #: 1: from pure noise; below 1: video-to-video (not yet)
