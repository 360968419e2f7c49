"""Find every model under the models folders: :func:`discover_models`.

Semantics and assumptions
-------------------------
* Each folder is searched to a depth of :data:`MAX_DEPTH`.  A folder holding
  ``model_index.json`` is a diffusers model (:mod:`.diffusers_folder`) and is not searched
  further; every other weight file is read as a single file (:mod:`.single_files`), wherever
  it is: in the ComfyUI folders (``diffusion_models/``, ``vae/``, ``text_encoders/``, ...)
  or elsewhere.  Hugging Face's cache layout (``models--ORG--NAME/snapshots/HASH/``) is
  found the same way, and shown as ``ORG/NAME``.
* Hidden folders (``.git``, ``.cache``, ``.locks``) are skipped; a folder reached twice
  through links is searched once; at most :data:`MAX_ENTRIES` folder entries are looked at
  in all, and an entry says so when the search stopped early.
* Pickle files (``.ckpt``, ``.pt``, ``.pth``, ``.bin``, ``.pkl``) outside diffusers folders are
  listed as refused without being opened; ``.gguf`` files as not supported; corrupt or
  truncated safetensors as unreadable, naming the file.  Nothing raises for a bad file, and a
  folder that cannot be listed is an unreadable entry.
* Discovery reads headers and JSON only: no tensor data, no network, no torch.  It takes
  about a millisecond per file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from studio.generators.neural.library.diffusers_folder import scan_diffusers_folder
from studio.generators.neural.library.entry import KINDS, ModelEntry
from studio.generators.neural.library.files import GGUF_MESSAGE, file_kind, pickle_message
from studio.generators.neural.library.identify import identify_weights
from studio.generators.neural.library.single_files import FOLDER_ROLES, Piece, piece_entries
from studio.generators.neural.library.weights import INDEX_SUFFIX, group_weight_files, read_weight_set

MAX_DEPTH = 8
MAX_ENTRIES = 200_000


def discover_models(folders: Iterable[str]) -> list[ModelEntry]:
    """Every model found in ``folders`` (missing folders are skipped), generators first, by name."""
    walker = _Walker()
    for folder in folders:
        if os.path.isdir(folder):
            walker.walk(os.path.abspath(folder), 0, None)
    entries = walker.entries + piece_entries(walker.pieces)
    order = {k: i for i, k in enumerate(KINDS)}
    return sorted(entries, key=lambda e: (order.get(e.kind, len(order)), e.name.lower(), e.path))


def display_name(folder: str) -> str:
    """``ORG/NAME`` for a Hugging Face cache snapshot, else the folder's name."""
    parts = os.path.normpath(folder).split(os.sep)
    if len(parts) >= 3 and parts[-2] == "snapshots" and parts[-3].startswith("models--"):
        return parts[-3][len("models--"):].replace("--", "/", 1)
    return parts[-1] or folder


class _Walker:
    def __init__(self):
        self.entries: list[ModelEntry] = []
        self.pieces: list[Piece] = []
        self.seen: set[str] = set()
        self.count = 0
        self.stopped = False

    def walk(self, folder: str, depth: int, role: str | None) -> None:
        real = os.path.realpath(folder)
        if real in self.seen or self.stopped:
            return
        self.seen.add(real)
        if os.path.isfile(os.path.join(folder, "model_index.json")):
            self.entries.append(scan_diffusers_folder(folder, display_name(folder)))
            return
        try:
            with os.scandir(folder) as it:
                items = sorted(it, key=lambda d: d.name)
        except OSError as exc:
            self.entries.append(_problem_entry(folder, role, "unreadable",
                                               f"{folder}: cannot list: {exc.strerror or exc}"))
            return
        self.count += len(items)
        if self.count > MAX_ENTRIES:
            self.stopped = True
            self.entries.append(_problem_entry(folder, role, "unreadable",
                                               f"search stopped at {folder}: more than {MAX_ENTRIES} files and "
                                               f"folders under the models folders; point --models at a smaller "
                                               f"folder"))
            return
        files = []
        for item in items:
            if item.name.startswith("."):
                continue
            try:
                is_dir, is_file = item.is_dir(), item.is_file()
            except OSError:
                continue
            if is_dir and depth < MAX_DEPTH:
                self.walk(item.path, depth + 1, FOLDER_ROLES.get(item.name.lower(), role))
            elif is_file:
                files.append(item.name)
            elif file_kind(item.name) and item.is_symlink():
                self.entries.append(_problem_entry(item.path, role, "unreadable",
                                                   f"{item.path}: a link to a file that does not exist"))
        self._files(folder, files, role)

    def _files(self, folder: str, names: list[str], role: str | None) -> None:
        for name in names:
            kind = file_kind(name)
            path = os.path.join(folder, name)
            if kind == "pickle":
                self.entries.append(_problem_entry(path, role, "refused", pickle_message(path)))
            elif kind == "gguf":
                self.entries.append(_problem_entry(path, role, "unsupported", GGUF_MESSAGE))
        for ws in group_weight_files(folder, [n for n in names if file_kind(n) == "safetensors"
                                              or n.endswith(INDEX_SUFFIX)]):
            loaded = read_weight_set(ws)
            if loaded.header is None:
                self.entries.append(_problem_entry(ws.path, role, loaded.status, "; ".join(loaded.problems),
                                                   name=ws.name))
                continue
            self.pieces.append(Piece(ws, loaded, identify_weights(loaded.header, ws.name, role), role))


def _problem_entry(path: str, role: str | None, status: str, problem: str, name: str | None = None) -> ModelEntry:
    e = ModelEntry(name=name or os.path.basename(path), path=path, kind=role or "unknown",
                   layout="single-file", status=status)
    try:
        e.size_bytes = os.path.getsize(path) if os.path.isfile(path) else 0
    except OSError:
        pass
    e.problems.append(problem)
    return e.finish()
