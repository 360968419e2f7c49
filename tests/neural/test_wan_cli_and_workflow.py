"""The Wan runtime through `cinegraph generate` and through a workflow whose generator switches engine."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from studio.executor import DeviceManager, Executor
from studio.graph import Graph, default_registry
from studio.graph.commands import AddNode, Connect, SetParam
from studio.graph.workflow import load, save
from studio.media.io import read_image
from tests.conftest import ROOT, SAMPLES


def cli(*args):
    return subprocess.run([sys.executable, "-m", "studio.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=180)


def test_cinegraph_generate_writes_a_png_sequence_of_the_snapped_size(tmp_path, tiny_t2v):
    out = tmp_path / "shot"
    r = cli("generate", "--model", tiny_t2v, "--prompt", "a red cat", "--frames", "5", "--width", "16",
            "--height", "32", "--steps", "2", "--seed", "3", "-o", str(out))
    assert r.returncode == 0, r.stderr
    files = sorted(os.listdir(out))
    assert len(files) == 5 and all(f.endswith(".png") for f in files)
    assert read_image(str(out / files[0])).shape == (32, 16, 3)


def test_cinegraph_generate_exits_2_for_a_refused_or_missing_model_and_writes_nothing(tmp_path, tiny_t2v):
    pickled = shutil.copytree(tiny_t2v, tmp_path / "pickled")
    os.rename(pickled / "vae" / "diffusion_pytorch_model.safetensors", pickled / "vae" / "diffusion_pytorch_model.bin")
    for model, why in ((pickled, "pickle"), (tmp_path / "nothing", "no such model folder")):
        r = cli("generate", "--model", str(model), "-o", str(tmp_path / "out.mp4"))
        assert r.returncode == 2 and why in r.stderr and "Traceback" not in r.stderr
    r = cli("generate", "--model", tiny_t2v, "--image", str(SAMPLES / "chelsea.png"), "-o", str(tmp_path / "o.mp4"))
    assert r.returncode == 2 and "--image" in r.stderr and "text-to-video" in r.stderr
    assert not (tmp_path / "out.mp4").exists() and not (tmp_path / "o.mp4").exists()


@pytest.fixture
def shared_worker(client, monkeypatch):
    """The executor's neural engine uses the session's worker (no second start)."""
    import studio.generators as generators
    from studio.generators.neural import client as client_module
    monkeypatch.setattr(client_module, "_default", client)
    monkeypatch.delitem(generators._instances, "neural", raising=False)


def test_a_saved_workflow_switches_from_flow_to_neural_without_rewiring(tmp_path, tiny_ti2v, shared_worker):
    reg = default_registry()
    g = Graph(reg)
    img = g.apply(AddNode("LoadImage", node_id="img")).node_id
    gen = g.apply(AddNode("FlowGenerator", node_id="gen")).node_id
    g.apply(SetParam(img, "path", str(SAMPLES / "chelsea.png")))
    g.apply(Connect(img, "image", gen, "image"))
    for name, value in (("frames", 5), ("width", 64), ("height", 32), ("steps", 2), ("seed", 1)):
        g.apply(SetParam(gen, name, value))
    executor = Executor(devices=DeviceManager("cpu"))
    try:
        flow = executor.run(g, [gen])
        assert flow.ok, flow.errors
        g.apply(SetParam(gen, "engine", "neural"))
        g.apply(SetParam(gen, "model", tiny_ti2v))
        path = tmp_path / "neural.cgraph"
        save(g, path)
        loaded, problems = load(path, reg)
        assert problems == []
        result = executor.run(loaded, [gen])
        assert result.ok, result.errors
        clip = result.outputs[gen]["clip"]
        frames = np.stack(list(clip.iter_frames()))
        assert frames.shape == (5, 32, 64, 3) and clip.fps == 24
        assert result.keys[gen] != flow.keys[gen]
        again = executor.run(loaded, [gen])
        assert gen in again.cached            # same model files, same params: served from the cache
    finally:
        executor.shutdown()


def test_a_motion_brush_under_a_model_that_cannot_follow_it_fails_the_node_naming_the_input(tiny_t2v,
                                                                                           shared_worker):
    reg = default_registry()
    g = Graph(reg)
    gen = g.apply(AddNode("FlowGenerator", node_id="gen")).node_id
    brush = g.apply(AddNode("MotionBrush", node_id="brush")).node_id
    g.apply(SetParam(brush, "brushes", [{"name": "left", "horizontal": -0.5,
                                          "shapes": [{"kind": "polygon", "points": [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5]]}]}]))
    g.apply(Connect(brush, "motion", gen, "motion"))
    g.apply(SetParam(gen, "engine", "neural"))
    g.apply(SetParam(gen, "model", tiny_t2v))
    executor = Executor(devices=DeviceManager("cpu"))
    try:
        result = executor.run(g, [gen])
    finally:
        executor.shutdown()
    assert not result.ok and "motion:" in result.errors[gen] and "cannot follow motion brushes" in result.errors[gen]
