"""Discovery on disk: the layouts users have, every status and message, pickles never opened, no network."""

from __future__ import annotations

import builtins
import json
import os
import socket
import struct

import pytest

from studio.generators.neural.library import discover_models
from tests.models.fake_models import (by_name, clip_vision_h, diffusers_part, ltx_diffusers, ltx_file, ltx_tensors,
                                      save, t5_encoder, wan_diffusers, wan_file, wan_lora, wan_vae, write_json)


def comfy_wan(root):
    """A ComfyUI models folder with the files of Comfy-Org's repackaged Wan releases."""
    wan_file(root / "diffusion_models" / "wan2.1_t2v_1.3B_fp16.safetensors", "1.3B", 16)
    wan_file(root / "diffusion_models" / "wan2.2_ti2v_5B_fp16.safetensors", "5B", 48)
    wan_vae(root / "vae" / "wan_2.1_vae.safetensors", 16)
    t5_encoder(root / "text_encoders" / "umt5_xxl_fp8_e4m3fn_scaled.safetensors", umt5=True)
    return root


def test_single_files_find_their_parts_or_say_exactly_what_is_missing(tmp_path):
    entries = by_name(discover_models([str(comfy_wan(tmp_path))]))
    t2v = entries["wan2.1_t2v_1.3B_fp16"]
    assert (t2v.status, t2v.family, t2v.variant, t2v.layout) == ("usable", "wan2.1", "T2V-1.3B", "single-file")
    assert t2v.message == "Wan2.1-T2V-1.3B: ready"
    assert t2v.components == {"transformer": str(tmp_path / "diffusion_models" / "wan2.1_t2v_1.3B_fp16.safetensors"),
                              "vae": str(tmp_path / "vae" / "wan_2.1_vae.safetensors"),
                              "text_encoder": str(tmp_path / "text_encoders" /
                                                  "umt5_xxl_fp8_e4m3fn_scaled.safetensors")}
    ti2v = entries["wan2.2_ti2v_5B_fp16"]
    assert ti2v.status == "incomplete"
    assert ti2v.message == ("Wan2.2-TI2V-5B: no VAE: put wan2.2_vae in vae/ (wan_2.1_vae.safetensors is the "
                            "Wan 2.1 VAE, which does not fit this model)")
    wan_vae(tmp_path / "vae" / "wan2.2_vae.safetensors", 48)
    os.remove(tmp_path / "text_encoders" / "umt5_xxl_fp8_e4m3fn_scaled.safetensors")
    ti2v = by_name(discover_models([str(tmp_path)]))["wan2.2_ti2v_5B_fp16"]
    assert ti2v.message == "Wan2.2-TI2V-5B: no text encoder: put umt5-xxl in text_encoders/ or use the diffusers folder"
    assert ti2v.components["vae"].endswith("wan2.2_vae.safetensors")


def test_an_entry_counts_parameters_size_and_dtype_from_the_header(tmp_path):
    path = wan_file(tmp_path / "diffusion_models" / "wan2.1_t2v_1.3B_fp16.safetensors", "1.3B", 16)
    e = by_name(discover_models([str(tmp_path)]))["wan2.1_t2v_1.3B_fp16"]
    expected = 1536 * 16 * 4 + 2 * 1536 + 64 * 1536 + 1536 * 8 + 30 * 1536
    assert (e.parameters, e.dtype, e.dtypes) == (expected, "F16", {"F16": expected})
    assert e.size_bytes == os.path.getsize(path) and e.details["num_layers"] == 30


def test_wan_2_1_i2v_needs_clip_vision_and_finds_it_in_clip_vision(tmp_path):
    comfy_wan(tmp_path)
    wan_file(tmp_path / "diffusion_models" / "wan2.1_i2v_480p_14B_fp16.safetensors", "14B", 36, image=True)
    e = by_name(discover_models([str(tmp_path)]))["wan2.1_i2v_480p_14B_fp16"]
    assert e.message == "Wan2.1-I2V-14B-480P: no image encoder: put clip_vision_h (CLIP ViT-H/14) in clip_vision/"
    clip_vision_h(tmp_path / "clip_vision" / "clip_vision_h.safetensors")
    e = by_name(discover_models([str(tmp_path)]))["wan2.1_i2v_480p_14B_fp16"]
    assert e.status == "usable" and e.components["image_encoder"].endswith("clip_vision_h.safetensors")
    assert "480P from the name (the weights are the same shape at 480P and 720P)" in e.notes


