"""The Wan runtime end to end on the CPU: tiny random-weight models run in the generation worker."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

from studio.errors import Cancelled, EngineError
from studio.executor.context import EvalContext
from studio.generators.neural.client import WorkerDied
from studio.generators.neural.engine import NeuralEngine
from studio.generators.neural.library.safetensors_header import ModelFileError
from studio.generators.neural.wan_model import model_ref, model_stamp, read_wan_model
from studio.generators.request import GenerationRequest
from studio.motion.spec import Brush, MotionSpec
from tests.conftest import ROOT


class Ctx(EvalContext):
    """A context with the preview channel the engine feeds, recording what it gets."""

    def __init__(self, **kw):
        self.events: list[tuple[float, str]] = []
        super().__init__(report=lambda f, m: self.events.append((f, m)), **kw)
        self.previews: list[np.ndarray] = []

    def preview(self, image):
        self.previews.append(image)


def frames_of(clip) -> np.ndarray:
    return np.stack(list(clip.iter_frames()))


def request(path, **kw) -> GenerationRequest:
    base = dict(prompt="a cat walks on the beach", model=model_ref(path), width=16, height=16, frames=5, steps=2,
                seed=7)
    return GenerationRequest(**{**base, **kw})


def test_generates_frames_snapped_to_the_model_at_the_requested_rate(client, tiny_t2v):
    ctx = Ctx()
    clip = NeuralEngine(client).generate(request(tiny_t2v, frames=6, width=20, height=30, fps=Fraction(25)), ctx)
    frames = frames_of(clip)
    assert frames.dtype == np.uint8 and frames.shape == (5, 32, 16, 3)   # 6 -> nearest 4k+1 = 5; 20x30 -> 16x32
    assert clip.fps == 25
    assert frames.std() > 0        # a picture, not a blank


def test_same_seed_same_frames_another_seed_other_frames(client, tiny_t2v):
    engine = NeuralEngine(client)
    a = frames_of(engine.generate(request(tiny_t2v, seed=3), Ctx()))
    b = frames_of(engine.generate(request(tiny_t2v, seed=3), Ctx()))
    c = frames_of(engine.generate(request(tiny_t2v, seed=4), Ctx()))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_progress_reports_every_step_and_previews_arrive_while_it_runs(client, tiny_t2v):
    ctx = Ctx()
    NeuralEngine(client).generate(request(tiny_t2v, steps=3), ctx)
    steps = [m for _, m in ctx.events if m.startswith("step ")]
    assert [s.split(",")[0] for s in steps] == ["step 1/3", "step 2/3", "step 3/3"]
    assert all("s/step" in s and "ETA" in s for s in steps)
    fractions = [f for f, _ in ctx.events]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert len(ctx.previews) == 3
    assert all(p.dtype == np.uint8 and p.ndim == 3 and p.shape[2] == 3 for p in ctx.previews)


def test_cancel_stops_within_one_step_and_the_worker_keeps_serving(client, tiny_t2v):
    ctx = Ctx()
    steps_seen = []

    def on_progress(msg):
        steps_seen.append(msg["step"])
        ctx.token.cancel()

    engine = NeuralEngine(client)
    plan = engine.plan(request(tiny_t2v, steps=8))
    pid = client.pid
    with pytest.raises(Cancelled):
        client.generate(engine.worker_request(request(tiny_t2v, steps=8), plan), on_progress=on_progress,
                        should_cancel=lambda: ctx.cancelled)
    assert len(steps_seen) <= 2          # the step that saw the cancel, at most one more in flight
    assert client.pid == pid             # not killed: stopped cooperatively
    assert len(engine.generate(request(tiny_t2v), Ctx())) == 5


def test_a_killed_worker_fails_the_run_with_a_clear_message_and_the_next_run_starts_a_fresh_one(client, tiny_t2v):
    engine = NeuralEngine(client)
    starts = client.starts

    def kill(msg):
        os.kill(client.pid, signal.SIGKILL)

    plan = engine.plan(request(tiny_t2v, steps=6))
    with pytest.raises(WorkerDied, match=r"stopped \(killed by signal 9\).*next run starts a fresh one"):
        client.generate(engine.worker_request(request(tiny_t2v, steps=6), plan), on_progress=kill)
    clip = engine.generate(request(tiny_t2v), Ctx())
    assert len(clip) == 5 and client.starts == starts + 1


def test_image_to_video_on_a_ti2v_model_and_text_only_too(client, tiny_ti2v):
    engine = NeuralEngine(client)
    still = np.zeros((48, 96, 3), np.uint8)
    still[:, 48:] = (250, 40, 10)
    with_image = frames_of(engine.generate(request(tiny_ti2v, image=still, width=0, height=32, frames=5), Ctx()))
    assert with_image.shape == (5, 32, 64, 3)          # width from the image's 2:1 aspect, 32-px multiples
    text_only = frames_of(engine.generate(request(tiny_ti2v, width=40, height=40), Ctx()))
    assert text_only.shape == (5, 32, 32, 3)


def test_refuses_before_starting_everything_the_model_cannot_honour(tiny_t2v):
    class NoWorker:
        def generate(self, *a, **kw):
            raise AssertionError("the worker must not be asked")

    motion = MotionSpec(brushes=(Brush(),))
    req = request(tiny_t2v, motion=motion, image=np.zeros((16, 16, 3), np.uint8), strength=0.5, shutter_angle=180)
    with pytest.raises(EngineError) as err:
        NeuralEngine(NoWorker()).generate(req, Ctx())
    text = str(err.value)
    for field in ("motion:", "image:", "strength:", "shutter_angle:"):
        assert field in text
    with pytest.raises(EngineError, match="model: no model chosen"):
        NeuralEngine(NoWorker()).generate(GenerationRequest(prompt="x"), Ctx())


def test_bad_models_are_refused_naming_the_file(tmp_path, tiny_t2v):
    pickled = shutil.copytree(tiny_t2v, tmp_path / "pickled")
    weights = pickled / "transformer" / "diffusion_pytorch_model.safetensors"
    weights.rename(pickled / "transformer" / "diffusion_pytorch_model.bin")
    with pytest.raises(ModelFileError, match="refused.*pickle"):
        read_wan_model(str(pickled))
    partial = shutil.copytree(tiny_t2v, tmp_path / "partial")
    shutil.rmtree(partial / "tokenizer")
    with pytest.raises(ModelFileError, match="tokenizer"):
        read_wan_model(str(partial))
    with pytest.raises(ModelFileError, match="single file"):
        read_wan_model(str(weights.with_suffix(".bin")))


def test_the_model_stamp_changes_when_a_weight_file_changes(tmp_path, tiny_t2v):
    copy = shutil.copytree(tiny_t2v, tmp_path / "m")
    before = model_stamp(str(copy))
    config = copy / "transformer" / "config.json"
    os.utime(config, ns=(1, 1))
    assert model_stamp(str(copy)) != before


def test_the_worker_opens_no_network_connection(client, tiny_t2v):
    NeuralEngine(client).generate(request(tiny_t2v), Ctx())
    stats = client.call("stats")
    assert stats["network_attempts"] == 0
    code = ("from studio.generators.neural.worker import install_network_guard, NetworkBlocked\n"
            "install_network_guard()\nimport socket\n"
            "try:\n    socket.create_connection(('127.0.0.1', 9), timeout=1)\nexcept NetworkBlocked:\n"
            "    print('blocked')\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.stdout.strip() == "blocked", r.stderr
