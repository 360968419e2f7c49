"""Each family and variant is told from the real tensor names and shapes, or the real config values.

Headers are built in memory here with the full-size shapes of the releases (a 256384 x 4096
vocabulary costs nothing when no file is written); the discovery tests write small files.
Shapes and config values: diffusers' ``single_file_utils.py`` and conversion presets,
``transformer_wan.py``, ``transformer_ltx.py``; ComfyUI's ``model_detection.py`` and ``sd.py``
(see docs/models.md).
"""

from __future__ import annotations

import json

import pytest

from studio.generators.neural.library.components import (identify_image_encoder, identify_lora,
                                                          identify_text_encoder, identify_vae)
from studio.generators.neural.library.identify import identify_weights
from studio.generators.neural.library.ltx import identify_ltx_config
from studio.generators.neural.library.safetensors_header import SafetensorsHeader, TensorInfo
from studio.generators.neural.library.wan import identify_wan_config
from tests.models.fake_models import wan_transformer_config


def header(shapes: dict, metadata=None, dtype="BF16") -> SafetensorsHeader:
    return SafetensorsHeader("/m.safetensors", {k: TensorInfo(dtype, tuple(v)) for k, v in shapes.items()},
                             metadata or {})


# real Wan shapes: (width, layers, ffn)
WAN = {"1.3B": (1536, 30, 8960), "5B": (3072, 30, 14336), "14B": (5120, 40, 13824)}


def wan_original(size, in_ch, *, image=False, flf=False, vace=False, prefix=""):
    dim, layers, ffn = WAN[size]
    out = 48 if in_ch == 48 else 16
    s = {"patch_embedding.weight": (dim, in_ch, 1, 2, 2), "head.modulation": (1, 2, dim),
         "head.head.weight": (out * 4, dim), "text_embedding.0.weight": (dim, 4096),
         "time_embedding.0.weight": (dim, 256)}
    for i in range(layers):
        s[f"blocks.{i}.self_attn.q.weight"] = (dim, dim)
        s[f"blocks.{i}.ffn.0.weight"] = (ffn, dim)
        if image:
            s[f"blocks.{i}.cross_attn.k_img.weight"] = (dim, dim)
    if image:
        s.update({"img_emb.proj.0.weight": (1280,), "img_emb.proj.0.bias": (1280,),
                  "img_emb.proj.1.weight": (1280, 1280), "img_emb.proj.3.weight": (dim, 1280)})
    if flf:
        s["img_emb.emb_pos"] = (1, 514, 1280)
    if vace:
        s["vace_patch_embedding.weight"] = (dim, 96, 1, 2, 2)
        for i in range(15 if size == "1.3B" else 8):
            s[f"vace_blocks.{i}.after_proj.weight"] = (dim, dim)
        s["vace_blocks.0.before_proj.weight"] = (dim, dim)
    return header({prefix + k: v for k, v in s.items()})


def wan_diffusers_keys(size, in_ch, *, image=False, flf=False):
    dim, layers, ffn = WAN[size]
    s = {"patch_embedding.weight": (dim, in_ch, 1, 2, 2),
         "condition_embedder.time_embedder.linear_1.weight": (dim, 256),
         "condition_embedder.text_embedder.linear_1.weight": (dim, 4096),
         "scale_shift_table": (1, 2, dim), "proj_out.weight": (64, dim)}
    for i in range(layers):
        s[f"blocks.{i}.attn1.to_q.weight"] = (dim, dim)
        s[f"blocks.{i}.ffn.net.0.proj.weight"] = (ffn, dim)
    if image:
        s["condition_embedder.image_embedder.norm1.weight"] = (1280,)
        s["condition_embedder.image_embedder.ff.net.0.proj.weight"] = (1280, 1280)
    if flf:
        s["condition_embedder.image_embedder.pos_embed"] = (1, 514, 1280)
    return header(s)


