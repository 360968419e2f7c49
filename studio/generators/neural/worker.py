"""The generation worker: a separate process that loads video pipelines and keeps them loaded.

Run as ``python -m studio.generators.neural.worker IN_FD OUT_FD`` by
:mod:`~studio.generators.neural.client`, never imported by the app (it is the only module
that imports torch, diffusers and transformers, inside its functions).

Semantics and assumptions
-------------------------
* Messages are small picklable dicts over two pipes (:class:`multiprocessing.connection.Connection`
  on raw file descriptors): requests in, answers out.  Requests: ``generate`` (every field
  plain data; the image a uint8 array), ``cancel`` (the id of the run to stop), ``stats``,
  ``unload``, ``quit``.  Answers, each with the request's ``id``: ``status`` (a stage, e.g.
  loading), ``progress`` (step ``i`` of ``n``, seconds per step), ``preview`` (a small uint8
  RGB picture), then exactly one of ``done`` (frames written as ``.npy`` to the path the
  request named), ``cancelled`` or ``error`` (the exception's type and message).
* A reader thread takes requests while a run goes on, so a cancel reaches the step callback:
  it raises from ``callback_on_step_end`` (the pipeline stops at once, no VAE decode), then
  ``maybe_free_model_hooks()`` is called.  When the parent's pipe closes the worker exits;
  on Linux the client also asks the kernel to kill it when the parent dies.
* Offline: the worker sets ``HF_HUB_OFFLINE``, ``TRANSFORMERS_OFFLINE`` and
  ``DIFFUSERS_OFFLINE`` before importing anything, loads with ``local_files_only=True`` and
  ``use_safetensors=True``, never passes ``trust_remote_code``, and replaces socket
  connections and name lookups with an error (:func:`install_network_guard`); attempts are
  counted and reported by ``stats``.
* Pipelines are loaded component by component from the folder's local configs, by the
  request's ``runtime``: ``wan`` (:func:`load_wan`: transformer and, for Wan 2.2 A14B,
  ``transformer_2``; VAE in float32; UMT5 text encoder; tokenizer; scheduler; CLIP image
  encoder for Wan 2.1 I2V/FLF2V) or ``ltx`` (:func:`load_ltx`: transformer; VAE in the
  model's dtype, because LTX's image-to-video pipeline hands the VAE images in that dtype; T5
  text encoder; tokenizer; scheduler; shared by ``LTXPipeline``, ``LTXImageToVideoPipeline``
  and ``LTXConditionPipeline``), in float32 on the CPU, bfloat16 (or float16 where bfloat16
  is not supported) on a GPU, and kept, keyed by path and file stamp, until another model is asked for
  (one model is kept at a time) or ``unload``.  The scheduler is made fresh for every run
  from the folder's scheduler config, with the run's shift (Wan); LTX's condition pipeline
  brings its own sigma schedule, so its scheduler is made without dynamic shifting.
* Conditioning: ``image`` (the first frame), ``last_image`` (Wan first-last: diffusers'
  ``last_image``, 36-channel models only), ``keys`` (LTX: ``[(frame, image), ...]`` as
  ``LTXVideoCondition`` items of strength 1; a list of conditions, because diffusers' list
  form of ``image``/``frame_index`` keeps only the first one).  LTX runs also get the frame
  rate (its position encoding) and the decode timestep and noise scale; a ``timesteps`` list
  (distilled LTX models) runs through the condition pipeline, the image as a key at frame 0.
* Previews: the latents of each step are turned into an estimate of the clean latents
  (flow matching: ``x0 = x - sigma * v``, with ``v`` from two consecutive steps) and mapped
  to RGB by a linear map fitted, once per loaded model, by least squares on latents the
  model's own VAE encodes from random smooth colour fields (:func:`fit_latent_rgb`).  The
  preview is the middle latent frame, at latent resolution.  LTX's step latents are packed
  (``[B, tokens, C]``, conditioning tokens first): they are unpacked to ``[B, C, F, h, w]``
  first, and its map is fitted on latents normalised as LTX does (mean, std, scaling factor).
* After a CUDA out-of-memory error the loaded pipelines are dropped before the error is
  reported, so the next run starts from an empty GPU.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
import time
import traceback

OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "DIFFUSERS_OFFLINE": "1",
               "HF_HUB_DISABLE_TELEMETRY": "1", "HF_DATASETS_OFFLINE": "1", "DO_NOT_TRACK": "1",
               "TOKENIZERS_PARALLELISM": "false", "TRANSFORMERS_VERBOSITY": "error",
               "DIFFUSERS_VERBOSITY": "error", "HF_HUB_DISABLE_PROGRESS_BARS": "1"}

#: schedulers a model folder may name (anything else is refused)
SCHEDULERS = ("UniPCMultistepScheduler", "FlowMatchEulerDiscreteScheduler")

_network_attempts = 0


class NetworkBlocked(OSError):
    """A connection or name lookup attempted inside the generation worker (never allowed)."""


def install_network_guard() -> None:
    """Make every socket connection and name lookup in this process raise :class:`NetworkBlocked`."""
    import socket

    def refuse(*_args, **_kwargs):
        global _network_attempts
        _network_attempts += 1
        raise NetworkBlocked("network access is disabled in the generation worker (models load offline)")

    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    socket.create_connection = refuse
    socket.getaddrinfo = refuse
    socket.gethostbyname = refuse


class _Stop(Exception):
    """Raised from the step callback to stop a cancelled run at once."""


class Worker:
    def __init__(self, out):
        self.out = out
        self.cancel_id: int | None = None
        self.current: int | None = None
        self.pipes: dict[tuple, dict] = {}
        self.lock = threading.Lock()

    # -- messages ----------------------------------------------------------------------
    def send(self, kind: str, rid, **fields) -> None:
        self.out.send({"kind": kind, "id": rid, **fields})

    def cancelled(self, rid) -> bool:
        with self.lock:
            return self.cancel_id == rid

    def request_cancel(self, rid) -> None:
        with self.lock:
            self.cancel_id = rid

    # -- loading -----------------------------------------------------------------------
    def device_and_dtype(self, want: str):
        import torch
        if want in ("auto", "cuda") and torch.cuda.is_available():
            dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
            return "cuda", dtype
        if want == "cuda":
            raise RuntimeError("device 'cuda' was asked for, but the worker finds no CUDA GPU")
        mps = getattr(torch.backends, "mps", None)
        if want in ("auto", "mps") and mps is not None and mps.is_available():
            return "mps", torch.float16
        return "cpu", torch.float32

    def load(self, req: dict) -> dict:
        runtime = req.get("runtime", "wan")
        key = (req["model"], req["stamp"], req.get("device", "auto"), runtime)
        if key in self.pipes:
            return self.pipes[key]
        self.pipes.clear()   # one model at a time: free the last before loading the next
        _free_memory()
        self.send("status", req["id"], stage="loading", text="loading the model")
        loader = load_ltx if runtime == "ltx" else load_wan
        loaded = loader(req["model"], *self.device_and_dtype(req.get("device", "auto")))
        self.pipes[key] = loaded
        return loaded

    # -- a run -------------------------------------------------------------------------
    def generate(self, req: dict) -> None:
        rid = req["id"]
        try:
            loaded = self.load(req)
            if self.cancelled(rid):
                self.send("cancelled", rid)
                return
            frames = self.run(loaded, req)
        except _Stop:
            self.send("cancelled", rid)
            return
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which fails the node
            if type(exc).__name__ == "OutOfMemoryError":
                self.pipes.clear()
                _free_memory()
            self.send("error", rid, type=type(exc).__name__, message=str(exc)[:2000],
                      trace=traceback.format_exc()[-4000:])
            return
        import numpy as np
        tmp = req["out"] + ".partial.npy"
        np.save(tmp, frames)
        os.replace(tmp, req["out"])
        self.send("done", rid, frames=int(frames.shape[0]), height=int(frames.shape[1]),
                  width=int(frames.shape[2]), seconds=loaded.get("last_seconds", 0.0))

    def run(self, loaded: dict, req: dict):
        import numpy as np
        import torch
        from PIL import Image
        rid = req["id"]
        image, last_image, keys = req.get("image"), req.get("last_image"), req.get("keys") or []
        ltx = loaded.get("runtime") == "ltx"
        timesteps = req.get("timesteps") if ltx else None
        if timesteps and not keys and image is not None:     # only the condition pipeline takes timesteps
            keys, image = [(0, image)], None
        if (keys or timesteps) and ltx:
            pipe = loaded["cond"]
        elif image is not None:
            pipe = loaded["i2v"]
        else:
            pipe = loaded["t2v"]
        if pipe is None or (keys and not ltx):
            raise RuntimeError("this model cannot take an image" if image is not None or keys else
                               "this model needs an image")
        if last_image is not None and (ltx or not loaded.get("first_last")):
            raise RuntimeError("this model cannot take a last frame")
        extra = {"use_dynamic_shifting": False} if pipe is loaded.get("cond") else {}
        pipe.scheduler = make_scheduler(loaded["scheduler_cls"], {**loaded["scheduler_config"], **extra},
                                        req.get("shift"))
        steps = int(req["steps"])
        state = {"t0": time.perf_counter(), "last": None, "prev": None, "prev_sigma": None}

        def on_step(p, i, t, kwargs):
            if self.cancelled(rid):
                raise _Stop()
            now = time.perf_counter()
            per_step = (now - state["t0"]) / (i + 1)
            self.send("progress", rid, step=i + 1, steps=steps, seconds_per_step=per_step)
            if req.get("previews", True):
                latents = kwargs["latents"]
                try:
                    if ltx:
                        latents = unpack_ltx_latents(p, latents, req)
                    rgb = self.preview(loaded, p, i, latents, state)
                except Exception:  # noqa: BLE001 - a preview must never fail the run
                    rgb = None
                if rgb is not None:
                    self.send("preview", rid, step=i + 1, steps=steps, image=rgb)
            return {}

        kwargs = dict(prompt=req.get("prompt", ""), negative_prompt=req.get("negative", "") or None,
                      height=int(req["height"]), width=int(req["width"]), num_frames=int(req["frames"]),
                      num_inference_steps=steps, guidance_scale=float(req["guidance"]),
                      generator=torch.Generator(device="cpu").manual_seed(int(req["seed"])),
                      output_type="np", callback_on_step_end=on_step,
                      callback_on_step_end_tensor_inputs=["latents"])
        if req.get("max_sequence_length"):
            kwargs["max_sequence_length"] = int(req["max_sequence_length"])
        if ltx:
            kwargs.update(frame_rate=float(req.get("frame_rate") or 25.0),
                          decode_timestep=float(req.get("decode_timestep") or 0.0),
                          decode_noise_scale=float(req.get("decode_noise_scale") or 0.0) or None)
        if timesteps:
            kwargs.pop("num_inference_steps")
            kwargs.update(timesteps=[float(t) for t in timesteps], image_cond_noise_scale=0.0)
        if keys and ltx:
            from diffusers.pipelines.ltx.pipeline_ltx_condition import LTXVideoCondition
            kwargs["conditions"] = [LTXVideoCondition(image=Image.fromarray(np.ascontiguousarray(img)),
                                                      frame_index=int(f), strength=1.0) for f, img in keys]
        elif image is not None:
            kwargs["image"] = Image.fromarray(np.ascontiguousarray(image))
        if last_image is not None:
            kwargs["last_image"] = Image.fromarray(np.ascontiguousarray(last_image))
        pipe.set_progress_bar_config(disable=True)
        t0 = time.perf_counter()
        try:
            with torch.inference_mode():
                out = pipe(**kwargs)
        except _Stop:
            pipe.maybe_free_model_hooks()
            raise
        loaded["last_seconds"] = time.perf_counter() - t0
        video = np.asarray(out.frames[0])            # (T, H, W, 3) float in 0..1
        return np.clip(np.round(video * 255.0), 0, 255).astype(np.uint8)

    def preview(self, loaded: dict, pipe, i: int, latents, state: dict):
        """A small RGB picture of the clean-latent estimate after step ``i``."""
        import numpy as np
        sigmas = getattr(pipe.scheduler, "sigmas", None)
        lat = latents[0].float()                                   # (C, T, h, w)
        x0 = lat
        if sigmas is not None and state["prev"] is not None and i + 1 < len(sigmas):
            s_prev, s_now = float(sigmas[i]), float(sigmas[i + 1])
            if abs(s_now - s_prev) > 1e-6:
                v = (lat - state["prev"]) / (s_now - s_prev)
                x0 = lat - s_now * v
        state["prev"] = lat
        if "rgb_map" not in loaded:
            loaded["rgb_map"] = fit_latent_rgb(loaded["vae"], loaded["device"], ltx=loaded.get("runtime") == "ltx")
        weight, bias = loaded["rgb_map"]
        mid = x0[:, x0.shape[1] // 2].cpu().numpy()                # (C, h, w)
        rgb = np.tensordot(weight, mid, axes=(0, 0)) + bias[:, None, None]   # (3, h, w)
        return np.clip(np.round(rgb.transpose(1, 2, 0) * 255.0), 0, 255).astype(np.uint8)


def make_scheduler(cls, config: dict, shift):
    """A fresh scheduler from the folder's config, with the run's shift when one is given."""
    if shift is None:
        return cls.from_config(config)
    key = "flow_shift" if "flow_shift" in config or cls.__name__.startswith("UniPC") else "shift"
    return cls.from_config(config, **{key: float(shift)})


def unpack_ltx_latents(pipe, latents, req: dict):
    """LTX's packed step latents ``[B, S, D]`` as ``[B, C, F, h, w]`` (conditioning tokens dropped)."""
    temporal, spatial = pipe.vae_temporal_compression_ratio, pipe.vae_spatial_compression_ratio
    frames = (int(req["frames"]) - 1) // temporal + 1
    h, w = int(req["height"]) // spatial, int(req["width"]) // spatial
    p, pt = pipe.transformer_spatial_patch_size, pipe.transformer_temporal_patch_size
    tokens = (frames // pt) * (h // p) * (w // p)
    return pipe._unpack_latents(latents[:, -tokens:], frames, h, w, p, pt)


def fit_latent_rgb(vae, device: str, samples: int = 6, size: int = 64, ltx: bool = False):
    """A linear map latents -> RGB (0..1), fitted by least squares on what this VAE encodes.

    Random smooth colour fields (a few colours blended over ``size`` px) are encoded; each
    latent pixel is paired with the mean colour of the pixels it covers.  Returns
    ``(weight (C, 3), bias (3,))`` for normalised latents (the pipeline's scale).
    """
    import numpy as np
    import torch
    rng = np.random.default_rng(0)
    cfg = vae.config
    factor = int(getattr(vae, "spatial_compression_ratio", 0) or getattr(cfg, "scale_factor_spatial", 8) or 8)
    size = max(size, factor * 4)
    zs, cs = [], []
    for _ in range(samples):
        corners = rng.random((2, 2, 3))
        yy, xx = np.meshgrid(np.linspace(0, 1, size), np.linspace(0, 1, size), indexing="ij")
        img = ((1 - yy)[..., None] * ((1 - xx)[..., None] * corners[0, 0] + xx[..., None] * corners[0, 1])
               + yy[..., None] * ((1 - xx)[..., None] * corners[1, 0] + xx[..., None] * corners[1, 1]))
        x = torch.from_numpy(img.astype(np.float32)).permute(2, 0, 1)[None, :, None] * 2 - 1   # (1, 3, 1, H, W)
        with torch.inference_mode():
            z = vae.encode(x.to(device=device, dtype=vae.dtype)).latent_dist.mean.float().cpu()[0, :, 0]
        if ltx:    # LTX: (z - mean) * scaling_factor / std, from the VAE's buffers
            mean = vae.latents_mean.float().cpu().view(-1, 1, 1)
            std = vae.latents_std.float().cpu().view(-1, 1, 1)
            z = ((z - mean) * float(cfg.scaling_factor) / std).numpy()
        else:
            mean = torch.tensor(cfg.latents_mean).view(-1, 1, 1)
            std = torch.tensor(cfg.latents_std).view(-1, 1, 1)
            z = ((z - mean) / std).numpy()                            # (C, h, w) as the pipeline holds them
        h, w = z.shape[1:]
        col = img[: h * (size // h), : w * (size // w)].reshape(h, size // h, w, size // w, 3).mean(axis=(1, 3))
        zs.append(z.reshape(z.shape[0], -1).T)
        cs.append(col.reshape(-1, 3))
    z = np.concatenate(zs)
    a = np.concatenate([z, np.ones((len(z), 1))], axis=1)
    sol, *_ = np.linalg.lstsq(a, np.concatenate(cs), rcond=None)
    return sol[:-1].astype(np.float32), sol[-1].astype(np.float32)


def load_wan(path: str, device: str, dtype) -> dict:
    """Every component of the Wan diffusers folder at ``path``, and the pipelines made of them."""
    import json

    import diffusers
    import torch
    from diffusers import AutoencoderKLWan, WanImageToVideoPipeline, WanPipeline, WanTransformer3DModel
    from transformers import AutoTokenizer, UMT5EncoderModel

    def sub(name):
        return os.path.join(path, name)

    with open(sub("model_index.json"), encoding="utf-8") as f:
        index = json.load(f)
    safe = {"local_files_only": True, "use_safetensors": True}
    transformer = WanTransformer3DModel.from_pretrained(sub("transformer"), torch_dtype=dtype, **safe)
    transformer_2 = None
    if isinstance(index.get("transformer_2"), list) and index["transformer_2"][0] and os.path.isdir(sub("transformer_2")):
        transformer_2 = WanTransformer3DModel.from_pretrained(sub("transformer_2"), torch_dtype=dtype, **safe)
    vae = AutoencoderKLWan.from_pretrained(sub("vae"), torch_dtype=torch.float32, **safe)
    text_encoder = UMT5EncoderModel.from_pretrained(sub("text_encoder"), dtype=dtype, **safe)
    tokenizer = AutoTokenizer.from_pretrained(sub("tokenizer"), local_files_only=True)
    with open(os.path.join(sub("scheduler"), "scheduler_config.json"), encoding="utf-8") as f:
        scheduler_config = json.load(f)
    scheduler_name = scheduler_config.get("_class_name")
    if scheduler_name not in SCHEDULERS:
        raise RuntimeError(f"{sub('scheduler')}: scheduler {str(scheduler_name)[:60]} is not one this runtime uses "
                           f"({', '.join(SCHEDULERS)})")
    scheduler_cls = getattr(diffusers, scheduler_name)
    extra = {"boundary_ratio": index.get("boundary_ratio"), "expand_timesteps": bool(index.get("expand_timesteps"))}
    parts = dict(tokenizer=tokenizer, text_encoder=text_encoder, vae=vae, transformer=transformer,
                 transformer_2=transformer_2, scheduler=scheduler_cls.from_config(scheduler_config))
    in_channels = transformer.config.in_channels
    t2v = i2v = None
    if in_channels in (16, 48):
        t2v = WanPipeline(**parts, **extra)
    if in_channels in (36, 48):
        image_encoder = image_processor = None
        if transformer.config.image_dim and os.path.isdir(sub("image_encoder")):
            from transformers import CLIPImageProcessor, CLIPVisionModel
            image_encoder = CLIPVisionModel.from_pretrained(sub("image_encoder"), dtype=torch.float32, **safe)
            image_processor = CLIPImageProcessor.from_pretrained(sub("image_processor"), local_files_only=True)
        i2v = WanImageToVideoPipeline(**parts, image_encoder=image_encoder, image_processor=image_processor, **extra)
    for pipe in (t2v, i2v):
        if pipe is not None:
            pipe.to(device)
    return {"runtime": "wan", "t2v": t2v, "i2v": i2v, "vae": vae, "device": device, "scheduler_cls": scheduler_cls,
            "scheduler_config": dict(scheduler_config), "first_last": in_channels == 36}


def _scheduler(folder: str):
    import json

    import diffusers
    with open(os.path.join(folder, "scheduler_config.json"), encoding="utf-8") as f:
        config = json.load(f)
    name = config.get("_class_name")
    if name not in SCHEDULERS:
        raise RuntimeError(f"{folder}: scheduler {str(name)[:60]} is not one this runtime uses "
                           f"({', '.join(SCHEDULERS)})")
    return getattr(diffusers, name), config


def load_ltx(path: str, device: str, dtype) -> dict:
    """Every component of the LTX-Video diffusers folder at ``path``, and the three pipelines made of them."""
    from diffusers import (AutoencoderKLLTXVideo, LTXConditionPipeline, LTXImageToVideoPipeline, LTXPipeline,
                           LTXVideoTransformer3DModel)
    from transformers import AutoTokenizer, T5EncoderModel

    def sub(name):
        return os.path.join(path, name)

    safe = {"local_files_only": True, "use_safetensors": True}
    transformer = LTXVideoTransformer3DModel.from_pretrained(sub("transformer"), torch_dtype=dtype, **safe)
    # in the model's dtype: LTX's image-to-video pipeline feeds the VAE images in the text encoder's dtype
    vae = AutoencoderKLLTXVideo.from_pretrained(sub("vae"), torch_dtype=dtype, **safe)
    text_encoder = T5EncoderModel.from_pretrained(sub("text_encoder"), dtype=dtype, **safe)
    tokenizer = AutoTokenizer.from_pretrained(sub("tokenizer"), local_files_only=True)
    scheduler_cls, scheduler_config = _scheduler(sub("scheduler"))
    parts = dict(tokenizer=tokenizer, text_encoder=text_encoder, vae=vae, transformer=transformer,
                 scheduler=scheduler_cls.from_config(scheduler_config))
    t2v, i2v, cond = LTXPipeline(**parts), LTXImageToVideoPipeline(**parts), LTXConditionPipeline(**parts)
    for pipe in (t2v, i2v, cond):
        pipe.to(device)
    return {"runtime": "ltx", "t2v": t2v, "i2v": i2v, "cond": cond, "vae": vae, "device": device,
            "scheduler_cls": scheduler_cls, "scheduler_config": dict(scheduler_config)}


def _free_memory() -> None:
    import gc
    gc.collect()
    if "torch" in sys.modules:
        import torch
        if torch.cuda.is_available():
            torch.cuda.empty_cache()


def _reader(conn, worker: Worker, jobs: queue.SimpleQueue) -> None:
    """Takes requests while a run goes on; cancels reach the run through the worker."""
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            os._exit(0)      # the parent is gone: nothing left to work for
        op = msg.get("op")
        if op == "cancel":
            worker.request_cancel(msg.get("id"))
        else:
            jobs.put(msg)


def main(argv: list[str]) -> int:
    os.environ.update(OFFLINE_ENV)
    install_network_guard()
    from multiprocessing.connection import Connection
    conn_in = Connection(int(argv[0]), writable=False)
    conn_out = Connection(int(argv[1]), readable=False)
    worker = Worker(conn_out)
    jobs: queue.SimpleQueue = queue.SimpleQueue()
    threading.Thread(target=_reader, args=(conn_in, worker, jobs), name="worker-reader", daemon=True).start()
    import torch  # noqa: F401 - paid once, before the first request
    worker.send("ready", None, pid=os.getpid())
    while True:
        msg = jobs.get()
        op = msg.get("op")
        if op == "quit":
            return 0
        if op == "generate":
            worker.generate(msg)
        elif op == "stats":
            worker.send("stats", msg.get("id"), network_attempts=_network_attempts,
                        loaded=[k[0] for k in worker.pipes], pid=os.getpid())
        elif op == "unload":
            worker.pipes.clear()
            _free_memory()
            worker.send("unloaded", msg.get("id"))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
