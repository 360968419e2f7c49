"""Identify Wan 2.1 and Wan 2.2 video transformers, from tensor names and shapes or from configs.

Semantics and assumptions (sources in docs/models.md)
-----------------------------------------------------
* Two key namings are read: the original one (Wan-AI's releases, ComfyUI's repackaged single
  files; sometimes under a ``model.diffusion_model.`` or ``diffusion_model.`` prefix), whose
  marker is ``head.modulation``, and diffusers' (``condition_embedder.time_embedder...``).
* The width ``dim`` is ``patch_embedding.weight``'s first dimension (a Conv3d
  ``[dim, in_channels, 1, 2, 2]``); the size follows from it: 1536 is 1.3B (30 layers),
  3072 is 5B (30 layers), 5120 is 14B (40 layers).  ``in_channels`` tells the task: 16 for
  text-to-video and VACE, 36 for image-to-video (16 noise + 4 mask + 16 image latents), 48 for
  Wan 2.2 TI2V-5B (its VAE has 48 latent channels).
* Image conditioning through CLIP (Wan 2.1 I2V and FLF2V) adds ``img_emb.*`` (diffusers:
  ``condition_embedder.image_embedder.*``; config ``image_dim`` 1280 and
  ``added_kv_proj_dim``); FLF2V adds a learned position table for two images,
  ``img_emb.emb_pos`` ``[1, 514, 1280]`` (config ``pos_embed_seq_len`` 514).  Wan 2.2
  I2V-A14B takes 36 channels but has no CLIP branch: that is how it differs from Wan 2.1 I2V.
* VACE adds ``vace_patch_embedding.weight`` and ``vace_blocks.N.*`` (config ``vace_layers``).
* Wan 2.2 A14B is two experts with the same shapes, used one after the other: ``transformer``
  (high noise) and ``transformer_2`` (low noise) in a diffusers folder whose
  ``model_index.json`` sets ``boundary_ratio``; as single files, only the file name tells
  them apart (``high_noise`` / ``low_noise``).  A T2V-A14B expert has exactly the shapes of
  Wan 2.1 T2V-14B, so it is taken as Wan 2.2 only when its name says ``wan2.2`` or names an
  expert.
* Fun camera control, S2V, HuMo and Animate models are recognised and reported as not
  supported.
"""

from __future__ import annotations

from studio.generators.neural.library.families import (Identity, count_blocks, expert_in_name, find_prefix,
                                                       label_for, resolution_in_name, says_wan22)
from studio.generators.neural.library.safetensors_header import SafetensorsHeader

#: width -> (size name, layers of the released model)
SIZES = {1536: ("1.3B", 30), 3072: ("5B", 30), 5120: ("14B", 40)}

#: keys (after the prefix) of Wan variants this version does not run
_UNSUPPORTED_KEYS = (
    ("control_adapter.conv.weight", "Wan Fun camera control"),
    ("casual_audio_encoder.", "Wan 2.2 S2V (speech to video)"),
    ("audio_proj.", "Wan HuMo"),
    ("face_adapter.", "Wan 2.2 Animate"),
    ("motion_encoder.", "Wan 2.2 Animate"),
)


def identify_wan_file(header: SafetensorsHeader, name: str) -> Identity | None:
    """The Wan transformer in these tensors, or ``None`` when they are not one."""
    names = header.tensors
    prefix = find_prefix(names, "head.modulation")
    original = prefix is not None
    if not original:
        prefix = find_prefix(names, "condition_embedder.time_embedder.linear_1.weight")
        if prefix is None:
            return None
    patch = header.shape(f"{prefix}patch_embedding.weight")
    if patch is None or len(patch) != 5:
        return None
    dim, in_channels = patch[0], patch[1]
    if original:
        image = f"{prefix}img_emb.proj.1.weight" in names or f"{prefix}img_emb.proj.0.bias" in names
        flf = header.shape(f"{prefix}img_emb.emb_pos")
        ffn = header.shape(f"{prefix}blocks.0.ffn.0.weight")
    else:
        image = any(n.startswith(f"{prefix}condition_embedder.image_embedder.") for n in names)
        flf = header.shape(f"{prefix}condition_embedder.image_embedder.pos_embed")
        ffn = header.shape(f"{prefix}blocks.0.ffn.net.0.proj.weight")
    details = {"dim": dim, "in_channels": in_channels, "num_layers": count_blocks(names, f"{prefix}blocks."),
               "ffn_dim": ffn[0] if ffn else None, "image_conditioning": image,
               "pos_embed_seq_len": flf[1] if flf and len(flf) == 3 else None,
               "vace_layers": count_blocks(names, f"{prefix}vace_blocks."), "key_prefix": prefix,
               "key_naming": "original" if original else "diffusers"}
    for key, what in _UNSUPPORTED_KEYS:
        if any(n.startswith(prefix + key) for n in names):
            return Identity("generator", "wan", what, what, details, unsupported=f"{what} models are not supported")
    vace = f"{prefix}vace_patch_embedding.weight" in names
    return _classify(details, vace=vace, name=name, experts=None)


