"""Which runtime a model folder needs: :func:`read_model` (no torch).

The model library identifies the folder (:func:`~.wan_model.open_model_folder`); its family
picks the reader: ``ltx-video`` -> :func:`~.ltx_model.read_ltx_model`, Wan (``wan2.1``,
``wan2.2``, or ``wan`` for widths not released) -> :func:`~.wan_model.read_wan_model`.
Anything else is refused with the library's message.  The model returned says what the
engine may ask of it (``runtime``, ``task``, ``first_last``, ``keyframe_positions``) and
how to snap sizes and frames.
"""

from __future__ import annotations

import os

from studio.generators.neural.library.safetensors_header import ModelFileError
from studio.generators.neural.ltx_model import read_ltx_model
from studio.generators.neural.wan_model import WanModel, open_model_folder, read_wan_model


def read_model(path: str) -> WanModel:
    """The runnable model at ``path`` (a Wan or LTX-Video diffusers folder); ModelFileError otherwise."""
    path = os.path.abspath(path)
    entry = open_model_folder(path)
    family = entry.family or ""
    if family == "ltx-video":
        return read_ltx_model(path, entry)
    if family.startswith("wan"):
        return read_wan_model(path, entry)
    raise ModelFileError(f"{path}: {entry.status}: {entry.message}" if entry.status != "usable" else
                         f"{path}: a {family or 'model'} this version does not run (Wan 2.x and LTX-Video run)")