@pytest.mark.parametrize("size,in_ch,kw,name,label,needs", [
    ("1.3B", 16, {}, "wan2.1_t2v_1.3B_fp16", "Wan2.1-T2V-1.3B", ("vae:wan2.1", "text:umt5-xxl")),
    ("14B", 16, {}, "wan2.1_t2v_14B_bf16", "Wan2.1-T2V-14B", ("vae:wan2.1", "text:umt5-xxl")),
    ("14B", 36, {"image": True}, "wan2.1_i2v_480p_14B_bf16", "Wan2.1-I2V-14B-480P",
     ("vae:wan2.1", "text:umt5-xxl", "image:clip-vit-h")),
    ("14B", 36, {"image": True}, "i2v", "Wan2.1-I2V-14B", ("vae:wan2.1", "text:umt5-xxl", "image:clip-vit-h")),
    ("14B", 36, {"image": True, "flf": True}, "wan2.1_flf2v_720p_14B_fp16", "Wan2.1-FLF2V-14B",
     ("vae:wan2.1", "text:umt5-xxl", "image:clip-vit-h")),
    ("1.3B", 16, {"vace": True}, "wan2.1_vace_1.3B_fp16", "Wan2.1-VACE-1.3B", ("vae:wan2.1", "text:umt5-xxl")),
    ("14B", 16, {"vace": True}, "wan2.1_vace_14B_fp16", "Wan2.1-VACE-14B", ("vae:wan2.1", "text:umt5-xxl")),
    ("5B", 48, {}, "wan2.2_ti2v_5B_fp16", "Wan2.2-TI2V-5B", ("vae:wan2.2", "text:umt5-xxl")),
    ("14B", 16, {}, "wan2.2_t2v_high_noise_14B_fp8_scaled", "Wan2.2-T2V-A14B", ("vae:wan2.1", "text:umt5-xxl")),
    ("14B", 36, {}, "wan2.2_i2v_low_noise_14B_fp16", "Wan2.2-I2V-A14B", ("vae:wan2.1", "text:umt5-xxl")),
])
def test_wan_single_files_are_told_apart_by_shapes_and_names(size, in_ch, kw, name, label, needs):
    for prefix in ("", "model.diffusion_model."):
        ident = identify_weights(wan_original(size, in_ch, prefix=prefix, **kw), name)
        assert (ident.kind, ident.label, ident.needs, ident.unsupported) == ("generator", label, needs, None)
        assert ident.details["dim"] == WAN[size][0] and ident.details["num_layers"] == WAN[size][1]
        assert ident.details["ffn_dim"] == WAN[size][2] and ident.details["key_prefix"] == prefix
        assert not any("layers where" in n for n in ident.notes)


def test_wan_diffusers_key_naming_is_read_too():
    assert identify_weights(wan_diffusers_keys("1.3B", 16), "t").label == "Wan2.1-T2V-1.3B"
    assert identify_weights(wan_diffusers_keys("14B", 36, image=True), "t").label == "Wan2.1-I2V-14B"
    flf = identify_weights(wan_diffusers_keys("14B", 36, image=True, flf=True), "t")
    assert flf.label == "Wan2.1-FLF2V-14B" and flf.details["ffn_dim"] == 13824
    assert identify_weights(wan_diffusers_keys("5B", 48), "t").label == "Wan2.2-TI2V-5B"


def test_a_wan_2_2_expert_says_which_expert_and_how_it_was_told():
    high = identify_weights(wan_original("14B", 16), "wan2.2_t2v_high_noise_14B_fp16")
    low = identify_weights(wan_original("14B", 36), "Wan2_2-I2V-A14B-LOW_NOISE-fp8")
    unknown = identify_weights(wan_original("14B", 36), "my_i2v_model")
    assert (high.expert, low.expert, unknown.expert) == ("high", "low", "unknown")
    assert "Wan 2.2 from the file name (the weights have the shapes of Wan 2.1 T2V-14B)" in high.notes
    # without a name that says Wan 2.2, a T2V-14B file is Wan 2.1 (the shapes are the same)
    plain = identify_weights(wan_original("14B", 16), "some_t2v_14B")
    assert plain.label == "Wan2.1-T2V-14B" and plain.expert is None


def test_wan_variants_this_version_does_not_run_say_so():
    camera = wan_original("14B", 36, image=True)
    camera.tensors["control_adapter.conv.weight"] = TensorInfo("BF16", (5120, 96, 2, 2))
    assert identify_weights(camera, "x").unsupported == "Wan Fun camera control models are not supported"
    odd = identify_weights(wan_original("1.3B", 20), "x")
    assert odd.unsupported == "a Wan model with 20 input channels, not one of the released variants"
    wide = header({"patch_embedding.weight": (2048, 16, 1, 2, 2), "head.modulation": (1, 2, 2048)})
    assert "width 2048, not a released size" in identify_weights(wide, "x").unsupported


