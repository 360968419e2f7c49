"""Generator nodes.  FlowGenerator runs the embedded flow engine (no model weights) or, with the
engine set to ``neural``, the video model named by its ``model`` param (a Wan diffusers folder),
from the same inputs: a graph switches engines without rewiring.  The flow engine needs an
image or keyframes; the neural engine checks what its model can honour before it starts
(see :mod:`studio.generators.neural.engine`).  ``steps``, ``guidance`` and ``shift`` at 0 mean
the model's defaults; they and ``model`` are ignored by the flow engine.  The model folder's
file stamp is the node's fingerprint, so replacing weights invalidates cached results.

The clip a FlowGenerator makes is rendered into memory (fast scrubbing) when it is at most
:data:`~studio.generators.flow_engine.MATERIALISE_BYTES` and fits in three quarters of the memory
budget next to what the process already uses (:func:`~studio.generators.flow_engine.materialise_ok`);
otherwise it streams, one frame at a time.
"""

from __future__ import annotations

from studio.errors import EngineError
from studio.executor.memory import current_rss
from studio.generators import ENGINES, get_engine
from studio.generators.flow_engine import materialise_ok
from studio.generators.neural.wan_model import model_stamp
from studio.generators.request import GenerationRequest, ModelRef
from studio.graph import Choice, Float, Input, Int, NodeType, Output, String
from studio.timecode import NAMED_RATES, parse_rate


def _generate(ctx, *, image, keyframes, motion, camera, prompt, engine, frames, fps, width, height, seed,
              shutter_angle, model="", steps=0, guidance=0.0, shift=0.0, strength=1.0):
    if engine == "flow" and image is None and keyframes is None:
        raise EngineError("connect an image or keyframes: the generator has nothing to start from")
    if engine != "flow" and not model:
        raise EngineError(f"model: the {engine} engine needs a model: set the model param to a model folder "
                          f"(`cinegraph models` lists what is on disk)")
    request = GenerationRequest(
        prompt=getattr(prompt, "text", ""), negative_prompt=getattr(prompt, "negative", ""),
        image=image, keyframes=keyframes, motion=motion, camera=camera,
        width=width, height=height, frames=frames, fps=parse_rate(fps), seed=seed, shutter_angle=shutter_angle,
        model=ModelRef(model, stamp=model_stamp(model)) if model and engine != "flow" else None,
        steps=steps, guidance=guidance or None, shift=shift or None, strength=strength)
    clip = get_engine(engine).generate(request, ctx)
    # held whole (fast scrubbing) only while it fits comfortably in the memory budget; else it streams
    if materialise_ok(len(clip) * clip.width * clip.height * 3, current_rss()):
        clip = clip.materialise(ctx.progress, ctx.check_cancel)
    return {"clip": clip}


NODES = [
    NodeType(
        "FlowGenerator", "Flow Generator", "Generate", _generate,
        inputs=(Input("image", "Image", optional=True, description="the still to animate"),
                Input("keyframes", "Keyframes", optional=True, description="images to interpolate between"),
                Input("motion", "Motion", optional=True),
                Input("camera", "Camera", optional=True),
                Input("prompt", "Prompt", optional=True)),
        outputs=(Output("clip", "Clip"),),
        params=(Choice("engine", tuple(ENGINES), "flow", description="generator engine"),
                Int("frames", 0, min=0, max=100000, description="0: automatic (keyframe span, or 4 s of a still)"),
                Choice("fps", tuple(NAMED_RATES), "24", description="frame rate"),
                Int("width", 0, min=0, max=8192, unit="px", description="0: the source's width"),
                Int("height", 0, min=0, max=8192, unit="px", description="0: the source's height"),
                Int("seed", 0, min=0, max=2**31 - 1, description="seed for ambient motion"),
                Float("shutter_angle", 0.0, min=0, max=360, step=15, unit="deg",
                      description="motion blur; 0 is off, 180 is the film look"),
                String("model", "", description="neural engine: the model folder (a Wan diffusers folder)"),
                Int("steps", 0, min=0, max=1000, description="neural engine: denoising steps; 0: the model's "
                                                              "default"),
                Float("guidance", 0.0, min=0, max=100, step=0.5,
                      description="neural engine: prompt guidance; 0: the model's default, 1: none"),
                Float("shift", 0.0, min=0, max=100, step=0.5,
                      description="neural engine: scheduler shift; 0: the model's default"),
                Float("strength", 1.0, min=0, max=1, step=0.05,
                      description="neural engine: 1 generates from noise (below 1, video-to-video, is not "
                                  "in this version)")),
        fingerprint=lambda p: model_stamp(p["model"]) if p.get("engine") != "flow" and p.get("model") else "",
        icon="fa5s.magic",
        description="Animates a still from motion brushes and a camera move, or interpolates keyframes "
                    "with optical flow (the flow engine: no model weights); or generates with a video "
                    "model (the neural engine: Wan 2.x) from the prompt and an optional image."),
]
