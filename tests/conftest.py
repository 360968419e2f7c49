"""Shared fixtures: a toy node library for headless graph/executor tests, and sample media."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from studio.errors import StudioError  # noqa: E402
from studio.graph import Choice, Float, Input, Int, NodeType, Output, Registry, String  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "resources" / "samples"
SHARED_MEDIA = ROOT.parent / "shared" / "media"


class Calls:
    """Counts evaluations per node id, so tests can prove what ran."""

    def __init__(self):
        self.log: list[str] = []

    def __call__(self, ctx):
        self.log.append(ctx.node_id)


CALLS = Calls()


def _const(ctx, *, value):
    CALLS(ctx)
    return {"value": value}


def _add(ctx, *, a, b, bias):
    CALLS(ctx)
    return {"value": (a or 0) + (b or 0) + bias}


def _slow(ctx, *, a, steps, step_seconds):
    CALLS(ctx)
    for i in range(steps):
        ctx.check_cancel()
        time.sleep(step_seconds)
        ctx.progress((i + 1) / steps, f"step {i + 1}/{steps}")
    return {"value": a}


def _boom(ctx, *, a, message):
    CALLS(ctx)
    raise StudioError(message)


def _crash(ctx, *, a):
    CALLS(ctx)
    return {"value": 1 / 0}


TOY_TYPES = [
    NodeType("Const", "Constant", "Test", _const, outputs=(Output("value", "Any"),),
             params=(Float("value", 1.0, min=-1e9, max=1e9, animatable=True),), description="A number."),
    NodeType("Add", "Add", "Test", _add, inputs=(Input("a", "Any"), Input("b", "Any", optional=True)),
             outputs=(Output("value", "Any"),), params=(Float("bias", 0.0),), description="a + b + bias",
             legacy_ids=("Plus",)),
    NodeType("Slow", "Slow", "Test", _slow, inputs=(Input("a", "Any", optional=True),),
             outputs=(Output("value", "Any"),),
             params=(Int("steps", 10, min=1), Float("step_seconds", 0.01, min=0)), description="Sleeps."),
    NodeType("Boom", "Boom", "Test", _boom, inputs=(Input("a", "Any", optional=True),),
             outputs=(Output("value", "Any"),), params=(String("message", "it broke"),), description="Fails."),
    NodeType("Crash", "Crash", "Test", _crash, inputs=(Input("a", "Any", optional=True),),
             outputs=(Output("value", "Any"),), description="Raises a non-Studio error."),
    NodeType("Img", "Image source", "Test", lambda ctx: {"image": None}, outputs=(Output("image", "Image"),),
             description="An Image output."),
    NodeType("ClipSink", "Clip sink", "Test", lambda ctx, clip, mode: {}, inputs=(Input("clip", "Clip"),),
             params=(Choice("mode", ("a", "b")),), description="A Clip input."),
    NodeType("CamSink", "Camera sink", "Test", lambda ctx, camera: {}, inputs=(Input("camera", "Camera"),),
             description="A Camera input."),
]


@pytest.fixture
def toy_registry() -> Registry:
    return Registry(TOY_TYPES)


@pytest.fixture
def calls() -> Calls:
    CALLS.log.clear()
    return CALLS


@pytest.fixture
def samples() -> Path:
    return SAMPLES