@pytest.mark.parametrize("preset,in_ch,kw,index,name,label", [
    ("1.3B", 16, {}, {}, "Wan-AI/Wan2.1-T2V-1.3B-Diffusers", "Wan2.1-T2V-1.3B"),
    ("14B", 36, {"image": True}, {}, "Wan-AI/Wan2.1-I2V-14B-720P-Diffusers", "Wan2.1-I2V-14B-720P"),
    ("14B", 36, {"image": True, "flf": True}, {}, "Wan-AI/Wan2.1-FLF2V-14B-720P-diffusers", "Wan2.1-FLF2V-14B"),
    ("14B", 16, {"vace": True}, {}, "Wan-AI/Wan2.1-VACE-14B-diffusers", "Wan2.1-VACE-14B"),
    ("5B", 48, {}, {"expand_timesteps": True}, "Wan-AI/Wan2.2-TI2V-5B-Diffusers", "Wan2.2-TI2V-5B"),
    ("14B", 16, {}, {"boundary_ratio": 0.875, "transformer_2": ["diffusers", "WanTransformer3DModel"]},
     "Wan-AI/Wan2.2-T2V-A14B-Diffusers", "Wan2.2-T2V-A14B"),
    ("14B", 36, {}, {"boundary_ratio": 0.9, "transformer_2": ["diffusers", "WanTransformer3DModel"]},
     "Wan-AI/Wan2.2-I2V-A14B-Diffusers", "Wan2.2-I2V-A14B"),
])
def test_wan_diffusers_configs(preset, in_ch, kw, index, name, label):
    ident = identify_wan_config(wan_transformer_config(preset, in_ch, **kw), index, name)
    assert ident.label == label and ident.unsupported is None
    assert ident.expert is None    # in a folder, model_index.json says which transformer is which


def test_wan_animate_config_is_not_supported():
    cfg = {**wan_transformer_config("14B", 36, image=True), "_class_name": "WanAnimateTransformer3DModel"}
    assert identify_wan_config(cfg, {}, "x").unsupported == "Wan 2.2 Animate models are not supported"


def ltx_checkpoint(size="2B", vae="0.9.5+", prefix="model.diffusion_model.", metadata=None, naming="original"):
    dim, layers, heads = {"2B": (2048, 28, 32), "13B": (4096, 48, 32)}[size]
    if naming == "original":
        s = {"patchify_proj.weight": (dim, 128), "patchify_proj.bias": (dim,),
             "adaln_single.emb.timestep_embedder.linear_1.bias": (dim,),
             "adaln_single.emb.timestep_embedder.linear_1.weight": (dim, 256),
             "caption_projection.linear_1.weight": (dim, 4096), "scale_shift_table": (2, dim)}
    else:
        s = {"proj_in.weight": (dim, 128), "time_embed.emb.timestep_embedder.linear_1.bias": (dim,),
             "caption_projection.linear_1.weight": (dim, 4096)}
    for i in range(layers):
        s[f"transformer_blocks.{i}.scale_shift_table"] = (6, dim)
        s[f"transformer_blocks.{i}.attn1.to_q.weight"] = (dim, dim)
    s = {prefix + k: v for k, v in s.items()}
    if vae:
        s.update({"vae.decoder.up_blocks.0.res_blocks.0.conv1.conv.weight": (1024, 1024, 3, 3, 3),
                  "vae.per_channel_statistics.mean-of-means": (128,),
                  "vae.encoder.conv_out.conv.weight": (129, 2048 if vae == "0.9.5+" else 512, 3, 3, 3)})
        if vae != "0.9.0":
            s["vae.decoder.last_time_embedder.timestep_embedder.linear_1.weight"] = (1024, 256)
    return header(s, metadata)


@pytest.mark.parametrize("kw,name,label", [
    ({"vae": "0.9.0"}, "ltx-video-2b-v0.9.safetensors", "LTX-Video-0.9.0-2B"),
    ({"vae": "0.9.1"}, "ltx-video-2b-v0.9.1.safetensors", "LTX-Video-0.9.1-2B"),
    ({"vae": "0.9.1"}, "renamed.safetensors", "LTX-Video-0.9.1-2B"),
    ({"vae": "0.9.5+"}, "ltx-video-2b-v0.9.5.safetensors", "LTX-Video-0.9.5-2B"),
    ({"vae": "0.9.5+"}, "renamed.safetensors", "LTX-Video-0.9.5+-2B"),
    ({"vae": "0.9.5+"}, "ltxv-2b-0.9.6-distilled-04-25.safetensors", "LTX-Video-0.9.6-2B-distilled"),
    ({"size": "13B"}, "ltxv-13b-0.9.7-dev.safetensors", "LTX-Video-0.9.7-13B"),
    ({"size": "13B"}, "big.safetensors", "LTX-Video-0.9.7+-13B"),
    ({"size": "13B", "vae": None}, "ltxv-13b-0.9.8-distilled-fp8.safetensors", "LTX-Video-0.9.8-13B-distilled"),
    ({"prefix": "", "naming": "diffusers", "vae": None}, "ltx_transformer.safetensors", "LTX-Video-0.9.x-2B"),
])
def test_ltx_checkpoints_size_release_and_distillation(kw, name, label):
    ident = identify_weights(ltx_checkpoint(**kw), name)
    assert (ident.kind, ident.label, ident.needs) == ("generator", label, ("vae:ltx-video", "text:t5-xxl"))
    assert ident.embedded == (() if kw.get("vae", "x") is None else ("vae:ltx-video",))


