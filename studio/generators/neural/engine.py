"""The neural engine: runs a video model on a :class:`~studio.generators.request.GenerationRequest`.

Semantics and assumptions
-------------------------
* The request's ``model`` names the weights (a Wan diffusers folder in this version, read
  by :func:`~studio.generators.neural.wan_model.read_wan_model`); the family decides what
  the model can honour.  :meth:`NeuralEngine.plan` checks the whole request before anything
  starts and raises one :class:`~studio.errors.EngineError` that names every input or field
  it cannot honour: motion brushes, a camera move, keyframes, an image given to a
  text-to-video model or missing for an image-to-video one, a strength below 1
  (video-to-video), a shutter angle (motion blur belongs to the flow engine).  Nothing
  connected is silently dropped.
* What is generated is snapped to the model's constraints (:class:`~.wan_model.WanModel`):
  frames to ``4k+1``, width and height to multiples of 16 (Wan 2.1) or 32 (Wan 2.2
  TI2V-5B); 0 means the model's default (for the size: the image's aspect ratio at the
  default area when an image is given).  The image is cropped to the output's aspect ratio
  (centred) and resized, so it is never stretched.  Steps 0, guidance and shift ``None``
  mean the model's defaults (for distilled LTX-Video models: few steps and no guidance).
  :class:`Plan` says exactly what will be generated.
* The model runs in the generation worker (:mod:`.client`, :mod:`.worker`): progress
  (``step i/N, s/step, ETA``) goes to ``ctx.progress``; previews go to ``ctx.preview`` when
  the context has that channel (the latest wins), otherwise they are dropped; a cancel on
  the context stops the run within one denoising step.
* Same model, seed, request and device: same frames (the noise comes from a CPU generator
  seeded with ``seed``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from studio.errors import EngineError
from studio.executor.context import EvalContext
from studio.generators.neural.client import WorkerClient, default_client
from studio.generators.neural.models import read_model
from studio.generators.neural.wan_model import WanModel
from studio.generators.request import GenerationRequest
from studio.media.clip import Clip, as_rgb8


@dataclass(frozen=True)
class Plan:
    """What a request will actually generate, after snapping to the model's constraints."""
    model: WanModel
    width: int
    height: int
    frames: int
    steps: int
    guidance: float
    shift: float
    image: np.ndarray | None      #: the first frame, conformed to (height, width, 3), or None
    last_image: np.ndarray | None = None   #: first-last frames: the last frame, conformed
    keys: tuple = ()              #: keyframes at positions: ((frame, image conformed), ...)

    def describe(self) -> str:
        text = (f"{self.model.label}: {self.width}x{self.height}, {self.frames} frames, {self.steps} steps, "
                f"guidance {self.guidance:g}" + (f", shift {self.shift:g}" if self.model.runtime == "wan" else ""))
        if self.keys:
            return text + ", keyframes at frames " + ", ".join(str(f) for f, _ in self.keys)
        if self.last_image is not None:
            return text + f", from a first and a last frame (frame {self.frames - 1})"
        return text + (", from an image" if self.image is not None else "")


