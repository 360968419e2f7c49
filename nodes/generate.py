"""Generator nodes.  FlowGenerator runs the embedded flow engine (no model weights)."""

from __future__ import annotations

from studio.errors import EngineError
from studio.generators import ENGINES, get_engine
from studio.generators.request import GenerationRequest
from studio.graph import Choice, Float, Input, Int, NodeType, Output
from studio.timecode import NAMED_RATES, parse_rate

#: clips up to this size are rendered into memory (fast scrubbing); larger ones stream
MATERIALISE_BYTES = 1 << 30


def _generate(ctx, *, image, keyframes, motion, camera, prompt, engine, frames, fps, width, height, seed,
              shutter_angle):
    if image is None and keyframes is None:
        raise EngineError("connect an image or keyframes: the generator has nothing to start from")
    request = GenerationRequest(
        prompt=getattr(prompt, "text", ""), negative_prompt=getattr(prompt, "negative", ""),
        image=image, keyframes=keyframes, motion=motion, camera=camera,
        width=width, height=height, frames=frames, fps=parse_rate(fps), seed=seed, shutter_angle=shutter_angle)
    clip = get_engine(engine).generate(request, ctx)
    if len(clip) * clip.width * clip.height * 3 <= MATERIALISE_BYTES:
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
                      description="motion blur; 0 is off, 180 is the film look")),
        icon="fa5s.magic",
        description="Animates a still from motion brushes and a camera move, or interpolates keyframes "
                    "with optical flow (the embedded flow engine: no model weights)."),
]
