"""Fixtures for the GUI tests: offscreen Qt, isolated settings and recovery folders, a test
node library (with slow and picture-making nodes), prompts that answer without dialogs, and
helpers to drive the canvas with the mouse."""

from __future__ import annotations

import os
import tempfile
import time

os.environ["QT_QPA_PLATFORM"] = "offscreen"   # before any Qt import
_ISOLATED = tempfile.mkdtemp(prefix="cinegraph-ui-tests-")
os.environ["XDG_CONFIG_HOME"] = os.path.join(_ISOLATED, "config")   # QSettings
os.environ["XDG_DATA_HOME"] = os.path.join(_ISOLATED, "data")       # AppDataLocation (recovery)

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from studio.graph import Float, Input, Int, NodeType, Output, Registry  # noqa: E402
from studio.graph.params import FilePath  # noqa: E402
from studio.media.clip import Clip  # noqa: E402
from tests.conftest import ROOT, SAMPLES, TOY_TYPES  # noqa: E402

EXAMPLES = ROOT / "examples"


def _gradient(ctx, *, width, height, shade):
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None]
    x = np.linspace(0, 255, width, dtype=np.float32)[None, :]
    img = np.stack([np.broadcast_to(x, (height, width)), np.broadcast_to(y, (height, width)),
                    np.full((height, width), shade * 255, np.float32)], axis=2)
    return {"image": img.astype(np.uint8)}


def _slow_clip(ctx, *, image, frames, step_seconds):
    out = []
    for i in range(frames):
        ctx.check_cancel()
        time.sleep(step_seconds)
        out.append(image if image is not None else np.zeros((32, 48, 3), np.uint8))
        ctx.progress((i + 1) / frames, f"frame {i + 1}/{frames}")
    return {"clip": Clip(np.stack(out), 24)}


UI_TYPES = [
    NodeType("Gradient", "Gradient", "Test", _gradient, outputs=(Output("image", "Image"),),
             params=(Int("width", 64, min=8, max=4096), Int("height", 48, min=8, max=4096),
                     Float("shade", 0.5, min=0.0, max=1.0, step=0.01)),
             icon="fa5s.palette", description="A test picture."),
    NodeType("SlowClip", "Slow clip", "Test", _slow_clip, inputs=(Input("image", "Image", optional=True),),
             outputs=(Output("clip", "Clip"),),
             params=(Int("frames", 8, min=1, max=10000), Float("step_seconds", 0.01, min=0.0, max=10.0)),
             icon="fa5s.film", description="Makes a clip slowly, one frame per step."),
]

# stand-ins for the loaders when the real node library cannot be imported yet
_STAND_INS = [
    NodeType("LoadImage", "Load Image", "Input", lambda ctx, path: {"image": np.zeros((8, 8, 3), np.uint8)},
             outputs=(Output("image", "Image"),), params=(FilePath("path", file_filter="image"),),
             icon="fa5s.image", description="Reads a still image."),
    NodeType("LoadVideo", "Load Video", "Input", lambda ctx, path: {"clip": None},
             outputs=(Output("clip", "Clip"), Output("frame", "Image")),
             params=(FilePath("path", file_filter="video"),), icon="fa5s.film", description="Reads footage."),
]


def make_registry() -> Registry:
    from studio.ui.app import load_registry
    real, _ = load_registry()
    types = list(real)
    have = {t.type_id for t in types}
    types += [t for t in _STAND_INS if t.type_id not in have]
    return Registry(types + list(TOY_TYPES) + UI_TYPES)


@pytest.fixture(scope="session")
def registry() -> Registry:
    return make_registry()


class FakePrompts:
    """Answers the window's questions without dialogs and records what was asked."""

    def __init__(self):
        self.save_answer = "discard"
        self.restore = True
        self.open_answer: str | None = None
        self.save_answer_path: str | None = None
        self.confirm_answer = True
        self.asked: list[tuple] = []
        self.problems: list = []
        self.errors: list[str] = []

    def ask_save_changes(self, parent, name):
        self.asked.append(("save?", name))
        return self.save_answer

    def ask_restore(self, parent, what, when):
        self.asked.append(("restore?", what))
        return self.restore

    def confirm(self, parent, title, text):
        self.asked.append(("confirm", title))
        return self.confirm_answer

    def show_problems(self, parent, path, problems):
        self.problems.append((path, list(problems)))

    def error(self, parent, title, text):
        self.errors.append(f"{title}: {text}")

    def open_path(self, parent, directory):
        return self.open_answer

    def save_path(self, parent, suggested):
        return self.save_answer_path


@pytest.fixture
def prompts() -> FakePrompts:
    return FakePrompts()


@pytest.fixture
def make_window(qtbot, registry, prompts):
    """A factory for shown main windows (closed, discarding changes, at teardown)."""
    from studio.ui.main_window import MainWindow
    made = []

    def make(**kw):
        kw.setdefault("registry", registry)
        kw.setdefault("prompts", prompts)
        win = MainWindow(**kw)
        win.resize(1280, 800)
        win.show()
        qtbot.waitExposed(win)
        made.append(win)
        return win

    yield make
    for win in made:
        win.prompts = FakePrompts()
        win.close()


@pytest.fixture
def window(make_window):
    return make_window()


# -- canvas helpers -------------------------------------------------------------------------------
def _on_screen(win, node_id: str) -> None:
    """Frame the whole graph unless every node is in view (so points taken earlier stay valid)."""
    assert node_id in win.scene.nodes
    visible = win.view.mapToScene(win.view.viewport().rect().adjusted(20, 20, -20, -20)).boundingRect()
    if not visible.contains(win.scene.content_rect()):
        win.view.frame_all()


def port_view_pos(win, node_id: str, port: str, is_output: bool) -> QPoint:
    _on_screen(win, node_id)
    item = win.scene.port_item(node_id, port, is_output)
    assert item is not None, f"no port {node_id}.{port}"
    return win.view.mapFromScene(item.scenePos())


def node_view_pos(win, node_id: str) -> QPoint:
    """A point on the node's header (grabs the node, not a port)."""
    _on_screen(win, node_id)
    item = win.scene.nodes[node_id]
    return win.view.mapFromScene(item.scenePos() + QPointF(item.width / 2, 12))


def drag(win, a: QPoint, b: QPoint, steps: int = 6, button=Qt.LeftButton, modifiers=Qt.NoModifier) -> None:
    """Press at ``a``, move to ``b`` in steps, release (on the canvas viewport)."""
    vp = win.view.viewport()
    QTest.mousePress(vp, button, modifiers, a)
    for i in range(1, steps + 1):
        p = a + (b - a) * (i / steps)
        QTest.mouseMove(vp, QPoint(int(p.x()), int(p.y())))
    QTest.mouseRelease(vp, button, modifiers, b)


def drop(win, mime, view_pos: QPoint) -> bool:
    """Drag ``mime`` onto the canvas at ``view_pos`` (enter, then drop); True if accepted."""
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication
    vp = win.view.viewport()
    QApplication.sendEvent(vp, QDragEnterEvent(QPointF(view_pos), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))
    ev = QDropEvent(QPointF(view_pos), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(vp, ev)
    return ev.isAccepted()


@pytest.fixture
def chelsea() -> str:
    return str(SAMPLES / "chelsea.png")


@pytest.fixture
def realshort() -> str:
    return str(SAMPLES / "realshort.mp4")