def test_ltx_distillation_from_lightricks_metadata_beats_the_name():
    distilled = {"config": json.dumps({"allowed_inference_steps": [1.0, 0.9937, 0.9875], "transformer": {}})}
    plain = {"config": json.dumps({"allowed_inference_steps": None, "transformer": {}})}
    a = identify_weights(ltx_checkpoint(metadata=distilled), "ltxv.safetensors")
    b = identify_weights(ltx_checkpoint(metadata=plain), "ltxv-distilled-copy.safetensors")
    assert a.label.endswith("-distilled") and "distilled, from the checkpoint's metadata" in a.notes
    assert not b.label.endswith("-distilled")
    c = identify_weights(ltx_checkpoint(), "ltxv.safetensors")
    assert "taken as not distilled (only the name or Lightricks' metadata can tell)" in c.notes


def test_ltx_2_is_recognised_and_not_supported():
    h = ltx_checkpoint()
    h.tensors["model.diffusion_model.av_ca_a2v_gate_adaln_single.emb.timestep_embedder.linear_1.weight"] = \
        TensorInfo("BF16", (4096, 256))
    assert identify_weights(h, "ltx-2-19b-dev.safetensors").unsupported == "LTX-2 models are not supported"


def test_ltx_diffusers_configs_release_from_the_vae():
    t2b = {"_class_name": "LTXVideoTransformer3DModel", "num_attention_heads": 32, "attention_head_dim": 64,
           "num_layers": 28, "in_channels": 128}
    t13b = {**t2b, "attention_head_dim": 128, "num_layers": 48}
    v090 = {"block_out_channels": [128, 256, 512, 512], "timestep_conditioning": False}
    v091 = {"block_out_channels": [128, 256, 512, 512], "timestep_conditioning": True}
    v095 = {"block_out_channels": [128, 256, 512, 1024, 2048], "timestep_conditioning": True}
    assert identify_ltx_config(t2b, v090, "a/LTX-Video").label == "LTX-Video-0.9.0-2B"
    assert identify_ltx_config(t2b, v091, "a/LTX-Video").label == "LTX-Video-0.9.1-2B"
    assert identify_ltx_config(t2b, v095, "b").label == "LTX-Video-0.9.5+-2B"
    assert identify_ltx_config(t13b, v095, "Lightricks/LTX-Video-0.9.7-distilled").label == \
        "LTX-Video-0.9.7-13B-distilled"


def test_vaes():
    wan21 = header({"decoder.middle.0.residual.0.gamma": (384, 1, 1, 1), "conv2.weight": (16, 16, 1, 1, 1),
                    "conv1.weight": (32, 32, 1, 1, 1)})
    wan22 = header({"decoder.middle.0.residual.0.gamma": (1024, 1, 1, 1), "conv2.weight": (48, 48, 1, 1, 1),
                    "decoder.upsamples.0.upsamples.0.residual.2.weight": (1024, 1024, 3, 3, 3)})
    diffusers22 = header({"decoder.mid_block.resnets.0.norm1.gamma": (1024, 1, 1, 1),
                          "post_quant_conv.weight": (48, 48, 1, 1, 1)})
    ltx = header({"decoder.up_blocks.0.res_blocks.0.conv1.conv.weight": (1024, 1024, 3, 3, 3),
                  "per_channel_statistics.mean-of-means": (128,),
                  "decoder.last_time_embedder.timestep_embedder.linear_1.weight": (1024, 256),
                  "encoder.conv_out.conv.weight": (129, 2048, 3, 3, 3)})
    assert (identify_vae(wan21).label, identify_vae(wan21).provides) == ("Wan2.1-VAE", "vae:wan2.1")
    assert (identify_vae(wan22).label, identify_vae(wan22).provides) == ("Wan2.2-VAE", "vae:wan2.2")
    assert identify_vae(diffusers22).provides == "vae:wan2.2"
    assert (identify_vae(ltx).label, identify_vae(ltx).provides) == ("LTX-Video VAE (0.9.5+)", "vae:ltx-video")
    assert identify_weights(wan22, "wan2.2_vae").kind == "vae"


