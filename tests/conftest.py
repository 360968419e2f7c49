"""Shared fixtures: a toy node library for headless graph/executor tests, and sample media.

Real pictures and footage come from ``resources/samples`` (part of the repository), so the suite
runs on a plain clone.  The only files it cannot ship are Apple's FCPXML DTDs (copyright Apple,
no licence to redistribute): ``INTERCHANGE`` is the folder that holds them, from
``$CINEGRAPH_INTERCHANGE`` or ``../shared/interchange`` beside the checkout, or ``None``
(``CINEGRAPH_INTERCHANGE=none`` hides them, to see what a plain clone runs); the tests that
validate against them skip, saying so, when it is ``None``.
"""

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


def _find_interchange() -> Path | None:
    env = os.environ.get("CINEGRAPH_INTERCHANGE", "")
    if env.lower() == "none":
        return None
    for folder in (Path(env) if env else None, ROOT.parent / "shared" / "interchange"):
        if folder is not None and any(folder.glob("FCPXMLv*.dtd")):
            return folder
    return None


INTERCHANGE = _find_interchange()


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


@pytest.fixture(scope="session")
def samples() -> Path:
    """``resources/samples``: real photos (chelsea.png, coffee.png, kodim03.png, wood.jpg) and
    footage with sound (realshort.mp4); credits in its CREDITS.md."""
    return SAMPLES


@pytest.fixture
def fcpxml_dtd():
    """``fcpxml_dtd(version)``: Apple's DTD for that FCPXML version as ``(lxml.etree, DTD)``.

    Skips when the DTDs are not at hand (see the module docstring); fails when the folder is
    there but has no DTD for ``version``.
    """
    if INTERCHANGE is None:
        pytest.skip("needs Apple's FCPXML DTDs (FCPXMLv1_8.dtd ... FCPXMLv1_11.dtd, not redistributable) in "
                    "../shared/interchange or $CINEGRAPH_INTERCHANGE")
    etree = pytest.importorskip("lxml.etree")

    def load(version: str):
        path = INTERCHANGE / f"FCPXMLv{version.replace('.', '_')}.dtd"
        assert path.is_file(), f"no DTD for FCPXML {version} in {INTERCHANGE}"
        return etree, etree.DTD(str(path))

    return load
