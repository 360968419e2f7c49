"""First and last frames on Wan (FLF2V, I2V: diffusers' ``last_image``), through the engine and `cinegraph generate`."""

from __future__ import annotations

import os

import numpy as np
import pytest

from studio.errors import EngineError
from studio.generators.neural.engine import NeuralEngine
from studio.generators.neural.models import read_model
from studio.media.io import read_image, write_image
from tests.neural.test_ltx_runtime import halves, keys
from tests.neural.test_wan_cli_and_workflow import cli
from tests.neural.test_wan_runtime import Ctx, frames_of, request


def test_a_first_and_a_last_key_make_a_first_last_video_ending_on_the_last_key(client, tiny_flf2v):
    assert read_model(tiny_flf2v).first_last
    engine = NeuralEngine(client)
    first, last = halves((250, 20, 20), (20, 250, 20), 32, 32), halves((20, 20, 250), (250, 250, 20), 32, 32)
    plan = engine.plan(request(tiny_flf2v, width=32, height=32, frames=0, keyframes=keys((0, first), (7, last))))
    assert plan.frames == 9 and plan.last_image is not None and not plan.keys   # 7 + 1 -> 9 (4k+1, rounded up)
    assert "from a first and a last frame (frame 8)" in plan.describe()
    a = frames_of(engine.generate(request(tiny_flf2v, width=32, height=32, frames=0,
                                          keyframes=keys((0, first), (8, last))), Ctx()))
    assert a.shape == (9, 32, 32, 3)
    # the image input is the first key: the same video as two keyframes
    b = frames_of(engine.generate(request(tiny_flf2v, width=32, height=32, frames=9, image=first,
                                          keyframes=keys((8, last))), Ctx()))
    assert np.array_equal(a, b)
    c = frames_of(engine.generate(request(tiny_flf2v, width=32, height=32, frames=9, image=first,
                                          keyframes=keys((8, first))), Ctx()))
    assert not np.array_equal(a, c)                    # the last frame is not dropped


def test_first_last_is_refused_where_the_model_or_the_keys_cannot_do_it(tiny_t2v, tiny_ti2v, tiny_flf2v):
    img = halves((250, 20, 20), (20, 250, 20), 32, 32)

    def problem(path, **kw):
        with pytest.raises(EngineError) as err:
            NeuralEngine(None).plan(request(path, width=32, height=32, **kw))
        return str(err.value)

    assert "cannot take a last frame" in problem(tiny_ti2v, frames=0, keyframes=keys((0, img), (8, img)))
    assert "text-to-video" in problem(tiny_t2v, frames=0, keyframes=keys((0, img), (8, img)))
    assert "at most a first and a last frame, not 3 keys" in problem(tiny_flf2v, keyframes=keys((0, img), (4, img),
                                                                                                 (8, img)))
    assert "the first key is at frame 4" in problem(tiny_flf2v, keyframes=keys((4, img), (8, img)))
    assert "17 frames make 17; first-last puts the last key on the last frame: set frames to 0 (from the keys) " \
           "or to 9" in problem(tiny_flf2v, frames=17,
                                                                  keyframes=keys((0, img), (8, img)))
    assert "two images at frame 0" in problem(tiny_flf2v, image=img, keyframes=keys((0, img), (8, img)))


def test_cinegraph_generate_last_image_makes_a_first_last_video_and_is_refused_where_it_cannot(tmp_path, tiny_flf2v,
                                                                                             tiny_ti2v):
    first, last = tmp_path / "first.png", tmp_path / "last.png"
    write_image(str(first), halves((250, 20, 20), (20, 250, 20), 32, 32))
    write_image(str(last), halves((20, 20, 250), (250, 250, 20), 32, 32))
    out = tmp_path / "shot"
    r = cli("generate", "--model", tiny_flf2v, "--image", str(first), "--last-image", str(last), "--frames", "10",
            "--width", "32", "--height", "32", "--steps", "2", "-o", str(out))
    assert r.returncode == 0, r.stderr
    files = sorted(os.listdir(out))
    assert len(files) == 9 and read_image(str(out / files[-1])).shape == (32, 32, 3)   # 10 -> 9 (4k+1)
    r = cli("generate", "--model", tiny_ti2v, "--image", str(first), "--last-image", str(last), "-o",
            str(tmp_path / "a.mp4"))
    assert r.returncode == 2 and "--last-image" in r.stderr and "cannot take a last frame" in r.stderr
    r = cli("generate", "--model", tiny_flf2v, "--last-image", str(last), "-o", str(tmp_path / "b.mp4"))
    assert r.returncode == 2 and "--last-image: give the first frame with --image too" in r.stderr
    assert not (tmp_path / "a.mp4").exists() and not (tmp_path / "b.mp4").exists()
