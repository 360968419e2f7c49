"""Where model files are looked for.

Semantics and assumptions
-------------------------
* :func:`model_folders` returns the folders to search and where that list came from, the
  first of these that is given:

  1. ``--models DIR`` on the command line (``cli``; repeatable);
  2. the ``CINEGRAPH_MODELS`` environment variable;
  3. the app's preferences (``preference``; the app passes its setting here);
  4. the per-user default, :func:`default_models_folder`.

  Each source may name several folders separated by ``os.pathsep`` (``:`` on Linux and
  macOS, ``;`` on Windows); empty parts are skipped, ``~`` is expanded, and each folder is
  made absolute.  A folder named twice is searched once.
* The per-user default follows each system's convention for application data:
  ``$XDG_DATA_HOME/cinegraph/models`` (``~/.local/share/cinegraph/models`` when that
  variable is unset or not an absolute path) on Linux and other Unix systems,
  ``~/Library/Application Support/Cinegraph/models`` on macOS, and
  ``%APPDATA%\\Cinegraph\\models`` on Windows.  It is not created here.
* Whether each folder exists is for the caller to judge: ``cinegraph models`` refuses a
  ``--models`` folder that does not exist (exit 2) and only notes a missing default.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

ENV_VAR = "CINEGRAPH_MODELS"


@dataclass(frozen=True)
class ModelFolders:
    """The folders to search, in order, and the source they came from."""

    paths: tuple[str, ...]
    source: str  #: "--models", "CINEGRAPH_MODELS", "preferences" or "default"


def default_models_folder(platform: str | None = None, env: Mapping[str, str] | None = None,
                          home: str | None = None) -> str:
    """The per-user models folder for ``platform`` (``sys.platform`` by default)."""
    platform = sys.platform if platform is None else platform
    env = os.environ if env is None else env
    home = home or os.path.expanduser("~")
    if platform == "win32":
        appdata = env.get("APPDATA") or os.path.join(home, "AppData", "Roaming")
        return os.path.join(appdata, "Cinegraph", "models")
    if platform == "darwin":
        return os.path.join(home, "Library", "Application Support", "Cinegraph", "models")
    data = env.get("XDG_DATA_HOME", "")
    if not os.path.isabs(data):  # the XDG spec: a relative value is invalid and ignored
        data = os.path.join(home, ".local", "share")
    return os.path.join(data, "cinegraph", "models")


def split_folders(text: str) -> list[str]:
    """``os.pathsep``-separated folders, expanded and absolute, empty parts skipped."""
    return [os.path.abspath(os.path.expanduser(part)) for part in text.split(os.pathsep) if part.strip()]


def model_folders(cli: Sequence[str] | None = None, env: Mapping[str, str] | None = None,
                  preference: str | None = None) -> ModelFolders:
    """The folders to search for models (see the module docstring for the order)."""
    env = os.environ if env is None else env
    candidates = [
        ("--models", [p for text in (cli or ()) for p in split_folders(text)]),
        (ENV_VAR, split_folders(env.get(ENV_VAR, ""))),
        ("preferences", split_folders(preference or "")),
    ]
    for source, paths in candidates:
        if paths:
            return ModelFolders(tuple(dict.fromkeys(paths)), source)
    return ModelFolders((default_models_folder(env=env),), "default")
