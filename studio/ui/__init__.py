"""The desktop app (PySide6): main window, canvas, node library, inspector, viewer.

Semantics shared by every module here:

* The GUI never changes a graph except by pushing :mod:`studio.graph.commands` onto the
  window's undo stack (:mod:`studio.ui.undo`); views redraw from the graph's events, which
  :mod:`studio.ui.bridge` turns into Qt signals.
* The GUI thread never waits for the executor: runs are submitted and their events arrive
  as queued signals; frames of streaming clips are produced on a helper thread
  (:mod:`studio.ui.frames`).
* This is the only package that imports Qt.  Importing it does not import torch.
"""

from studio.ui.pyside_fixes import install as _install_pyside_fixes

_install_pyside_fixes()
