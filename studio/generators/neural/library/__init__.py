"""The model library: which video models are on disk, what they are, and what each lacks.

Reads safetensors headers and JSON configs only (no tensors, no torch, no network), so the
CLI and the app can list models instantly.  The parts:

* :mod:`.locations`: where to look (``--models``, ``CINEGRAPH_MODELS``, preferences, the
  per-user default);
* :mod:`.discover`: the search (diffusers folders, ComfyUI-style single files);
* :mod:`.diffusers_folder`, :mod:`.single_files`: one entry per model, with its parts;
* :mod:`.wan`, :mod:`.ltx`, :mod:`.components`, :mod:`.identify`: what a set of weights is;
* :mod:`.safetensors_header`, :mod:`.weights`, :mod:`.files`: reading headers, shard sets and
  configs safely (pickles are never opened);
* :mod:`.entry`: the entry and its statuses.

docs/models.md is the user's guide to all of it.
"""

from studio.generators.neural.library.discover import discover_models
from studio.generators.neural.library.entry import STATUSES, ModelEntry
from studio.generators.neural.library.locations import ENV_VAR, ModelFolders, default_models_folder, model_folders
from studio.generators.neural.library.safetensors_header import ModelFileError, SafetensorsHeader, read_header

__all__ = ["discover_models", "ModelEntry", "STATUSES", "ENV_VAR", "ModelFolders", "default_models_folder",
           "model_folders", "ModelFileError", "SafetensorsHeader", "read_header"]
