"""Application start: the QApplication, the theme, the node library and the first window.

``run_app(path)`` is what ``cinegraph [FILE]`` calls when there is a display.  It shows the
window before anything slow happens; torch is not imported at start (the device manager
imports it when a node first asks for a device).

:func:`load_registry` is tolerant: if one module of the node library cannot be imported (a
part of ``studio`` that is still being written, a broken plugin) the other modules' nodes
are still offered and the problems are reported in the status bar, instead of the app not
starting.  Workflows using the missing types open with those nodes as placeholders.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from studio import __version__
from studio.errors import RegistryError
from studio.graph.registry import Registry, default_registry

log = logging.getLogger(__name__)


def load_registry(package: str = "nodes") -> tuple[Registry, list[str]]:
    """The node library and the problems met loading it (empty when all is well)."""
    try:
        return default_registry(), []
    except Exception as exc:   # noqa: BLE001 - any import failure: fall back module by module
        first = f"{type(exc).__name__}: {exc}"
    problems: list[str] = []
    found = []
    try:
        pkg = importlib.import_module(package)
    except Exception as exc:  # noqa: BLE001
        return Registry(), [f"the node library cannot be loaded ({type(exc).__name__}: {exc})"]
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        try:
            module = importlib.import_module(f"{package}.{info.name}")
        except Exception as exc:  # noqa: BLE001
            problems.append(f"{package}.{info.name}: {type(exc).__name__}: {exc}")
            continue
        found.extend(getattr(module, "NODES", []))
    registry = Registry()
    try:
        registry.register_all(found)
    except RegistryError as exc:
        problems.extend(str(p) for p in exc.problems)
        for t in found:
            try:
                registry.register(t)
            except RegistryError:
                pass
    log.warning("node library loaded partly (%s); %d types available", first, len(registry))
    return registry, problems or [first]


def create_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication (created once), with the dark Fusion theme."""
    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(list(argv if argv is not None else sys.argv[:1]))
    app.setApplicationName("Cinegraph Studio")
    app.setOrganizationName("Cinegraph")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("cinegraph")
    from studio.ui import theme
    theme.apply(app)
    app.setWindowIcon(theme.icon("fa5s.film", theme.ACCENT) or QIcon())
    return app


def run_app(path: str | None = None, argv: list[str] | None = None) -> int:
    """Open the main window (on ``path`` if given) and run the event loop; the exit code."""
    app = create_app(argv)
    from studio.ui.main_window import MainWindow
    registry, problems = load_registry()
    window = MainWindow(registry=registry)
    quit_on_terminal_signals(app)
    window.resize(1600, 1000)
    window.show()
    if problems:
        window.note_library_problems(problems)
    if path:
        window.open_file(path)
    else:
        window.offer_untitled_recovery()
    return app.exec()


def quit_on_terminal_signals(app: QApplication) -> None:
    """Ctrl+C (SIGINT) or SIGTERM in the terminal quits the app cleanly, with no traceback.

    Python runs signal handlers only between bytecodes, and the Qt event loop is C++, so a
    plain handler would wait for the next Python call (and the default one raises
    KeyboardInterrupt inside whatever slot runs next).  Instead the C-level handler writes
    the signal number to a socket (``signal.set_wakeup_fd``) that a ``QSocketNotifier``
    watches; its slot closes every window with :meth:`MainWindow.close_keeping_recovery`
    (unsaved work goes to the recovery file, which is kept) and quits.
    """
    import signal
    import socket
    from PySide6.QtCore import QSocketNotifier
    from studio.ui.main_window import open_windows

    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Read, app)

    def quit_all() -> None:
        try:
            reader.recv(64)
        except OSError:
            pass
        for win in open_windows():
            win.close_keeping_recovery()
        app.quit()

    notifier.activated.connect(quit_all)
    signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)   # the work is done by quit_all on the Qt side
    app._terminal_signals = (reader, writer, notifier)   # keep them alive with the app
