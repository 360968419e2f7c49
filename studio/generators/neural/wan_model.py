"""What a Wan model folder can do, read from its configs: :func:`read_wan_model` (no torch).

Semantics and assumptions
-------------------------
* The model is a diffusers folder (``model_index.json`` + ``transformer/``, ``vae/``,
  ``text_encoder/``, ``tokenizer/``, ``scheduler/``), checked first by the model library
  (:func:`~studio.generators.neural.library.diffusers_folder.scan_diffusers_folder`): a
  refused (pickle), unreadable or incomplete model is refused here with the library's
  message, which names the file or the missing part.  Single files are not run yet.
* The task comes from the transformer's ``in_channels``: 16 is text-to-video (Wan 2.1 T2V,
  Wan 2.2 T2V-A14B), 36 image-to-video (Wan 2.1 I2V, Wan 2.2 I2V-A14B; an image is
  required), 48 with ``expand_timesteps`` Wan 2.2 TI2V-5B (text-to-video, or image-to-video
  when an image is given).  The 36-channel models (Wan 2.1 I2V and FLF2V, Wan 2.2 I2V-A14B)
  also take a last frame (``first_last``: diffusers' ``last_image``); FLF2V (a CLIP branch
  with ``pos_embed_seq_len``) is the one trained for it.  VACE and video-to-video folders are
  identified but not run by this version: refused with a message that says so.
* A Wan-architecture model of a width the publishers did not release (the library lists it
  as ``unsupported``) is run all the same: its configs say everything the pipeline needs.
  That is how the tests' tiny random-weight models run.
* Constraints: frames ``4k+1`` (the VAE's temporal factor, 4); width and height multiples of
  the VAE's spatial factor times the patch size (8 x 2 = 16 for Wan 2.1, 16 x 2 = 32 for the
  Wan 2.2 VAE).  :meth:`WanModel.snap_frames` and :meth:`WanModel.snap_size` round to the
  nearest allowed value (at least one unit).
* Defaults are the publishers' recommendations: 50 steps, guidance 5.0, scheduler shift 5.0
  at 720p-class sizes (3.0 at 480p-class sizes for Wan 2.1), 832x480 and 81 frames for Wan
  2.1, 1280x704 and 121 frames for Wan 2.2 TI2V-5B.
* :func:`model_stamp` fingerprints every file the model reads (path, size, modification
  time), so the executor's cache key changes when any weight or config changes.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass

from studio.generators.neural.library.diffusers_folder import scan_diffusers_folder
from studio.generators.neural.library.safetensors_header import ModelFileError
from studio.generators.neural.library.wan import SIZES
from studio.generators.request import ModelRef

#: pipelines this runtime runs, by model_index.json's class
RUNNABLE = ("WanPipeline", "WanImageToVideoPipeline")
NOT_YET = {
    "WanVACEPipeline": "Wan VACE models are recognised but not run by this version",
    "WanVideoToVideoPipeline": "Wan video-to-video folders are recognised but not run by this version",
}


@dataclass(frozen=True)
class WanModel:
    path: str
    label: str
    family: str
    variant: str
    task: str                    #: "t2v", "i2v" (image required) or "ti2v" (image optional)
    spatial: int                 #: width and height are multiples of this
    temporal: int                #: frames are temporal * k + 1
    default_width: int
    default_height: int
    default_frames: int
    default_steps: int = 50
    default_guidance: float = 5.0
    default_shift: float = 5.0
    two_experts: bool = False
    first_last: bool = False     #: takes a last frame beside the first (Wan: ``last_image``)
    keyframe_positions: bool = False   #: takes images at any frame positions (LTX conditions)
    runtime: str = "wan"         #: which loader and pipelines the worker uses ("wan", "ltx")

    @property
    def takes_image(self) -> bool:
        return self.task in ("i2v", "ti2v")

    @property
    def needs_image(self) -> bool:
        return self.task == "i2v"

    def snap_frames(self, frames: int) -> int:
        """The nearest ``temporal * k + 1`` to ``frames`` (0: the default), at least 1."""
        if frames <= 0:
            return self.default_frames
        k = max(0, round((frames - 1) / self.temporal))
        return self.temporal * k + 1

    def snap_size(self, width: int, height: int, image_size: tuple[int, int] | None = None) -> tuple[int, int]:
        """Width and height rounded to the nearest multiple of ``spatial`` (at least one).

        A side given as 0 comes from the image's aspect ratio when there is an image (the
        default area kept), else the model's default.
        """
        if (width <= 0 or height <= 0) and image_size is not None:
            iw, ih = image_size
            area = self.default_width * self.default_height
            if width <= 0 and height <= 0:
                scale = (area / max(1, iw * ih)) ** 0.5
                width, height = iw * scale, ih * scale
            elif width <= 0:
                width = height * iw / max(1, ih)
            else:
                height = width * ih / max(1, iw)
        width = width if width > 0 else self.default_width
        height = height if height > 0 else self.default_height
        m = self.spatial
        return max(m, int(round(width / m)) * m), max(m, int(round(height / m)) * m)


def _json(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{path}: not a JSON config: {exc}") from None
    if not isinstance(data, dict):
        raise ModelFileError(f"{path}: not a JSON object")
    return data


def open_model_folder(path: str):
    """The library's entry for the diffusers folder at ``path`` (absolute); ModelFileError if it is not one."""
    path = os.path.abspath(path)
    if not os.path.isdir(path):
        if os.path.isfile(path):
            raise ModelFileError(f"{path}: a single file; this version runs diffusers folders only "
                                 f"(model_index.json and one subfolder per part)")
        raise ModelFileError(f"{path}: no such model folder")
    if not os.path.isfile(os.path.join(path, "model_index.json")):
        raise ModelFileError(f"{path}: not a diffusers model folder (no model_index.json)")
    return scan_diffusers_folder(path, os.path.basename(path))


