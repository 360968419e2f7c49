"""Tiny stand-ins of real model files, built offline in a test's folder.

Each builder writes a real safetensors file (with ``safetensors.numpy.save_file``) holding the
tensor names of the real release and the shapes that identify it (the width in
``patch_embedding.weight``, the input channels, the number of blocks, the CLIP position
table of FLF2V, ...), but only the few small tensors identification reads, so a "14B" file
is a megabyte or two.  Diffusers folders get the real configs' identifying fields.

The shapes and names follow diffusers' ``single_file_utils.py`` / ``transformer_wan.py`` /
``transformer_ltx.py`` and ComfyUI's ``model_detection.py`` (see docs/models.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

WAN = {"1.3B": (1536, 30, 8960), "5B": (3072, 30, 14336), "14B": (5120, 40, 13824)}


def _zeros(shape, dtype=np.float16):
    return np.zeros(shape, dtype=dtype)


def save(path, tensors: dict, metadata: dict | None = None) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: (v if isinstance(v, np.ndarray) else _zeros(v)) for k, v in tensors.items()}, str(path),
              metadata=metadata)
    return path


def wan_tensors(size: str, in_ch: int, *, image=False, flf=False, vace=0, prefix="", out=None) -> dict:
    """The identifying tensors of a Wan transformer in the original (Wan-AI / ComfyUI) naming."""
    dim, layers, _ = WAN[size]
    out = out or (48 if in_ch == 48 else 16)
    t = {f"{prefix}patch_embedding.weight": (dim, in_ch, 1, 2, 2),
         f"{prefix}head.modulation": (1, 2, dim),
         f"{prefix}head.head.weight": (out * 4, dim),
         f"{prefix}text_embedding.0.weight": (dim, 8)}
    for i in range(layers):
        t[f"{prefix}blocks.{i}.norm3.weight"] = (dim,)
    if image:
        t[f"{prefix}img_emb.proj.0.weight"] = (1280,)
        t[f"{prefix}img_emb.proj.0.bias"] = (1280,)
    if flf:
        t[f"{prefix}img_emb.emb_pos"] = (1, 514, 1280)
    if vace:
        t[f"{prefix}vace_patch_embedding.weight"] = (dim, 96, 1, 2, 2)
        for i in range(vace):
            t[f"{prefix}vace_blocks.{i}.after_proj.bias"] = (dim,)
    return t


def wan_file(path, size, in_ch, **kw) -> Path:
    return save(path, wan_tensors(size, in_ch, **kw))


def wan_vae(path, z=16) -> Path:
    t = {"decoder.middle.0.residual.0.gamma": (384, 1, 1, 1), "conv2.weight": (z, z, 1, 1, 1),
         "encoder.conv1.weight": (4, 3, 3, 3, 3)}
    if z == 48:
        t["decoder.upsamples.0.upsamples.0.residual.2.weight"] = (4, 4, 3, 3, 3)
    return save(path, t)


def t5_encoder(path, umt5=True, width=4096) -> Path:
    t = {"encoder.block.0.layer.0.SelfAttention.q.weight": (8, 8),
         "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight": (32, 64),
         "encoder.final_layer_norm.weight": (width,)}
    for i in range(1, 24):
        t[f"encoder.block.{i}.layer.0.SelfAttention.q.weight"] = (8, 8)
        if umt5:
            t[f"encoder.block.{i}.layer.0.SelfAttention.relative_attention_bias.weight"] = (32, 64)
    return save(path, t)


def clip_vision_h(path) -> Path:
    t = {"vision_model.embeddings.patch_embedding.weight": (1280, 3, 14, 14)}
    for i in range(32):
        t[f"vision_model.encoder.layers.{i}.layer_norm1.weight"] = (1280,)
    return save(path, t)


def ltx_tensors(size="2B", vae="0.9.5+", prefix="model.diffusion_model.") -> dict:
    """An LTX-Video checkpoint: transformer (original naming) and, unless ``vae`` is None, its VAE."""
    dim, layers = {"2B": (2048, 28), "13B": (4096, 48)}[size]
    t = {f"{prefix}patchify_proj.weight": (dim, 128),
         f"{prefix}adaln_single.emb.timestep_embedder.linear_1.bias": (dim,),
         f"{prefix}caption_projection.linear_1.weight": (dim, 8)}
    for i in range(layers):
        t[f"{prefix}transformer_blocks.{i}.scale_shift_table"] = (6, 8)
    if vae:
        t["vae.decoder.up_blocks.0.res_blocks.0.conv1.conv.weight"] = (4, 4, 3, 3, 3)
        t["vae.per_channel_statistics.mean-of-means"] = (128,)
        if vae != "0.9.0":
            t["vae.decoder.last_time_embedder.timestep_embedder.linear_1.weight"] = (8, 256)
        t["vae.encoder.conv_out.conv.weight"] = (1, 2048 if vae == "0.9.5+" else 512, 1, 1, 1)
    return t


def ltx_file(path, size="2B", vae="0.9.5+", metadata=None) -> Path:
    return save(path, ltx_tensors(size, vae), metadata)


def wan_lora(path, width=5120, rank=16) -> Path:
    t = {}
    for i in range(2):
        for m in ("self_attn.q", "self_attn.k", "cross_attn.v", "ffn.0"):
            t[f"diffusion_model.blocks.{i}.{m}.lora_A.weight"] = (rank, width)
            t[f"diffusion_model.blocks.{i}.{m}.lora_B.weight"] = (width, rank)
    return save(path, t)


# -- diffusers folders ------------------------------------------------------------------------
def write_json(path, doc) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc))
    return path


WAN_PIPE_COMPONENTS = {"scheduler": ["diffusers", "UniPCMultistepScheduler"],
                       "text_encoder": ["transformers", "UMT5EncoderModel"],
                       "tokenizer": ["transformers", "T5TokenizerFast"],
                       "vae": ["diffusers", "AutoencoderKLWan"]}


def wan_transformer_config(size: str, in_ch: int, *, image=False, flf=False, vace=False) -> dict:
    dim, layers, ffn = WAN[size]
    cfg = {"_class_name": "WanVACETransformer3DModel" if vace else "WanTransformer3DModel",
           "_diffusers_version": "0.35.0", "patch_size": [1, 2, 2], "num_attention_heads": dim // 128,
           "attention_head_dim": 128, "in_channels": in_ch, "out_channels": 48 if in_ch == 48 else 16,
           "text_dim": 4096, "freq_dim": 256, "ffn_dim": ffn, "num_layers": layers, "cross_attn_norm": True,
           "qk_norm": "rms_norm_across_heads", "eps": 1e-6,
           "image_dim": 1280 if image else None, "added_kv_proj_dim": dim if image else None,
           "rope_max_seq_len": 1024, "pos_embed_seq_len": 514 if flf else None}
    if vace:
        cfg["vace_layers"] = list(range(0, layers, 2))
        cfg["vace_in_channels"] = 96
    return cfg


def diffusers_part(folder, role, config, tensors=None, sharded=False) -> None:
    part = Path(folder) / role
    write_json(part / "config.json", config)
    tensors = tensors or {"proj_out.weight": (4, 4), "scale_shift_table": (1, 2, 4)}
    if not sharded:
        name = "model.safetensors" if role in ("text_encoder", "image_encoder") else \
            "diffusion_pytorch_model.safetensors"
        save(part / name, tensors)
        return
    names = sorted(tensors)
    half = len(names) // 2 or 1
    shards = {"diffusion_pytorch_model-00001-of-00002.safetensors": names[:half],
              "diffusion_pytorch_model-00002-of-00002.safetensors": names[half:]}
    weight_map = {}
    for shard, keys in shards.items():
        save(part / shard, {k: tensors[k] for k in keys})
        weight_map.update({k: shard for k in keys})
    write_json(part / "diffusion_pytorch_model.safetensors.index.json",
               {"metadata": {"total_size": 0}, "weight_map": weight_map})


def wan_diffusers(folder, size="1.3B", in_ch=16, *, pipeline="WanPipeline", image=False, flf=False, vace=False,
                  two_experts=False, z_dim=None, skip=(), sharded=False, expand_timesteps=False) -> Path:
    """A Wan diffusers folder; ``skip`` leaves parts out of the folder (not out of model_index.json)."""
    folder = Path(folder)
    index = {"_class_name": pipeline, "_diffusers_version": "0.35.0", **WAN_PIPE_COMPONENTS,
             "transformer": ["diffusers", "WanVACETransformer3DModel" if vace else "WanTransformer3DModel"],
             "transformer_2": ["diffusers", "WanTransformer3DModel"] if two_experts else [None, None],
             "boundary_ratio": 0.875 if two_experts else None, "expand_timesteps": expand_timesteps}
    if image:
        index["image_encoder"] = ["transformers", "CLIPVisionModel"]
        index["image_processor"] = ["transformers", "CLIPImageProcessor"]
    write_json(folder / "model_index.json", index)
    tcfg = wan_transformer_config(size, in_ch, image=image, flf=flf, vace=vace)
    parts = {"transformer": tcfg, "vae": {"_class_name": "AutoencoderKLWan", "z_dim": z_dim or (48 if in_ch == 48
                                                                                                   else 16)},
             "text_encoder": {"architectures": ["UMT5EncoderModel"], "model_type": "umt5", "d_model": 4096,
                              "vocab_size": 256384}}
    if two_experts:
        parts["transformer_2"] = tcfg
    if image:
        parts["image_encoder"] = {"architectures": ["CLIPVisionModel"], "model_type": "clip_vision_model",
                                  "hidden_size": 1280, "patch_size": 14}
    for role, cfg in parts.items():
        if role not in skip:
            diffusers_part(folder, role, cfg, sharded=sharded and role == "transformer")
    if "tokenizer" not in skip:
        write_json(folder / "tokenizer" / "tokenizer_config.json", {"model_max_length": 512})
        (folder / "tokenizer" / "spiece.model").write_bytes(b"\x00" * 16)
    if "scheduler" not in skip:
        write_json(folder / "scheduler" / "scheduler_config.json", {"_class_name": "UniPCMultistepScheduler"})
    if image and "image_processor" not in skip:
        write_json(folder / "image_processor" / "preprocessor_config.json", {"crop_size": 224})
    return folder


def ltx_diffusers(folder, *, layers=28, heads=32, head_dim=64, vae_blocks=(128, 256, 512, 512),
                  timestep_conditioning=True) -> Path:
    folder = Path(folder)
    write_json(folder / "model_index.json", {
        "_class_name": "LTXPipeline", "_diffusers_version": "0.32.0",
        "scheduler": ["diffusers", "FlowMatchEulerDiscreteScheduler"],
        "text_encoder": ["transformers", "T5EncoderModel"], "tokenizer": ["transformers", "T5Tokenizer"],
        "transformer": ["diffusers", "LTXVideoTransformer3DModel"], "vae": ["diffusers", "AutoencoderKLLTXVideo"]})
    diffusers_part(folder, "transformer", {"_class_name": "LTXVideoTransformer3DModel", "in_channels": 128,
                                           "num_attention_heads": heads, "attention_head_dim": head_dim,
                                           "num_layers": layers, "caption_channels": 4096})
    diffusers_part(folder, "vae", {"_class_name": "AutoencoderKLLTXVideo", "block_out_channels": list(vae_blocks),
                                   "timestep_conditioning": timestep_conditioning, "latent_channels": 128})
    diffusers_part(folder, "text_encoder", {"architectures": ["T5EncoderModel"], "model_type": "t5",
                                            "d_model": 4096, "vocab_size": 32128})
    write_json(folder / "tokenizer" / "tokenizer_config.json", {"model_max_length": 128})
    (folder / "tokenizer" / "spiece.model").write_bytes(b"\x00" * 16)
    write_json(folder / "scheduler" / "scheduler_config.json", {"_class_name": "FlowMatchEulerDiscreteScheduler"})
    return folder


def by_name(entries) -> dict:
    return {e.name: e for e in entries}