def test_wan_2_2_a14b_experts_pair_by_name_into_one_model(tmp_path):
    comfy_wan(tmp_path)
    d = tmp_path / "diffusion_models"
    high = wan_file(d / "wan2.2_t2v_high_noise_14B_fp8_scaled.safetensors", "14B", 16)
    low = wan_file(d / "wan2.2_t2v_low_noise_14B_fp8_scaled.safetensors", "14B", 16)
    lone = wan_file(d / "wan2.2_i2v_high_noise_14B_fp16.safetensors", "14B", 36)
    unnamed = wan_file(d / "my_i2v_expert.safetensors", "14B", 36)
    entries = discover_models([str(tmp_path)])
    pair = [e for e in entries if e.variant == "T2V-A14B"]
    assert len(pair) == 1
    pair = pair[0]
    assert (pair.name, pair.family, pair.status) == ("wan2.2_t2v_14B_fp8_scaled", "wan2.2", "usable")
    assert pair.components["transformer"] == str(high) and pair.components["transformer_2"] == str(low)
    assert pair.size_bytes == os.path.getsize(high) + os.path.getsize(low)
    single = by_name(entries)["wan2.2_i2v_high_noise_14B_fp16"]
    assert single.status == "incomplete" and single.message == (
        "Wan2.2-I2V-A14B: no low-noise expert: put wan2.2_i2v_low_noise_14B_fp16.safetensors beside "
        "wan2.2_i2v_high_noise_14B_fp16.safetensors")
    assert single.components["transformer"] == str(lone)
    mystery = by_name(entries)["my_i2v_expert"]
    assert mystery.message == ("Wan2.2-I2V-A14B: cannot tell the high-noise expert from the low-noise one: put "
                               "high_noise or low_noise in the file name")
    assert mystery.components["transformer"] == str(unnamed)


def test_a14b_pair_parameters_are_both_experts(tmp_path):
    d = tmp_path / "diffusion_models"
    wan_file(d / "wan2.2_t2v_high_noise_14B.safetensors", "14B", 16)
    wan_file(d / "wan2.2_t2v_low_noise_14B.safetensors", "14B", 16)
    wan_file(d / "wan2.1_t2v_14B.safetensors", "14B", 16)
    entries = by_name(discover_models([str(tmp_path)]))
    assert entries["wan2.2_t2v_14B"].parameters == 2 * entries["wan2.1_t2v_14B"].parameters
    assert entries["wan2.1_t2v_14B"].label == "Wan2.1-T2V-14B"


def test_ltx_checkpoint_brings_its_vae_and_needs_t5xxl(tmp_path):
    ckpt = ltx_file(tmp_path / "checkpoints" / "ltxv-13b-0.9.7-distilled.safetensors", "13B",
                    metadata={"config": json.dumps({"allowed_inference_steps": [1.0, 0.99, 0.98]})})
    t5_encoder(tmp_path / "text_encoders" / "umt5_xxl_fp16.safetensors", umt5=True)
    e = by_name(discover_models([str(tmp_path)]))["ltxv-13b-0.9.7-distilled"]
    assert (e.family, e.variant, e.components["vae"]) == ("ltx-video", "0.9.7-13B-distilled", str(ckpt))
    assert e.message == ("LTX-Video-0.9.7-13B-distilled: no text encoder: put t5xxl (T5 v1.1 XXL) in text_encoders/ "
                         "or use the diffusers folder (umt5_xxl_fp16.safetensors is umt5-xxl, which does not fit "
                         "this model)")
    # the VAE's tensors are not counted as the model's parameters
    assert e.parameters == 4096 * 128 + 4096 + 4096 * 8 + 48 * 6 * 8
    t5_encoder(tmp_path / "clip" / "t5xxl_fp16.safetensors", umt5=False)
    e = by_name(discover_models([str(tmp_path)]))["ltxv-13b-0.9.7-distilled"]
    assert e.status == "usable" and e.components["text_encoder"].endswith("t5xxl_fp16.safetensors")
    assert "distilled, from the checkpoint's metadata" in e.notes


