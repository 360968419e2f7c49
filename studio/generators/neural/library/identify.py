"""What one set of safetensors weights is: try each identifier on its tensor names and shapes.

Semantics and assumptions
-------------------------
* :func:`identify_weights` tries, in order, the Wan and LTX-Video transformers, VAEs, text
  encoders, image encoders and LoRAs, and returns the first match.  The order matters only
  for files holding several parts: an LTX-Video checkpoint holds its VAE too, and is a
  generator.
* Weights that match nothing are ``kind="unknown"`` and not supported; the message says
  what was expected, given the folder the file is in (``folder_role``: ``"generator"`` for
  ``diffusion_models/``, ``unet/`` and ``checkpoints/``, ``"vae"``, ``"text_encoder"``,
  ``"image_encoder"``, ``"lora"``, or ``None`` elsewhere), and shows one tensor name so the
  file can be recognised.
* Nothing here reads files: it works on :class:`~.safetensors_header.SafetensorsHeader`.
"""

from __future__ import annotations

from studio.generators.neural.library.components import (identify_image_encoder, identify_lora,
                                                          identify_text_encoder, identify_vae)
from studio.generators.neural.library.families import Identity
from studio.generators.neural.library.ltx import identify_ltx_file
from studio.generators.neural.library.safetensors_header import SafetensorsHeader
from studio.generators.neural.library.wan import identify_wan_file

_EXPECTED = {
    "generator": "a Wan 2.x or LTX-Video model",
    "vae": "a Wan or LTX-Video VAE",
    "text_encoder": "umt5-xxl or t5xxl",
    "image_encoder": "CLIP ViT-H/14",
    "lora": "a Wan or LTX-Video LoRA",
}


def identify_weights(header: SafetensorsHeader, name: str, folder_role: str | None = None) -> Identity:
    """The identity of the weights in ``header``; ``name`` is the file (or shard set) name."""
    for found in (identify_wan_file(header, name), identify_ltx_file(header, name)):
        if found is not None:
            return found
    for identify in (identify_vae, identify_text_encoder, identify_image_encoder, identify_lora):
        found = identify(header)
        if found is not None:
            return found
    expected = _EXPECTED.get(folder_role or "", "a Wan 2.x or LTX-Video model or one of their parts")
    if not header.tensors:
        why = f"no tensors in the file; expected {expected}"
    else:
        first = min(header.tensors)
        shown = first if len(first) <= 60 else first[:60] + "…"
        why = f"not {expected} (tensors such as {shown!r})"
    return Identity("unknown", None, None, "", {"tensors": len(header.tensors)}, unsupported=why)
