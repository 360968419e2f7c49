"""Starting the app: `cinegraph FILE` opens the window on the file; New and New Window."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from studio.graph.commands import AddNode
from tests.ui.conftest import EXAMPLES


def test_cinegraph_file_opens_the_main_window_titled_with_the_file(monkeypatch, qapp):
    from studio import cli
    from studio.ui import main_window
    seen = {}

    def fake_exec():
        win = main_window._open_windows[-1]
        seen["title"] = win.windowTitle()
        seen["nodes"] = len(win.graph.nodes)
        seen["torch"] = "torch" in sys.modules and not seen.get("torch_before")
        win.undo.setClean()
        win.close()
        return 0

    seen["torch_before"] = "torch" in sys.modules
    monkeypatch.setattr(QApplication, "exec", staticmethod(fake_exec))
    assert cli.main([str(EXAMPLES / "animate_still.cgraph")]) == 0
    assert seen["title"] == "Cinegraph Studio — animate_still.cgraph[*]"
    assert seen["nodes"] == 4
    if not seen["torch_before"]:
        assert not seen["torch"], "opening the app must not import torch"


def test_new_replaces_the_document_after_asking(window, prompts):
    window.push(AddNode("Const"))
    prompts.save_answer = "discard"
    window.new_action.trigger()
    assert window.graph.nodes == {} and not window.is_dirty()
    assert prompts.asked == [("save?", "Untitled")]


def test_new_window_shares_the_library(window):
    other = window.new_window()
    try:
        assert other is not window and other.registry is window.registry
        assert other.isVisible()
    finally:
        other.close()


def test_the_app_uses_the_dark_theme(window):
    app = QApplication.instance()
    assert "QDockWidget" in app.styleSheet()                 # resources/ui/dark.qss
    assert app.palette().window().color().lightness() < 60