def t5(vocab, per_block_bias, width=4096, layers=24):
    s = {"shared.weight": (vocab, width), "encoder.final_layer_norm.weight": (width,),
         "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight": (32, 64)}
    for i in range(layers):
        s[f"encoder.block.{i}.layer.0.SelfAttention.q.weight"] = (width, width)
        if per_block_bias:
            s[f"encoder.block.{i}.layer.0.SelfAttention.relative_attention_bias.weight"] = (32, 64)
    return header(s)


def test_text_encoders_umt5_for_wan_t5_for_ltx():
    umt5 = identify_text_encoder(t5(256384, True))
    t5xxl = identify_text_encoder(t5(32128, False))
    assert (umt5.label, umt5.provides, umt5.details["vocab_size"]) == ("umt5-xxl", "text:umt5-xxl", 256384)
    assert (t5xxl.label, t5xxl.provides) == ("t5xxl", "text:t5-xxl")
    small = identify_text_encoder(t5(32128, False, width=768, layers=12))
    assert small.provides is None and "768 wide" in small.unsupported
    # without the embedding table (some fp8 files), the per-block position tables tell umt5
    h = t5(256384, True)
    del h.tensors["shared.weight"]
    assert identify_text_encoder(h).provides == "text:umt5-xxl"


def test_clip_vision_h_for_wan_i2v():
    s = {"vision_model.embeddings.patch_embedding.weight": (1280, 3, 14, 14)}
    s.update({f"vision_model.encoder.layers.{i}.layer_norm1.weight": (1280,) for i in range(32)})
    ident = identify_image_encoder(header(s))
    assert (ident.label, ident.provides, ident.details["num_layers"]) == ("CLIP ViT-H/14", "image:clip-vit-h", 32)
    clip_l = identify_image_encoder(header({"vision_model.embeddings.patch_embedding.weight": (1024, 3, 14, 14)}))
    assert clip_l.provides is None and "needs CLIP ViT-H/14" in clip_l.unsupported


@pytest.mark.parametrize("keys,width,rank,label", [
    ("diffusion_model.blocks.{i}.self_attn.q.lora_A.weight", 5120, 32, "Wan LoRA (rank 32, for Wan 14B)"),
    ("lora_unet_blocks_{i}_self_attn_q.lora_down.weight", 1536, 16, "Wan LoRA (rank 16, for Wan 1.3B)"),
    ("transformer.blocks.{i}.attn1.to_q.lora_A.weight", 3072, 64, "Wan LoRA (rank 64, for Wan 5B)"),
    ("transformer.transformer_blocks.{i}.attn1.to_q.lora_A.weight", 2048, 128,
     "LTX-Video LoRA (rank 128, for LTX-Video 2B)"),
])
def test_loras_say_which_family_and_width_they_fit(keys, width, rank, label):
    s = {}
    for i in range(3):
        s[keys.format(i=i)] = (rank, width)
        s[keys.format(i=i).replace("lora_A", "lora_B").replace("lora_down", "lora_up")] = (width, rank)
    ident = identify_lora(header(s))
    assert (ident.kind, ident.label, ident.details["rank"], ident.details["width"]) == ("lora", label, rank, width)


def test_a_lora_of_another_family_is_not_supported():
    flux = header({"transformer.single_transformer_blocks.0.attn.to_q.lora_A.weight": (16, 3072),
                   "transformer.transformer_blocks.0.attn.to_q.lora_A.weight": (16, 3072)})
    assert identify_lora(flux).unsupported == "a LoRA for a model family other than Wan and LTX-Video"


def test_unknown_weights_say_what_was_expected_and_show_a_tensor_name():
    sd = header({"model.diffusion_model.input_blocks.0.0.weight": (320, 4, 3, 3)})
    ident = identify_weights(sd, "sd15", "generator")
    assert ident.kind == "unknown"
    assert ident.unsupported == "not a Wan 2.x or LTX-Video model (tensors such as " \
                                "'model.diffusion_model.input_blocks.0.0.weight')"
    assert identify_weights(header({}), "empty", "vae").unsupported == \
        "no tensors in the file; expected a Wan or LTX-Video VAE"
