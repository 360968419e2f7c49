"""What an LTX-Video model folder can do, read from its configs: :func:`read_ltx_model` (no torch).

Semantics and assumptions
-------------------------
* The model is an LTX-Video 0.9.x diffusers folder (``model_index.json`` naming
  ``LTXPipeline``, ``LTXImageToVideoPipeline`` or ``LTXConditionPipeline``, and
  ``transformer/``, ``vae/``, ``text_encoder/`` (T5), ``tokenizer/``, ``scheduler/``),
  checked first by the model library: a refused (pickle), unreadable or incomplete model is
  refused here with the library's message.  Single files are not run yet.
* One folder serves three pipelines built from the same components: text-to-video
  (``LTXPipeline``), image-to-video (``LTXImageToVideoPipeline``, the image is the first
  frame; optional) and keyframes at any frame positions (``LTXConditionPipeline``: an image
  at frame 0 replaces the first latent frame, images at other frames are added as extra
  conditioning tokens at their positions), so first-last frames work too.
* Constraints: frames ``8k+1`` (the VAE's temporal factor), width and height multiples of 32
  (the pipelines refuse anything else; the VAE's spatial factor times the transformer's patch
  size when that is larger).  The VAE's factors are read as diffusers computes them: the
  config's ``spatial_compression_ratio`` / ``temporal_compression_ratio`` when given (0.9.5
  and later), else ``patch_size`` (``patch_size_t``) times 2 per ``spatio_temporal_scaling``
  block.  Snapping rounds to the nearest allowed value.
* Defaults: 768x512, 121 frames; 50 steps and guidance 3.0 for the dev models; for distilled
  few-step models (the library's variant ends in ``-distilled``: Lightricks' metadata or the
  name) guidance 1.0 (no classifier-free guidance) and, when the steps are left at 0, the 8
  timesteps they were distilled for (:data:`DISTILLED_TIMESTEPS`, run through
  ``LTXConditionPipeline``, the only LTX pipeline that takes a timestep list, with no noise
  added to the image conditions), as diffusers' LTX examples do.  Steps set by hand use the
  pipelines' own schedule.  Models of widths not released are taken as distilled when their
  folder name says so.
  The scheduler shift is set from the video's size by the pipeline (dynamic shifting), so the
  request's ``shift`` is not used (the engine refuses one).
* Decoding: VAEs with timestep conditioning (0.9.1 and later) decode at timestep 0.05 with
  noise scale 0.025, the values diffusers' LTX documentation recommends.
* Like Wan, a model of a width Lightricks did not release (the library lists it as
  ``unsupported``) runs all the same: its configs say everything (the tests' tiny models).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from studio.generators.neural.library.families import says_distilled
from studio.generators.neural.library.ltx import SIZES
from studio.generators.neural.wan_model import WanModel, open_runnable

RUNNABLE = ("LTXPipeline", "LTXImageToVideoPipeline", "LTXConditionPipeline")
#: the timesteps the distilled 0.9.7 / 0.9.8 models were distilled for (diffusers' LTX docs, Lightricks' configs)
DISTILLED_TIMESTEPS = (1000.0, 993.0, 987.0, 981.0, 975.0, 909.0, 725.0, 0.03)


@dataclass(frozen=True)
class LtxModel(WanModel):
    distilled: bool = False
    decode_timestep: float = 0.0       #: VAEs with timestep conditioning: 0.05
    decode_noise_scale: float = 0.0    #: and 0.025
    timesteps: tuple = ()              #: distilled: the schedule used when steps are left at the default


def read_ltx_model(path: str, entry=None) -> LtxModel:
    """What the LTX-Video diffusers folder at ``path`` is and can do; ModelFileError if it cannot run."""
    path = os.path.abspath(path)
    entry, custom_width, index, config, vae = open_runnable(path, entry, "ltx-video", SIZES, RUNNABLE, "LTX-Video")
    # as AutoencoderKLLTXVideo computes them: the config's ratios (0.9.5 and later state them), else
    # the patch size times 2 per scaling block
    scaling = sum(bool(x) for x in (vae.get("spatio_temporal_scaling") or [True, True, True, False]))
    vae_spatial = vae.get("spatial_compression_ratio") or int(vae.get("patch_size") or 4) * 2 ** scaling
    vae_temporal = vae.get("temporal_compression_ratio") or int(vae.get("patch_size_t") or 1) * 2 ** scaling
    spatial = max(32, int(vae_spatial) * int(config.get("patch_size") or 1))
    temporal = int(vae_temporal) * int(config.get("patch_size_t") or 1)
    distilled = bool(entry.details.get("distilled")) or (entry.variant or "").endswith("-distilled")
    if custom_width:      # the library stops at the width; as for released sizes, the name tells
        distilled = says_distilled(os.path.basename(path))
    timestep_vae = bool(vae.get("timestep_conditioning"))
    return LtxModel(
        path=path, label=entry.label or f"LTX-Video ({os.path.basename(path)})", family="ltx-video",
        variant=entry.variant or "LTX-Video", task="ti2v", spatial=spatial, temporal=temporal,
        default_width=768, default_height=512, default_frames=121,
        default_steps=8 if distilled else 50, default_guidance=1.0 if distilled else 3.0, default_shift=0.0,
        first_last=True, keyframe_positions=True, runtime="ltx", distilled=distilled,
        decode_timestep=0.05 if timestep_vae else 0.0, decode_noise_scale=0.025 if timestep_vae else 0.0,
        timesteps=DISTILLED_TIMESTEPS if distilled else ())
