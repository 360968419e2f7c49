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
    """Write a tiny Wan model to ``folder``: ``t2v`` (Wan 2.1 T2V layout) or ``ti2v`` (Wan 2.2 TI2V-5B layout)."""
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
    else:
        vae = AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                               temperal_downsample=[False, True, True])
        channels = 16
    text_encoder = UMT5EncoderModel(UMT5Config(vocab_size=len(tokenizer), d_model=32, d_kv=8, d_ff=32, num_layers=1,
                                               num_heads=2, relative_attention_num_buckets=8))
    transformer = WanTransformer3DModel(patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12,
                                        in_channels=channels, out_channels=channels, text_dim=32, freq_dim=256,
                                        ffn_dim=32, num_layers=2, cross_attn_norm=True,
                                        qk_norm="rms_norm_across_heads", rope_max_seq_len=32)
    scheduler = UniPCMultistepScheduler(prediction_type="flow_prediction", use_flow_sigmas=True, flow_shift=3.0)
    pipe = WanPipeline(tokenizer=tokenizer, text_encoder=text_encoder, vae=vae, transformer=transformer,
                       scheduler=scheduler, expand_timesteps=task == "ti2v")
    os.makedirs(folder, exist_ok=True)
    pipe.save_pretrained(folder, safe_serialization=True)
    return folder
