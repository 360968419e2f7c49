"""Identify LTX-Video 0.9.x transformers (and the VAE inside their checkpoints).

Semantics and assumptions (sources in docs/models.md)
-----------------------------------------------------
* Lightricks' single-file checkpoints hold the transformer (original naming, often under
  ``model.diffusion_model.``: ``patchify_proj.weight``, ``adaln_single.*``,
  ``transformer_blocks.N.*``) and usually the VAE under ``vae.``; the text encoder (T5 v1.1
  XXL) is always separate.  diffusers' naming (``proj_in.weight``, ``time_embed.*``) is read
  too.
* Size from the shapes: width (``patchify_proj.weight``'s first dimension) 2048 with 28
  layers is the 2B model; 4096 with 48 layers is the 13B model (0.9.7 and later).
* Release from the shapes, as far as they tell: a VAE without a decoder timestep embedding
  (``decoder.last_time_embedder.*``) is 0.9.0; with it, an encoder whose last block is 512
  wide (``encoder.conv_out.conv.weight``'s second dimension) is 0.9.1, 2048 wide is 0.9.5 or
  later.  The exact release (0.9.5, 0.9.6, 0.9.7, 0.9.8) comes from the name when it says
  (``ltxv-13b-0.9.7-dev``), and the note says so.
* Distilled few-step checkpoints have the same shapes as the others.  Lightricks' files
  carry a ``config`` JSON in the safetensors metadata whose ``allowed_inference_steps`` is
  set for distilled ones; without that metadata only the name (``distilled``) tells, and the
  note says so.
* LTX-2 checkpoints (audio and video) are recognised and reported as not supported.
"""

from __future__ import annotations

import json

from studio.generators.neural.library.families import (Identity, count_blocks, find_prefix, label_for,
                                                       ltx_version_in_name, says_distilled)
from studio.generators.neural.library.safetensors_header import SafetensorsHeader

SIZES = {2048: ("2B", 28), 4096: ("13B", 48)}


def identify_ltx_file(header: SafetensorsHeader, name: str) -> Identity | None:
    """The LTX-Video transformer in these tensors, or ``None`` when they are not one."""
    names = header.tensors
    if any("av_ca_" in n or n.startswith(("audio_vae.", "model.diffusion_model.audio_")) for n in names):
        return Identity("generator", "ltx-2", None, "LTX-2", unsupported="LTX-2 models are not supported")
    prefix = find_prefix(names, "patchify_proj.weight")
    original = prefix is not None and f"{prefix}adaln_single.emb.timestep_embedder.linear_1.bias" in names
    if not original:
        prefix = find_prefix(names, "time_embed.emb.timestep_embedder.linear_1.bias")
        if prefix is None or f"{prefix}proj_in.weight" not in names:
            return None
    proj = header.shape(f"{prefix}patchify_proj.weight" if original else f"{prefix}proj_in.weight")
    if proj is None or len(proj) != 2:
        return None
    details = {"dim": proj[0], "in_channels": proj[1],
               "num_layers": count_blocks(names, f"{prefix}transformer_blocks."), "key_prefix": prefix,
               "key_naming": "original" if original else "diffusers"}
    vae_gen = vae_generation(header, "vae.")
    embedded = ("vae:ltx-video",) if vae_gen else ()
    details["vae"] = vae_gen
    return _classify(details, name, vae_gen, _distilled_from_metadata(header.metadata), embedded)


def identify_ltx_config(config: dict, vae_config: dict | None, name: str) -> Identity:
    """The LTX-Video model described by a diffusers folder's transformer and VAE configs."""
    heads, head_dim = config.get("num_attention_heads"), config.get("attention_head_dim")
    dim = heads * head_dim if isinstance(heads, int) and isinstance(head_dim, int) else None
    details = {"dim": dim, "in_channels": config.get("in_channels"), "num_layers": config.get("num_layers")}
    vae_gen = None
    if vae_config:
        blocks = vae_config.get("block_out_channels") or []
        if not vae_config.get("timestep_conditioning", False):
            vae_gen = "0.9.0"
        elif isinstance(blocks, list) and blocks and blocks[-1] == 2048:
            vae_gen = "0.9.5+"
        else:
            vae_gen = "0.9.1"
    details["vae"] = vae_gen
    return _classify(details, name, vae_gen, None, ())


def vae_generation(header: SafetensorsHeader, prefix: str) -> str | None:
    """``"0.9.0"``, ``"0.9.1"`` or ``"0.9.5+"`` for an LTX-Video VAE under ``prefix``; ``None`` if none."""
    names = header.tensors
    if not (f"{prefix}decoder.up_blocks.0.res_blocks.0.conv1.conv.weight" in names
            or f"{prefix}per_channel_statistics.mean-of-means" in names
            or f"{prefix}decoder.up_blocks.0.resnets.0.conv1.conv.weight" in names):
        return None
    if (f"{prefix}decoder.last_time_embedder.timestep_embedder.linear_1.weight" not in names
            and f"{prefix}decoder.time_embedder.timestep_embedder.linear_1.weight" not in names):
        return "0.9.0"
    conv_out = header.shape(f"{prefix}encoder.conv_out.conv.weight")
    return "0.9.5+" if conv_out and len(conv_out) > 1 and conv_out[1] == 2048 else "0.9.1"


def _distilled_from_metadata(metadata: dict) -> bool | None:
    """Whether Lightricks' ``config`` metadata marks the checkpoint distilled; ``None`` without it."""
    text = metadata.get("config")
    if not text or len(text) > 10_000_000:
        return None
    try:
        config = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(config, dict):
        return None
    return bool(config.get("allowed_inference_steps"))


def _classify(d: dict, name: str, vae_gen: str | None, distilled: bool | None,
              embedded: tuple[str, ...]) -> Identity:
    size, layers = SIZES.get(d["dim"], (None, None))
    if size is None:
        return Identity("generator", "ltx-video", None, "LTX-Video", d,
                        unsupported=f"an LTX-Video model of width {d['dim']}, not a released size (2048 or 4096)")
    notes: list[str] = []
    if d["num_layers"] not in (None, layers):
        notes.append(f"{d['num_layers']} layers where the released {size} model has {layers}")
    version = ltx_version_in_name(name)
    if version:
        notes.append(f"release {version} from the name")
    elif size == "13B":
        version = "0.9.7+"
    else:
        version = vae_gen or "0.9.x"
    if distilled is None:
        distilled = says_distilled(name)
        notes.append("distilled, from the name" if distilled else
                     "taken as not distilled (only the name or Lightricks' metadata can tell)")
    elif distilled:
        notes.append("distilled, from the checkpoint's metadata")
    variant = f"{version}-{size}" + ("-distilled" if distilled else "")
    d["distilled"] = distilled
    return Identity("generator", "ltx-video", variant, label_for("ltx-video", variant), d, notes,
                    ("vae:ltx-video", "text:t5-xxl"), embedded=embedded)
