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
  mean the model's defaults.  :class:`Plan` says exactly what will be generated.
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
from studio.generators.neural.wan_model import WanModel, read_wan_model
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
    image: np.ndarray | None      #: conformed to (height, width, 3), or None

    def describe(self) -> str:
        return (f"{self.model.label}: {self.width}x{self.height}, {self.frames} frames, {self.steps} steps, "
                f"guidance {self.guidance:g}, shift {self.shift:g}"
                + (", from an image" if self.image is not None else ""))


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
            raise EngineError("model: no model chosen for the neural engine; pick a diffusers folder "
                              "(`cinegraph models` lists what is on disk)")
        model = read_wan_model(request.model.path)
        who = model.label
        problems = []
        if request.motion is not None and getattr(request.motion, "brushes", True):
            problems.append(f"motion: {who} cannot follow motion brushes in this version; disconnect the Motion "
                            f"input or switch the engine to flow")
        if request.camera is not None:
            problems.append(f"camera: {who} cannot follow a camera move in this version; disconnect the Camera "
                            f"input or switch the engine to flow")
        if request.keyframes is not None:
            problems.append(f"keyframes: {who} takes no keyframes in this version; connect one still to the "
                            f"image input instead")
        if request.image is not None and not model.takes_image:
            problems.append(f"image: {who} is text-to-video and takes no image; disconnect the image or use an "
                            f"image-to-video model (I2V, TI2V)")
        if request.image is None and model.needs_image:
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
        if request.shift is not None and not 0 < request.shift <= 100:
            problems.append(f"shift: {request.shift:g} is outside 0-100 (above 0)")
        if problems:
            raise EngineError(f"{who} cannot honour this request: " + "; ".join(problems))
        image_size = None if request.image is None else (request.image.shape[1], request.image.shape[0])
        width, height = model.snap_size(request.width, request.height, image_size)
        image = None if request.image is None else conform_image(request.image, width, height)
        return Plan(model, width, height, model.snap_frames(request.frames), request.steps or model.default_steps,
                    model.default_guidance if request.guidance is None else float(request.guidance),
                    model.default_shift if request.shift is None else float(request.shift), image)

    def worker_request(self, request: GenerationRequest, plan: Plan, device: str = "auto") -> dict:
        """The message the worker gets: plain data only."""
        return {"model": plan.model.path, "stamp": request.model.stamp if request.model else "",
                "device": device, "prompt": request.prompt, "negative": request.negative_prompt,
                "image": plan.image, "width": plan.width, "height": plan.height, "frames": plan.frames,
                "steps": plan.steps, "guidance": plan.guidance, "shift": plan.shift, "seed": int(request.seed)}

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


def _device(ctx: EvalContext) -> str:
    """The device the run asked for ('auto' unless the device manager was told one), without importing torch."""
    devices = getattr(ctx, "_devices", None)
    preference = getattr(devices, "preference", "auto")
    return preference if preference in ("cpu", "cuda", "mps") else "auto"