def test_ltx_transformer_without_vae_needs_one(tmp_path):
    save(tmp_path / "diffusion_models" / "ltxv-2b-0.9.8-distilled.safetensors", ltx_tensors("2B", vae=None))
    t5_encoder(tmp_path / "text_encoders" / "t5xxl_fp16.safetensors", umt5=False)
    e = by_name(discover_models([str(tmp_path)]))["ltxv-2b-0.9.8-distilled"]
    assert e.message == ("LTX-Video-0.9.8-2B-distilled: no VAE: put the LTX-Video VAE in vae/ or use a checkpoint "
                         "that includes it")


def test_components_and_loras_are_listed_too(tmp_path):
    comfy_wan(tmp_path)
    wan_lora(tmp_path / "loras" / "wan14b_style.safetensors", width=5120, rank=16)
    entries = by_name(discover_models([str(tmp_path)]))
    assert (entries["wan_2.1_vae"].kind, entries["wan_2.1_vae"].label, entries["wan_2.1_vae"].status) == \
        ("vae", "Wan2.1-VAE", "usable")
    assert (entries["umt5_xxl_fp8_e4m3fn_scaled"].kind, entries["umt5_xxl_fp8_e4m3fn_scaled"].label) == \
        ("text_encoder", "umt5-xxl")
    lora = entries["wan14b_style"]
    assert (lora.kind, lora.family, lora.label, lora.status) == ("lora", "wan", "Wan LoRA (rank 16, for Wan 14B)",
                                                                 "usable")


