"""The LTX-Video runtime end to end on the CPU: a tiny random-weight LTX model run in the generation worker."""

from __future__ import annotations

import os
import shutil
from fractions import Fraction

import numpy as np
import pytest

from studio.errors import Cancelled, EngineError
from studio.generators.neural.engine import NeuralEngine
from studio.generators.neural.models import read_model
from studio.generators.neural.wan_model import model_ref
from studio.generators.request import GenerationRequest
from studio.motion.spec import Keyframe, KeyframeSet
from tests.neural.test_wan_runtime import Ctx, frames_of


def request(path, **kw) -> GenerationRequest:
    base = dict(prompt="a cat walks on the beach", model=model_ref(path), width=64, height=32, frames=9, steps=2,
                seed=7)
    return GenerationRequest(**{**base, **kw})


def halves(a, b, h=32, w=64) -> np.ndarray:
    img = np.zeros((h, w, 3), np.uint8)
    img[:, : w // 2], img[:, w // 2:] = a, b
    return img


def keys(*pairs) -> KeyframeSet:
    return KeyframeSet(tuple(Keyframe(f, img) for f, img in pairs))


def test_ltx_is_read_from_its_folder_with_its_own_constraints(tiny_ltx):
    model = read_model(tiny_ltx)
    assert (model.runtime, model.family, model.spatial, model.temporal) == ("ltx", "ltx-video", 32, 8)
    assert (model.snap_frames(10), model.snap_frames(14), model.snap_frames(0)) == (9, 17, 121)
    assert model.snap_size(70, 40) == (64, 32) and model.snap_size(0, 0) == (768, 512)
    assert (model.default_steps, model.default_guidance) == (50, 3.0)


def test_ltx_constraints_follow_the_vae_config_as_diffusers_reads_it(tiny_ltx, tmp_path):
    import json
    copy = shutil.copytree(tiny_ltx, tmp_path / "m")
    path = copy / "vae" / "config.json"
    config = json.loads(path.read_text())
    config["spatio_temporal_scaling"] = [True, True, True, True]      # one more scaling block: 64 px, 16 frames
    path.write_text(json.dumps(config))
    assert (read_model(str(copy)).spatial, read_model(str(copy)).temporal) == (64, 16)
    config.update(spatial_compression_ratio=32, temporal_compression_ratio=8)   # stated, as 0.9.5+ configs do
    path.write_text(json.dumps(config))
    assert (read_model(str(copy)).spatial, read_model(str(copy)).temporal) == (32, 8)


def test_ltx_generates_8k_plus_1_frames_at_32_px_multiples_with_progress_and_previews(client, tiny_ltx):
    ctx = Ctx()
    clip = NeuralEngine(client).generate(request(tiny_ltx, frames=12, width=70, height=40, fps=Fraction(25)), ctx)
    frames = frames_of(clip)
    assert frames.dtype == np.uint8 and frames.shape == (9, 32, 64, 3)     # 12 -> 9 (8k+1); 70x40 -> 64x32
    assert clip.fps == 25 and frames.std() > 0
    assert [m.split(",")[0] for _, m in ctx.events if m.startswith("step ")] == ["step 1/2", "step 2/2"]
    assert len(ctx.previews) == 2 and all(p.ndim == 3 and p.shape[2] == 3 for p in ctx.previews)


def test_ltx_same_seed_same_frames_another_seed_other_frames(client, tiny_ltx):
    engine = NeuralEngine(client)
    a = frames_of(engine.generate(request(tiny_ltx, seed=3), Ctx()))
    b = frames_of(engine.generate(request(tiny_ltx, seed=3), Ctx()))
    c = frames_of(engine.generate(request(tiny_ltx, seed=4), Ctx()))
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_ltx_image_to_video_takes_the_images_aspect_and_the_image_steers_the_frames(client, tiny_ltx):
    engine = NeuralEngine(client)
    red_blue = halves((250, 20, 20), (20, 20, 250), 40, 80)
    a = frames_of(engine.generate(request(tiny_ltx, image=red_blue, width=0, height=64), Ctx()))
    assert a.shape == (9, 64, 128, 3)                   # width from the image's 2:1 aspect, 32-px multiples
    again = frames_of(engine.generate(request(tiny_ltx, image=red_blue, width=0, height=64), Ctx()))
    other = frames_of(engine.generate(request(tiny_ltx, image=red_blue[:, ::-1].copy(), width=0, height=64), Ctx()))
    assert np.array_equal(a, again) and not np.array_equal(a, other)


def test_ltx_keyframes_at_positions_set_the_frame_count_and_each_key_counts(client, tiny_ltx):
    engine = NeuralEngine(client)
    first, mid = halves((250, 20, 20), (20, 250, 20)), halves((20, 20, 250), (250, 250, 20))
    plan = engine.plan(request(tiny_ltx, frames=0, keyframes=keys((0, first), (12, mid))))
    assert plan.frames == 17 and [f for f, _ in plan.keys] == [0, 12]    # frames 0: up to the last key, 8k+1
    assert "keyframes at frames 0, 12" in plan.describe()
    a = frames_of(engine.generate(request(tiny_ltx, frames=0, keyframes=keys((0, first), (12, mid))), Ctx()))
    b = frames_of(engine.generate(request(tiny_ltx, frames=0, keyframes=keys((0, first), (12, first))), Ctx()))
    assert a.shape == (17, 32, 64, 3)
    assert not np.array_equal(a, b)                     # the key at frame 12 is not dropped
    lone = engine.plan(request(tiny_ltx, frames=0, keyframes=keys((5, mid))))   # a single key, not at frame 0
    assert lone.frames == 9 and [f for f, _ in lone.keys] == [5] and lone.image is None


def test_ltx_refuses_keys_past_the_end_held_keys_and_a_shift_before_starting(tiny_ltx):
    img = halves((250, 20, 20), (20, 250, 20))
    held = KeyframeSet((Keyframe(0, img, hold=3),))
    with pytest.raises(EngineError) as err:
        NeuralEngine(None).plan(request(tiny_ltx, frames=9, keyframes=keys((0, img), (20, img))))
    assert "keyframes: a key is at frame 20, past the last of 9 frames" in str(err.value)
    with pytest.raises(EngineError) as err:
        NeuralEngine(None).plan(request(tiny_ltx, keyframes=held, shift=3.0))
    assert "holds for 3 frames" in str(err.value) and "shift:" in str(err.value)


def test_a_distilled_ltx_model_defaults_to_its_few_step_schedule_without_guidance(client, tiny_ltx, tmp_path):
    from studio.generators.neural.ltx_model import DISTILLED_TIMESTEPS
    distilled = shutil.copytree(tiny_ltx, tmp_path / "tiny-ltx-0.9.7-distilled")
    model = read_model(str(distilled))
    assert model.distilled and model.default_guidance == 1.0
    engine = NeuralEngine(client)
    req = request(str(distilled), steps=0)
    assert engine.worker_request(req, engine.plan(req))["timesteps"] == list(DISTILLED_TIMESTEPS)
    ctx = Ctx()
    a = frames_of(engine.generate(request(str(distilled), steps=0, image=halves((250, 20, 20), (20, 20, 250))), ctx))
    assert [m.split(",")[0] for _, m in ctx.events if m.startswith("step ")][-1] == "step 8/8"
    assert "8 steps, guidance 1" in ctx.events[0][1] and a.shape == (9, 32, 64, 3)
    by_hand = request(str(distilled), steps=3)       # steps set by hand: the pipeline's own schedule
    assert engine.worker_request(by_hand, engine.plan(by_hand))["timesteps"] is None
    assert engine.worker_request(request(tiny_ltx, steps=0), engine.plan(request(tiny_ltx, steps=0)))["timesteps"] == []


def test_ltx_cancel_stops_within_one_step_and_the_worker_keeps_serving(client, tiny_ltx):
    ctx = Ctx()
    seen = []

    def on_progress(msg):
        seen.append(msg["step"])
        ctx.token.cancel()

    engine = NeuralEngine(client)
    req = request(tiny_ltx, steps=8)
    pid = client.pid
    with pytest.raises(Cancelled):
        client.generate(engine.worker_request(req, engine.plan(req)), on_progress=on_progress,
                        should_cancel=lambda: ctx.cancelled)
    assert len(seen) <= 2 and client.pid == pid
    assert len(engine.generate(request(tiny_ltx), Ctx())) == 9


def test_cinegraph_generate_runs_ltx_first_last_frames_to_a_png_sequence(tmp_path, tiny_ltx):
    from studio.media.io import read_image, write_image
    from tests.neural.test_wan_cli_and_workflow import cli
    first, last = tmp_path / "first.png", tmp_path / "last.png"
    write_image(str(first), halves((250, 20, 20), (20, 250, 20), 40, 80))
    write_image(str(last), halves((20, 20, 250), (250, 250, 20), 40, 80))
    out = tmp_path / "shot"
    r = cli("generate", "--model", tiny_ltx, "--prompt", "a red cat", "--image", str(first), "--last-image",
            str(last), "--frames", "12", "--height", "32", "--steps", "2", "-o", str(out))
    assert r.returncode == 0, r.stderr
    files = sorted(os.listdir(out))
    assert len(files) == 9 and read_image(str(out / files[0])).shape == (32, 64, 3)   # 12 -> 9; the 2:1 aspect
    r = cli("generate", "--model", tiny_ltx, "--shift", "3", "-o", str(tmp_path / "a.mp4"))
    assert r.returncode == 2 and "--shift:" in r.stderr and not (tmp_path / "a.mp4").exists()