def conform_image(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """``image`` cropped (centred) to the aspect ratio of ``width x height`` and resized to it."""
    import cv2
    img = as_rgb8(image)
    h, w = img.shape[:2]
    target = width / height
    if w / h > target:                       # too wide: crop the sides
        cw = max(1, round(h * target))
        x0 = (w - cw) // 2
        img = img[:, x0:x0 + cw]
    elif w / h < target:                     # too tall: crop top and bottom
        ch = max(1, round(w / target))
        y0 = (h - ch) // 2
        img = img[y0:y0 + ch]
    shrink = img.shape[1] > width
    return cv2.resize(np.ascontiguousarray(img), (width, height),
                      interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)


class NeuralEngine:
    name = "neural"

    def __init__(self, client: WorkerClient | None = None):
        self._client = client

    @property
    def client(self) -> WorkerClient:
        return self._client or default_client()

    def plan(self, request: GenerationRequest) -> Plan:
        """Check ``request`` against its model; the plan, or one EngineError naming every problem."""
        if request.model is None or not request.model.path:
            raise EngineError("model: no model chosen for the neural engine; pick a Wan or LTX-Video diffusers folder "
                              "(`cinegraph models` lists what is on disk)")
        model = read_model(request.model.path)
        who = model.label
        problems = []
        if request.motion is not None and getattr(request.motion, "brushes", True):
            problems.append(f"motion: {who} cannot follow motion brushes in this version; disconnect the Motion "
                            f"input or switch the engine to flow")
        if request.camera is not None:
            problems.append(f"camera: {who} cannot follow a camera move in this version; disconnect the Camera "
                            f"input or switch the engine to flow")
        keys, key_problems = _keys(request)
        problems += key_problems
        first = dict(keys).get(0)
        if model.keyframe_positions:      # LTX-Video: every key but a lone first frame is a condition
            positions = bool(keys) and (len(keys) > 1 or first is None)
        else:                             # Wan: a first frame, or a first and a last frame
            positions = len(keys) > 2 or (bool(keys) and first is None)
        if keys and not model.takes_image:
            what = "image" if request.image is not None else "keyframes"
            problems.append(f"{what}: {who} is text-to-video and takes no image; disconnect the {what} or use an "
                            f"image-to-video model (I2V, TI2V, LTX-Video)")
        elif keys and first is None and not model.keyframe_positions:
            problems.append(f"keyframes: {who} takes its first frame at frame 0, but the first key is at frame "
                            f"{keys[0][0]}; for keys at other positions use an LTX-Video model")
        elif len(keys) == 2 and not model.first_last and not model.keyframe_positions:
            problems.append(f"keyframes: {who} cannot take a last frame (first-last needs Wan FLF2V, a Wan I2V "
                            f"model or LTX-Video); connect one still to the image input instead")
        elif positions and not model.keyframe_positions:
            problems.append(f"keyframes: {who} takes at most a first and a last frame, not {len(keys)} keys; for "
                            f"keys at any positions use an LTX-Video model")
        if not keys and model.needs_image:
            problems.append(f"image: {who} is image-to-video: connect a still to the image input")
        if request.strength != 1.0:
            problems.append(f"strength: {request.strength:g} asks for video-to-video, which this version does not "
                            f"do; set it to 1")
        if request.shutter_angle:
            problems.append(f"shutter_angle: motion blur is a flow-engine setting; set it to 0 for a neural model")
        if request.steps < 0 or request.steps > 1000:
            problems.append(f"steps: {request.steps} is outside 1-1000 (0: the model's default)")
        if request.guidance is not None and not 0 <= request.guidance <= 100:
            problems.append(f"guidance: {request.guidance:g} is outside 0-100")
        if request.shift is not None and model.runtime == "ltx":
            problems.append(f"shift: {who} sets its schedule's shift from the video's size; set shift to 0")
        elif request.shift is not None and not 0 < request.shift <= 100:
            problems.append(f"shift: {request.shift:g} is outside 0-100 (above 0)")
        frames = model.snap_frames(request.frames)
        if (len(keys) > 1 or positions) and not problems:
            last = keys[-1][0]
            needed = _snap_up(last + 1, model.temporal)
            if request.frames <= 0:
                frames = needed
            elif not positions and frames != needed:
                problems.append(f"keyframes: the last key is at frame {last}, but {request.frames} frames make "
                                f"{frames}; first-last puts the last key on the last frame: set frames to 0 "
                                f"(from the keys) or to {needed}")
            elif positions and last > frames - 1:
                problems.append(f"keyframes: a key is at frame {last}, past the last of {frames} frames; set frames "
                                f"to 0 (from the keys) or to at least {needed}")
        if problems:
            raise EngineError(f"{who} cannot honour this request: " + "; ".join(problems))
        source = keys[0][1] if keys else None
        image_size = None if source is None else (source.shape[1], source.shape[0])
        width, height = model.snap_size(request.width, request.height, image_size)
        image = last_image = None
        conditions: tuple = ()
        if positions:
            conditions = tuple((f, conform_image(img, width, height)) for f, img in keys)
        elif keys:
            image = conform_image(keys[0][1], width, height)
            if len(keys) == 2:
                last_image = conform_image(keys[1][1], width, height)
        steps = request.steps or (len(model.timesteps) if getattr(model, "timesteps", ()) else model.default_steps)
        return Plan(model, width, height, frames, steps,
                    model.default_guidance if request.guidance is None else float(request.guidance),
                    model.default_shift if request.shift is None else float(request.shift), image,
                    last_image, conditions)

    def worker_request(self, request: GenerationRequest, plan: Plan, device: str = "auto") -> dict:
        """The message the worker gets: plain data only."""
        return {"model": plan.model.path, "stamp": request.model.stamp if request.model else "",
                "device": device, "prompt": request.prompt, "negative": request.negative_prompt,
                "image": plan.image, "last_image": plan.last_image, "keys": list(plan.keys),
                "width": plan.width, "height": plan.height, "frames": plan.frames,
                "steps": plan.steps, "guidance": plan.guidance,
                "shift": plan.shift if plan.model.runtime == "wan" else None, "seed": int(request.seed),
                "runtime": plan.model.runtime, "frame_rate": float(request.fps),
                "decode_timestep": getattr(plan.model, "decode_timestep", 0.0),
                "decode_noise_scale": getattr(plan.model, "decode_noise_scale", 0.0),
                "timesteps": list(getattr(plan.model, "timesteps", ())) if not request.steps else None}

    def generate(self, request: GenerationRequest, ctx: EvalContext) -> Clip:
        plan = self.plan(request)
        ctx.progress(0.0, f"starting: {plan.describe()}")
        preview = getattr(ctx, "preview", None)

        def on_status(msg):
            ctx.progress(0.02, msg.get("text", ""))

        def on_progress(msg):
            i, n, per = msg["step"], msg["steps"], msg["seconds_per_step"]
            ctx.progress(0.05 + 0.9 * i / n, f"step {i}/{n}, {per:.2f} s/step, ETA {per * (n - i):.0f} s")

        def on_preview(msg):
            if callable(preview):
                preview(msg["image"])

        frames = self.client.generate(self.worker_request(request, plan, _device(ctx)), on_progress=on_progress,
                                      on_preview=on_preview, on_status=on_status,
                                      should_cancel=lambda: ctx.cancelled)
        ctx.check_cancel()
        ctx.progress(1.0, "generated")
        return Clip(frames, request.fps, name=plan.model.label)


def _keys(request: GenerationRequest) -> tuple[list[tuple[int, np.ndarray]], list[str]]:
    """The image (a key at frame 0) and the keyframes, sorted by frame; and the problems with them."""
    keys: list[tuple[int, np.ndarray]] = []
    problems = []
    if request.image is not None:
        keys.append((0, request.image))
    for k in (request.keyframes.keys if request.keyframes is not None else ()):
        if k.hold:
            problems.append(f"keyframes: the key at frame {k.frame} holds for {k.hold} frames; holds are a "
                            f"flow-engine feature: set hold to 0 for a neural model")
        if any(f == k.frame for f, _ in keys):
            problems.append(f"keyframes: two images at frame {k.frame}"
                            + (" (the image input is frame 0)" if k.frame == 0 and request.image is not None else ""))
            continue
        keys.append((int(k.frame), k.image))
    keys.sort(key=lambda fk: fk[0])
    return keys, problems


def _snap_up(frames: int, temporal: int) -> int:
    """The smallest ``temporal * k + 1`` at least ``frames``."""
    return temporal * max(0, -(-(frames - 1) // temporal)) + 1


def _device(ctx: EvalContext) -> str:
    """The device the run asked for ('auto' unless the device manager was told one), without importing torch."""
    devices = getattr(ctx, "_devices", None)
    preference = getattr(devices, "preference", "auto")
    return preference if preference in ("cpu", "cuda", "mps") else "auto"