def test_pickles_are_refused_and_never_opened(tmp_path, monkeypatch):
    comfy_wan(tmp_path)
    for rel in ("checkpoints/wan_t2v.ckpt", "diffusion_models/model.pt", "vae/Wan2.1_VAE.pth",
                "text_encoders/pytorch_model.bin", "loras/style.pkl"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"\x80\x04not really a pickle")
    opened = []
    real_open = builtins.open

    def spy(file, *args, **kwargs):
        opened.append(os.fspath(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy)
    entries = by_name(discover_models([str(tmp_path)]))
    monkeypatch.setattr(builtins, "open", real_open)
    assert not [p for p in opened if p.endswith((".ckpt", ".pt", ".pth", ".bin", ".pkl"))]
    assert any(p.endswith(".safetensors") for p in opened)       # the spy saw the reads that happened
    vae = entries["Wan2.1_VAE.pth"]
    assert (vae.status, vae.kind) == ("refused", "vae")
    assert vae.message == ("Wan2.1_VAE.pth: refused: .pth is a pickle file, and loading a pickle can run any code it "
                           "holds; use the .safetensors release of these weights, or convert this file to "
                           "safetensors on a machine you trust")
    assert {entries[n].status for n in ("wan_t2v.ckpt", "model.pt", "pytorch_model.bin", "style.pkl")} == {"refused"}
    assert entries["wan2.1_t2v_1.3B_fp16"].status == "usable"     # a pickle beside is never used as a part


def test_corrupt_and_truncated_files_are_unreadable_and_named(tmp_path):
    comfy_wan(tmp_path)
    good = (tmp_path / "diffusion_models" / "wan2.1_t2v_1.3B_fp16.safetensors").read_bytes()
    cut = tmp_path / "diffusion_models" / "half_download.safetensors"
    cut.write_bytes(good[: len(good) // 2])
    junk = tmp_path / "vae" / "junk.safetensors"
    junk.write_bytes(struct.pack("<Q", 10**12) + b"{}")
    text = tmp_path / "loras" / "notes.safetensors"
    text.parent.mkdir()
    text.write_bytes(struct.pack("<Q", 12) + b"hello world!")
    entries = by_name(discover_models([str(tmp_path)]))
    assert entries["half_download"].status == "unreadable" and entries["half_download"].message.startswith(
        f"half_download: {cut}: truncated: the file is ")
    assert entries["junk"].message == (f"junk: {junk}: not a safetensors file: its header claims 1000000000000 "
                                       f"bytes, over the 100 MB limit")
    assert entries["junk"].kind == "vae"     # from its folder, since the file cannot say
    assert entries["notes"].message == f"notes: {text}: not a safetensors file: the header is not a JSON object"
    assert entries["wan2.1_t2v_1.3B_fp16"].status == "usable"


def test_diffusers_folders(tmp_path):
    wan_diffusers(tmp_path / "Wan2.1-T2V-1.3B-Diffusers", "1.3B", 16)
    wan_diffusers(tmp_path / "Wan2.2-TI2V-5B-Diffusers", "5B", 48, expand_timesteps=True, sharded=True)
    wan_diffusers(tmp_path / "Wan2.2-I2V-A14B-Diffusers", "14B", 36, pipeline="WanImageToVideoPipeline",
                  two_experts=True)
    wan_diffusers(tmp_path / "Wan2.1-FLF2V-14B-720P-diffusers", "14B", 36, pipeline="WanImageToVideoPipeline",
                  image=True, flf=True)
    wan_diffusers(tmp_path / "Wan2.1-VACE-1.3B-diffusers", "1.3B", 16, pipeline="WanVACEPipeline", vace=True)
    ltx_diffusers(tmp_path / "LTX-Video-0.9.7-distilled", layers=48, head_dim=128,
                  vae_blocks=(128, 256, 512, 1024, 2048))
    entries = by_name(discover_models([str(tmp_path)]))
    labels = {n: (e.status, e.label, e.layout) for n, e in entries.items()}
    assert labels == {
        "Wan2.1-T2V-1.3B-Diffusers": ("usable", "Wan2.1-T2V-1.3B", "diffusers"),
        "Wan2.2-TI2V-5B-Diffusers": ("usable", "Wan2.2-TI2V-5B", "diffusers"),
        "Wan2.2-I2V-A14B-Diffusers": ("usable", "Wan2.2-I2V-A14B", "diffusers"),
        "Wan2.1-FLF2V-14B-720P-diffusers": ("usable", "Wan2.1-FLF2V-14B", "diffusers"),
        "Wan2.1-VACE-1.3B-diffusers": ("usable", "Wan2.1-VACE-1.3B", "diffusers"),
        "LTX-Video-0.9.7-distilled": ("usable", "LTX-Video-0.9.7-13B-distilled", "diffusers"),
    }
    a14b = entries["Wan2.2-I2V-A14B-Diffusers"]
    assert set(a14b.components) == {"transformer", "transformer_2", "vae", "text_encoder", "tokenizer", "scheduler"}
    flf = entries["Wan2.1-FLF2V-14B-720P-diffusers"]
    assert {"image_encoder", "image_processor"} <= set(flf.components)
    ti2v = entries["Wan2.2-TI2V-5B-Diffusers"]      # sharded transformer: both shards counted
    shards = list((tmp_path / "Wan2.2-TI2V-5B-Diffusers" / "transformer").glob("*-of-*.safetensors"))
    assert len(shards) == 2 and ti2v.parameters == 16 + 8
    assert ti2v.size_bytes == sum(p.stat().st_size for p in (tmp_path / "Wan2.2-TI2V-5B-Diffusers").rglob(
        "*.safetensors"))


def test_diffusers_folder_missing_and_mismatched_parts(tmp_path):
    wan_diffusers(tmp_path / "Wan2.2-TI2V-5B-Diffusers", "5B", 48, skip=("text_encoder", "tokenizer"))
    wan_diffusers(tmp_path / "Wan2.2-T2V-A14B-Diffusers", "14B", 16, two_experts=True, skip=("transformer_2",))
    wan_diffusers(tmp_path / "Wan-5B-wrong-vae", "5B", 48, z_dim=16)
    entries = by_name(discover_models([str(tmp_path)]))
    assert entries["Wan2.2-TI2V-5B-Diffusers"].message == (
        "Wan2.2-TI2V-5B: no text_encoder/ folder (model_index.json lists UMT5EncoderModel); no tokenizer/ folder")
    assert entries["Wan2.2-T2V-A14B-Diffusers"].message == (
        "Wan2.2-T2V-A14B: no transformer_2/ folder (model_index.json lists WanTransformer3DModel)")
    assert entries["Wan-5B-wrong-vae"].message == (
        "Wan2.2-TI2V-5B: vae/ has 16 latent channels; Wan2.2-TI2V-5B needs the Wan 2.2 VAE (48)")
    assert {e.status for e in entries.values()} == {"incomplete"}


def test_diffusers_folder_with_only_pickle_weights_is_refused(tmp_path):
    folder = wan_diffusers(tmp_path / "Old-Wan", "1.3B", 16)
    for f in (folder / "text_encoder").glob("*.safetensors"):
        f.unlink()
    (folder / "text_encoder" / "pytorch_model.bin").write_bytes(b"\x80\x04")
    (folder / "vae" / "diffusion_pytorch_model.bin").write_bytes(b"\x80\x04")   # beside safetensors: skipped
    e = by_name(discover_models([str(tmp_path)]))["Old-Wan"]
    assert e.status == "refused"
    assert e.message == ("Wan2.1-T2V-1.3B: text_encoder/ has only pickle weights (pytorch_model.bin): refused: .bin is "
                         "a pickle file, and loading a pickle can run any code it holds; use the .safetensors release "
                         "of these weights, or convert this file to safetensors on a machine you trust")
    assert "pickle files never loaded: vae/diffusion_pytorch_model.bin" in e.notes


def test_diffusers_shards_missing_corrupt_or_outside_the_folder(tmp_path):
    a = wan_diffusers(tmp_path / "A", "1.3B", 16, sharded=True)
    (a / "transformer" / "diffusion_pytorch_model-00002-of-00002.safetensors").unlink()
    b = wan_diffusers(tmp_path / "B", "1.3B", 16, sharded=True)
    shard = b / "transformer" / "diffusion_pytorch_model-00001-of-00002.safetensors"
    shard.write_bytes(shard.read_bytes()[:-4])
    c = wan_diffusers(tmp_path / "C", "1.3B", 16, sharded=True)
    index = c / "transformer" / "diffusion_pytorch_model.safetensors.index.json"
    doc = json.loads(index.read_text())
    doc["weight_map"]["proj_out.weight"] = "../../../etc/passwd"
    index.write_text(json.dumps(doc))
    entries = by_name(discover_models([str(tmp_path)]))
    assert entries["A"].status == "incomplete" and entries["A"].message == (
        "Wan2.1-T2V-1.3B: missing shard diffusion_pytorch_model-00002-of-00002.safetensors (listed in "
        "diffusion_pytorch_model.safetensors.index.json)")
    assert entries["B"].status == "unreadable" and entries["B"].message == (
        f"Wan2.1-T2V-1.3B: {shard}: truncated: the file is 4 bytes shorter than its header says (a download cut "
        f"short?)")
    assert entries["C"].status == "unreadable" and entries["C"].message == (
        f"Wan2.1-T2V-1.3B: {index}: names a shard outside its folder ('../../../etc/passwd'); refused")


def test_broken_configs_and_other_pipelines(tmp_path):
    (tmp_path / "Broken").mkdir()
    (tmp_path / "Broken" / "model_index.json").write_text("{not json")
    write_json(tmp_path / "SDXL" / "model_index.json", {"_class_name": "StableDiffusionXLPipeline"})
    up = tmp_path / "Upsampler"
    write_json(up / "model_index.json", {"_class_name": "LTXLatentUpsamplePipeline",
                                         "latent_upsampler": ["diffusers", "LTXLatentUpsamplerModel"]})
    d = wan_diffusers(tmp_path / "BadConfig", "1.3B", 16)
    (d / "transformer" / "config.json").write_text("[1, 2]")
    entries = by_name(discover_models([str(tmp_path)]))
    assert entries["Broken"].status == "unreadable" and entries["Broken"].message.startswith(
        f"Broken: {tmp_path / 'Broken' / 'model_index.json'}: not JSON (")
    assert entries["SDXL"].message == ("SDXL: a diffusers pipeline of another family (StableDiffusionXLPipeline); this "
                                       "version runs Wan 2.x and LTX-Video")
    assert entries["Upsampler"].status == "unsupported"
    assert entries["BadConfig"].message == f"BadConfig: {d / 'transformer' / 'config.json'}: not a JSON object"


def test_several_folders_share_parts_and_hf_cache_names(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    wan_file(a / "diffusion_models" / "wan2.1_t2v_1.3B_fp16.safetensors", "1.3B", 16)
    wan_vae(b / "vae" / "wan_2.1_vae.safetensors")
    t5_encoder(b / "text_encoders" / "umt5_xxl_fp16.safetensors")
    snap = b / "hub" / "models--Wan-AI--Wan2.1-T2V-1.3B-Diffusers" / "snapshots" / "0123abcd"
    wan_diffusers(snap, "1.3B", 16)
    entries = by_name(discover_models([str(a), str(b), str(tmp_path / "missing")]))
    assert entries["wan2.1_t2v_1.3B_fp16"].status == "usable"
    assert entries["Wan-AI/Wan2.1-T2V-1.3B-Diffusers"].path == str(snap)


def test_links_loops_and_broken_links_do_not_hang_or_hide(tmp_path):
    comfy_wan(tmp_path)
    os.symlink(tmp_path, tmp_path / "diffusion_models" / "loop")
    os.symlink(tmp_path / "nowhere.safetensors", tmp_path / "vae" / "dangling.safetensors")
    entries = by_name(discover_models([str(tmp_path)]))
    assert [e.name for e in entries.values()].count("wan2.1_t2v_1.3B_fp16") == 1
    assert entries["dangling.safetensors"].message == (
        f"dangling.safetensors: {tmp_path / 'vae' / 'dangling.safetensors'}: a link to a file that does not exist")


def test_discovery_opens_no_socket(tmp_path, monkeypatch):
    comfy_wan(tmp_path)
    wan_diffusers(tmp_path / "Wan2.1-T2V-1.3B-Diffusers", "1.3B", 16)
    ltx_diffusers(tmp_path / "LTX-Video")

    def no_network(*args, **kwargs):
        raise AssertionError("a socket was opened during discovery")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    entries = discover_models([str(tmp_path)])
    assert len(entries) == 6 and {e.status for e in entries} == {"usable", "incomplete"}
    from studio.cli import main
    assert main(["models", "--models", str(tmp_path), "--json"]) == 0


@pytest.mark.parametrize("name", ["model.gguf"])
def test_gguf_is_listed_as_not_supported(tmp_path, name):
    (tmp_path / "unet").mkdir()
    (tmp_path / "unet" / name).write_bytes(b"GGUF")
    e = by_name(discover_models([str(tmp_path)]))[name]
    assert (e.status, e.kind) == ("unsupported", "generator")
    assert e.message == f"{name}: not supported: GGUF quantised weights cannot be loaded yet; use the .safetensors release"


def test_diffusers_part_helper_round_trip(tmp_path):
    """The fake parts are real safetensors: the loader reads them."""
    from safetensors import safe_open
    diffusers_part(tmp_path, "transformer", {"a": 1}, {"x": (2, 2), "y": (3,)}, sharded=True)
    for shard in (tmp_path / "transformer").glob("*.safetensors"):
        with safe_open(str(shard), "np") as f:
            assert list(f.keys())
