"""Tiny random-weight Wan models, built offline in the layouts users have (diffusers folders).

The configs follow diffusers' own fast tests (``tests/pipelines/wan/``): a two-layer
transformer 24 wide, a VAE of base width 3, a one-layer UMT5 text encoder whose width is
the transformer's ``text_dim``, and a tokenizer built here from a word list (nothing is
downloaded).  Weights are random (seeded), saved as safetensors.
"""

from __future__ import annotations

import os

WORDS = ["a", "the", "cat", "dog", "walks", "runs", "on", "beach", "city", "night", "red", "blue", "slow", "fast"]


def tiny_tokenizer():
    from transformers import T5Tokenizer
    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)]
    vocab += [(f"\u2581{w}", -1.0 - i) for i, w in enumerate(WORDS)]
    vocab += [(c, -20.0) for c in "abcdefghijklmnopqrstuvwxyz\u2581"]
    return T5Tokenizer(vocab=vocab, extra_ids=0)


def build_tiny_wan(folder: str, task: str = "t2v", seed: int = 0) -> str:
    """Write a tiny Wan model to ``folder``: ``t2v`` (Wan 2.1 T2V layout), ``ti2v`` (Wan 2.2 TI2V-5B
    layout) or ``flf2v`` (Wan 2.1 FLF2V layout: 36 input channels, a CLIP image branch with a
    position table for two images, ``image_encoder/`` and ``image_processor/``)."""
    import torch
    from diffusers import AutoencoderKLWan, UniPCMultistepScheduler, WanPipeline, WanTransformer3DModel
    from transformers import UMT5Config, UMT5EncoderModel

    tokenizer = tiny_tokenizer()
    torch.manual_seed(seed)
    if task == "ti2v":
        vae = AutoencoderKLWan(base_dim=3, z_dim=48, in_channels=12, out_channels=12, is_residual=True, patch_size=2,
                               latents_mean=[0.0] * 48, latents_std=[1.0] * 48, dim_mult=[1, 1, 1, 1],
                               num_res_blocks=1, scale_factor_spatial=16, scale_factor_temporal=4,
                               temperal_downsample=[False, True, True])
        channels = 48
    elif task == "flf2v":
        vae = AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                               temperal_downsample=[False, True, True])
        channels = 16
    else:
        vae = AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                               temperal_downsample=[False, True, True])
        channels = 16
    text_encoder = UMT5EncoderModel(UMT5Config(vocab_size=len(tokenizer), d_model=32, d_kv=8, d_ff=32, num_layers=1,
                                               num_heads=2, relative_attention_num_buckets=8))
    image = {}
    if task == "flf2v":      # diffusers' FLF2V fast-test shapes: CLIP 4 wide, two images of 4x4+1 tokens
        image = dict(image_dim=4, added_kv_proj_dim=24, pos_embed_seq_len=2 * (4 * 4 + 1))
    transformer = WanTransformer3DModel(patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12,
                                        in_channels=36 if task == "flf2v" else channels, out_channels=channels,
                                        text_dim=32, freq_dim=256, ffn_dim=32, num_layers=2, cross_attn_norm=True,
                                        qk_norm="rms_norm_across_heads", rope_max_seq_len=32, **image)
    scheduler = UniPCMultistepScheduler(prediction_type="flow_prediction", use_flow_sigmas=True, flow_shift=3.0)
    parts = dict(tokenizer=tokenizer, text_encoder=text_encoder, vae=vae, transformer=transformer,
                 scheduler=scheduler)
    if task == "flf2v":
        from diffusers import WanImageToVideoPipeline
        from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModel
        encoder = CLIPVisionModel(CLIPVisionConfig(hidden_size=4, projection_dim=4, num_hidden_layers=2,
                                                   num_attention_heads=2, image_size=4, intermediate_size=16,
                                                   patch_size=1))
        processor = CLIPImageProcessor(crop_size=4, size=4)
        pipe = WanImageToVideoPipeline(**parts, image_encoder=encoder, image_processor=processor)
    else:
        pipe = WanPipeline(**parts, expand_timesteps=task == "ti2v")
    os.makedirs(folder, exist_ok=True)
    pipe.save_pretrained(folder, safe_serialization=True)
    return folder


def build_tiny_ltx(folder: str, seed: int = 0) -> str:
    """Write a tiny LTX-Video 0.9.x-style diffusers folder to ``folder``.

    The configs follow diffusers' fast tests (``tests/pipelines/ltx/``), but the VAE has the
    released model's compression (patch size 4 and three spatio-temporal scalings: 32 pixels
    and 8 frames per latent), so sizes snap to multiples of 32 and frames to ``8k+1`` as with
    the real model.  The text encoder is a one-layer T5 whose width is the transformer's
    ``caption_channels``; the tokenizer is built here from a word list.
    """
    import torch
    from diffusers import (AutoencoderKLLTXVideo, FlowMatchEulerDiscreteScheduler, LTXPipeline,
                           LTXVideoTransformer3DModel)
    from transformers import T5Config, T5EncoderModel

    tokenizer = tiny_tokenizer()
    torch.manual_seed(seed)
    vae = AutoencoderKLLTXVideo(
        in_channels=3, out_channels=3, latent_channels=8, block_out_channels=(8, 8, 8, 8),
        decoder_block_out_channels=(8, 8, 8, 8), layers_per_block=(1, 1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1, 1), spatio_temporal_scaling=(True, True, True, False),
        decoder_spatio_temporal_scaling=(True, True, True, False),
        decoder_inject_noise=(False, False, False, False, False), upsample_residual=(False, False, False, False),
        upsample_factor=(1, 1, 1, 1), timestep_conditioning=False, patch_size=4, patch_size_t=1,
        encoder_causal=True, decoder_causal=False)
    text_encoder = T5EncoderModel(T5Config(vocab_size=len(tokenizer), d_model=32, d_kv=8, d_ff=32, num_layers=1,
                                           num_heads=2, relative_attention_num_buckets=8))
    transformer = LTXVideoTransformer3DModel(in_channels=8, out_channels=8, patch_size=1, patch_size_t=1,
                                             num_attention_heads=4, attention_head_dim=8, cross_attention_dim=32,
                                             num_layers=1, caption_channels=32)
    scheduler = FlowMatchEulerDiscreteScheduler(base_shift=0.95, max_shift=2.05, base_image_seq_len=1024,
                                                max_image_seq_len=4096, shift_terminal=0.1,
                                                use_dynamic_shifting=True)
    pipe = LTXPipeline(tokenizer=tokenizer, text_encoder=text_encoder, vae=vae, transformer=transformer,
                       scheduler=scheduler)
    os.makedirs(folder, exist_ok=True)
    pipe.save_pretrained(folder, safe_serialization=True)
    return folder