def open_runnable(path: str, entry, family: str, sizes, runnable: tuple, runtime: str,
                  not_yet: dict | None = None) -> tuple[object, bool, dict, dict, dict]:
    """Open the diffusers folder at ``path`` for a runtime: ``(entry, custom_width, index, transformer
    config, VAE config)``, or a :class:`ModelFileError` saying why it cannot run.

    Usable models run; so does a model the library calls unsupported only because its width
    was never released (``family`` matches, no variant, a width not in ``sizes``: the tiny
    test models are such), whose parts are then checked here.  The pipeline class must be
    one of ``runnable`` (``not_yet`` maps known but unrun classes to their message).
    """
    if entry is None:
        entry = open_model_folder(path)
    custom_width = (entry.status == "unsupported" and entry.family == family and entry.variant is None
                    and isinstance(entry.details.get("dim"), int) and entry.details["dim"] not in sizes)
    if entry.status != "usable" and not custom_width:
        raise ModelFileError(f"{path}: {entry.status}: {entry.message}")
    index = _json(os.path.join(path, "model_index.json"))
    cls = index.get("_class_name")
    if cls in (not_yet or {}):
        raise ModelFileError(f"{path}: {not_yet[cls]}")
    if cls not in runnable:
        raise ModelFileError(f"{path}: a {str(cls)[:60]} model; the {runtime} runtime runs {', '.join(runnable)}")
    if custom_width:
        _check_parts(path, index)
    return (entry, custom_width, index, _json(os.path.join(path, "transformer", "config.json")),
            _json(os.path.join(path, "vae", "config.json")))


def read_wan_model(path: str, entry=None) -> WanModel:
    """What the Wan diffusers folder at ``path`` is and can do; :class:`ModelFileError` if it cannot run."""
    path = os.path.abspath(path)
    entry, custom_width, index, config, vae = open_runnable(path, entry, "wan", SIZES, RUNNABLE, "Wan", NOT_YET)
    ch = config.get("in_channels")
    expand = bool(index.get("expand_timesteps"))
    if ch == 16:
        task = "t2v"
    elif ch == 36:
        task = "i2v"
    elif ch == 48 and expand:
        task = "ti2v"
    else:
        raise ModelFileError(f"{path}: a Wan transformer with {ch!r} input channels; expected 16 (T2V), "
                             f"36 (I2V) or 48 (TI2V-5B)")
    patch = config.get("patch_size") or [1, 2, 2]
    spatial = int(vae.get("scale_factor_spatial") or 8) * int(patch[1])
    temporal = int(vae.get("scale_factor_temporal") or 4)
    big = task == "ti2v" or "720P" in (entry.variant or "")
    return WanModel(
        path=path, label=entry.label or f"Wan ({os.path.basename(path)})", family=entry.family or "wan",
        variant=entry.variant or {"t2v": "T2V", "i2v": "I2V", "ti2v": "TI2V"}[task], task=task,
        spatial=spatial, temporal=temporal,
        default_width=1280 if big else 832, default_height=704 if task == "ti2v" else 720 if big else 480,
        default_frames=121 if task == "ti2v" else 81, default_shift=5.0 if big else 3.0,
        two_experts=bool(index.get("boundary_ratio")), first_last=task == "i2v")


def _check_parts(path: str, index: dict) -> None:
    """For models the library did not check part by part: every part a folder with its files."""
    for role in ("transformer", "vae", "text_encoder"):
        sub = os.path.join(path, role)
        if not os.path.isfile(os.path.join(sub, "config.json")):
            raise ModelFileError(f"{path}: incomplete: no {role}/config.json")
        if not any(n.endswith(".safetensors") for n in os.listdir(sub)):
            raise ModelFileError(f"{path}: incomplete: {role}/ holds no weights (*.safetensors)")
    for role, names in (("tokenizer", ("tokenizer.json", "spiece.model")), ("scheduler", ("scheduler_config.json",))):
        if not any(os.path.isfile(os.path.join(path, role, n)) for n in names):
            raise ModelFileError(f"{path}: incomplete: no {role}/ ({' or '.join(names)})")
    if "transformer_2" in index and index["transformer_2"] and index["transformer_2"][0]:
        if not os.path.isdir(os.path.join(path, "transformer_2")):
            raise ModelFileError(f"{path}: incomplete: no transformer_2/ folder")


def model_stamp(path: str) -> str:
    """Sizes and modification times of every file in the model folder (configs and weights)."""
    parts = []
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            p = os.path.join(root, name)
            try:
                st = os.stat(p)
            except OSError:
                continue
            parts.append(f"{os.path.relpath(p, path)}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.blake2b("|".join(parts).encode(), digest_size=12).hexdigest()


def model_ref(path: str) -> ModelRef:
    """The reference a node or the CLI hands to the engine (checks the model now, of any family)."""
    from studio.generators.neural.models import read_model
    model = read_model(path)
    return ModelRef(path=model.path, family=model.family, variant=model.variant, stamp=model_stamp(model.path))
