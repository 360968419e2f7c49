"""Identify the parts a generator needs (VAEs, text encoders, image encoders) and LoRAs.

Semantics and assumptions (sources in docs/models.md)
-----------------------------------------------------
* VAEs.  The Wan VAE in its original naming has ``decoder.middle.0.residual.0.gamma``; the
  Wan 2.2 VAE (48 latent channels, for TI2V-5B) adds
  ``decoder.upsamples.0.upsamples.0.residual.2.weight``, and its ``conv2.weight`` (the
  post-quantisation convolution) is ``[48, 48, 1, 1, 1]`` where Wan 2.1's is
  ``[16, 16, 1, 1, 1]``.  In diffusers' naming (``AutoencoderKLWan``) the latent width is
  ``post_quant_conv.weight``'s first dimension.  The LTX-Video VAE has
  ``decoder.up_blocks.0.res_blocks.0.conv1.conv.weight`` or ``per_channel_statistics.*``
  (see :func:`.ltx.vae_generation`).
* Text encoders (Hugging Face T5 naming, ``encoder.block.N.layer.0.SelfAttention.*``):
  umt5-xxl (Wan) has a vocabulary of 256384 and a relative-position table in every block;
  T5 v1.1 XXL (LTX-Video) has 32128 and the table in block 0 only.  XXL is 4096 wide
  (``encoder.final_layer_norm.weight``).  Other encoders are listed as not supported.
* Image encoders: CLIP vision in Hugging Face naming; Wan 2.1 I2V and FLF2V need ViT-H/14
  (``vision_model.embeddings.patch_embedding.weight`` ``[1280, 3, 14, 14]``, 32 layers;
  ComfyUI's ``clip_vision_h``).
* LoRAs: any file whose tensors are named ``*.lora_A.*`` / ``*.lora_B.*``,
  ``*.lora_down.*`` / ``*.lora_up.*`` (kohya, diffusers, ComfyUI).  The model they fit is
  told from the layer names (Wan: ``blocks.N.self_attn`` / ``cross_attn`` / ``ffn`` or
  ``blocks.N.attn1``; LTX-Video: ``transformer_blocks.N.attn1``) and the width from the
  input dimension of a down projection of the first block's attention.
"""

from __future__ import annotations

import re

from studio.generators.neural.library.families import Identity, count_blocks, find_prefix
from studio.generators.neural.library.ltx import vae_generation
from studio.generators.neural.library.safetensors_header import SafetensorsHeader

UMT5_VOCAB, T5_VOCAB, XXL_WIDTH = 256384, 32128, 4096

_LORA = re.compile(r"[._](lora_[AB]|lora_down|lora_up|lora\.down|lora\.up)[._]")
_WAN_LAYER = re.compile(r"(?:^|[._])blocks[._](\d+)[._](self_attn|cross_attn|ffn|attn1|attn2)[._]")
_LTX_LAYER = re.compile(r"transformer_blocks[._](\d+)[._](attn1|attn2|ff)[._]")
_OTHER_FAMILY = re.compile(r"single_transformer_blocks|double_blocks|single_blocks|input_blocks|joint_blocks")
_LORA_WIDTHS = {"wan": {1536: "Wan 1.3B", 3072: "Wan 5B", 5120: "Wan 14B"},
                "ltx-video": {2048: "LTX-Video 2B", 4096: "LTX-Video 13B"}}


def identify_vae(header: SafetensorsHeader) -> Identity | None:
    names = header.tensors
    if "decoder.middle.0.residual.0.gamma" in names:
        z = header.shape("conv2.weight")
        wide = "decoder.upsamples.0.upsamples.0.residual.2.weight" in names or (z is not None and z[0] == 48)
        return _wan_vae(48 if wide else 16, "original")
    if "decoder.mid_block.resnets.0.norm1.gamma" in names and "post_quant_conv.weight" in names:
        return _wan_vae(header.shape("post_quant_conv.weight")[0], "diffusers")
    gen = vae_generation(header, "")
    if gen:
        return Identity("vae", "ltx-video", gen, f"LTX-Video VAE ({gen})", {"release": gen},
                        provides="vae:ltx-video")
    return None