def identify_wan_config(config: dict, model_index: dict, name: str) -> Identity:
    """The Wan transformer described by a diffusers ``transformer/config.json`` and ``model_index.json``."""
    heads, head_dim = config.get("num_attention_heads"), config.get("attention_head_dim")
    dim = heads * head_dim if isinstance(heads, int) and isinstance(head_dim, int) else None
    vace_layers = config.get("vace_layers")
    details = {"dim": dim, "in_channels": config.get("in_channels"), "num_layers": config.get("num_layers"),
               "ffn_dim": config.get("ffn_dim"), "image_conditioning": config.get("image_dim") is not None,
               "pos_embed_seq_len": config.get("pos_embed_seq_len"),
               "vace_layers": len(vace_layers) if isinstance(vace_layers, list) else 0,
               "boundary_ratio": model_index.get("boundary_ratio"),
               "expand_timesteps": bool(model_index.get("expand_timesteps"))}
    cls = str(config.get("_class_name", ""))
    if "Animate" in cls:
        return Identity("generator", "wan", "Wan 2.2 Animate", "Wan 2.2 Animate", details,
                        unsupported="Wan 2.2 Animate models are not supported")
    two = _listed(model_index.get("transformer_2")) or model_index.get("boundary_ratio") is not None
    return _classify(details, vace="VACE" in cls or bool(vace_layers), name=name, experts=two)


def _listed(value) -> bool:
    return isinstance(value, list) and len(value) == 2 and value[0] is not None and value[1] is not None


def _classify(d: dict, *, vace: bool, name: str, experts: bool | None) -> Identity:
    """Family and variant from the facts; ``experts`` is None for a single file (name decides)."""
    dim, ch = d["dim"], d["in_channels"]
    size = SIZES.get(dim, (None, None))[0]
    notes: list[str] = []
    if size is None:
        return Identity("generator", "wan", None, "Wan", d,
                        unsupported=f"a Wan-architecture model of width {dim}, not a released size "
                                    f"(1536, 3072 or 5120)")
    layers = SIZES[dim][1]
    if d["num_layers"] not in (None, layers):
        notes.append(f"{d['num_layers']} layers where the released {size} model has {layers}")
    expert = expert_in_name(name) if experts is None else None
    if ch == 48 and size == "5B":
        family, variant, needs = "wan2.2", "TI2V-5B", ("vae:wan2.2", "text:umt5-xxl")
    elif ch == 16 and vace:
        if experts:
            family, variant = "wan2.2", "VACE-A14B"
        else:
            family, variant = "wan2.1", f"VACE-{size}"
        needs = ("vae:wan2.1", "text:umt5-xxl")
    elif ch == 36 and d["image_conditioning"]:
        family = "wan2.1"
        if d["pos_embed_seq_len"]:
            variant = f"FLF2V-{size}"
        else:
            res = resolution_in_name(name)
            variant = f"I2V-{size}" + (f"-{res}" if res else "")
            if res:
                notes.append(f"{res} from the name (the weights are the same shape at 480P and 720P)")
        needs = ("vae:wan2.1", "text:umt5-xxl", "image:clip-vit-h")
    elif ch == 36:
        family, variant, needs = "wan2.2", "I2V-A14B", ("vae:wan2.1", "text:umt5-xxl")
    elif ch == 16 and size == "14B" and (experts or (experts is None and (expert or says_wan22(name)))):
        family, variant, needs = "wan2.2", "T2V-A14B", ("vae:wan2.1", "text:umt5-xxl")
        if experts is None:
            notes.append("Wan 2.2 from the file name (the weights have the shapes of Wan 2.1 T2V-14B)")
    elif ch == 16:
        family, variant, needs = "wan2.1", f"T2V-{size}", ("vae:wan2.1", "text:umt5-xxl")
    else:
        return Identity("generator", "wan", None, "Wan", d,
                        unsupported=f"a Wan model with {ch} input channels, not one of the released variants")
    ident = Identity("generator", family, variant, label_for(family, variant), d, notes, needs)
    if variant.endswith("A14B") and experts is None:
        ident.expert = expert or "unknown"
    return ident