def _wan_vae(z: int, naming: str) -> Identity:
    details = {"z_dim": z, "key_naming": naming}
    if z == 16:
        return Identity("vae", "wan2.1", "VAE", "Wan2.1-VAE", details, provides="vae:wan2.1")
    if z == 48:
        return Identity("vae", "wan2.2", "VAE", "Wan2.2-VAE", details, provides="vae:wan2.2")
    return Identity("vae", "wan", None, "Wan VAE", details,
                    unsupported=f"a Wan VAE with {z} latent channels (the releases have 16 or 48)")


def identify_text_encoder(header: SafetensorsHeader) -> Identity | None:
    names = header.tensors
    prefix = find_prefix(names, "encoder.block.0.layer.0.SelfAttention.q.weight")
    if prefix is None:
        return None
    vocab = header.shape(f"{prefix}shared.weight") or header.shape(f"{prefix}encoder.embed_tokens.weight")
    norm = header.shape(f"{prefix}encoder.final_layer_norm.weight")
    width = norm[0] if norm else None
    bias_everywhere = f"{prefix}encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight" in names
    vocab_size = vocab[0] if vocab else None
    umt5 = vocab_size == UMT5_VOCAB if vocab_size else bias_everywhere
    details = {"vocab_size": vocab_size, "d_model": width,
               "num_layers": count_blocks(names, f"{prefix}encoder.block."), "key_prefix": prefix}
    name = "umt5" if umt5 else "t5"
    if width != XXL_WIDTH:
        return Identity("text_encoder", None, name, f"{name} (width {width})", details,
                        unsupported=f"a {name} text encoder {width} wide; Wan needs umt5-xxl and LTX-Video "
                                    f"t5xxl ({XXL_WIDTH} wide)")
    if umt5:
        return Identity("text_encoder", None, "umt5-xxl", "umt5-xxl", details, provides="text:umt5-xxl")
    if vocab_size not in (None, T5_VOCAB):
        return Identity("text_encoder", None, "t5", f"t5 (vocabulary {vocab_size})", details,
                        unsupported=f"a T5 text encoder with a vocabulary of {vocab_size}; LTX-Video needs "
                                    f"T5 v1.1 XXL ({T5_VOCAB})")
    return Identity("text_encoder", None, "t5xxl", "t5xxl", details, provides="text:t5-xxl")


def identify_image_encoder(header: SafetensorsHeader) -> Identity | None:
    patch = header.shape("vision_model.embeddings.patch_embedding.weight")
    if patch is None or len(patch) != 4:
        return None
    layers = count_blocks(header.tensors, "vision_model.encoder.layers.")
    details = {"hidden_size": patch[0], "patch_size": patch[2], "num_layers": layers}
    if patch[0] == 1280 and patch[2] == 14:
        return Identity("image_encoder", None, "clip-vit-h-14", "CLIP ViT-H/14", details,
                        provides="image:clip-vit-h")
    return Identity("image_encoder", None, "clip", f"CLIP vision ({patch[0]} wide, patch {patch[2]})", details,
                    unsupported="Wan 2.1 image-to-video needs CLIP ViT-H/14 (1280 wide, patch 14)")


def identify_lora(header: SafetensorsHeader) -> Identity | None:
    names = list(header.tensors)
    lora_names = [n for n in names if _LORA.search(n)]
    if not lora_names:
        return None
    family, layer = None, None
    if any(_LTX_LAYER.search(n) for n in lora_names) and not any(_OTHER_FAMILY.search(n) for n in names):
        family, layer = "ltx-video", _LTX_LAYER
    elif any(_WAN_LAYER.search(n) for n in lora_names) and not any("transformer_blocks" in n for n in names):
        family, layer = "wan", _WAN_LAYER
    rank = width = None
    for n in lora_names:
        shape = header.shape(n)
        if not re.search(r"lora_A|lora_down|lora\.down", n) or shape is None or len(shape) != 2:
            continue
        rank = rank or shape[0]
        m = layer.search(n) if layer is not None else None
        if m and m.group(2) in ("self_attn", "attn1") and re.search(r"[._](q|to_q)[._]", n[m.end() - 1:]):
            rank, width = shape[0], shape[1]
            break
    details = {"rank": rank, "width": width, "tensors": len(names)}
    if family is None:
        return Identity("lora", None, None, "LoRA", details,
                        unsupported="a LoRA for a model family other than Wan and LTX-Video")
    fits = _LORA_WIDTHS[family].get(width) if width else None
    variant = f"rank {rank}" + (f", for {fits}" if fits else "")
    label = ("Wan" if family == "wan" else "LTX-Video") + f" LoRA ({variant})"
    return Identity("lora", family, variant, label, details)
