"""Kinds of files found in a models folder, and bounded reading of JSON configs.

Semantics and assumptions
-------------------------
* Weights load from safetensors only (``.safetensors``, and ``.sft``, the same format under
  a short suffix).  Files with a pickle suffix (:data:`PICKLE_SUFFIXES`: ``.ckpt``, ``.pt``,
  ``.pth``, ``.bin``, ``.pkl``, ``.pickle``) are never opened: unpickling runs whatever code
  the file holds.  They are reported as refused with :func:`pickle_message`.
* GGUF files (``.gguf``, quantised weights from llama.cpp's tools) are reported as not
  supported; other files (README, images, tokenizer files) are not weights and are ignored.
* :func:`read_json` reads a config (``model_index.json``, ``config.json``, a shard index) of
  at most :data:`MAX_JSON_BYTES` (regular files only), and raises :class:`ModelFileError` naming the file for a
  missing, unreadable, oversized or non-JSON file, or one that is not a JSON object.  Nothing
  in a config is executed or followed: a ``_name_or_path`` or ``auto_map`` entry is data.
"""

from __future__ import annotations

import json
import os
import stat

from studio.generators.neural.library.safetensors_header import ModelFileError

SAFETENSORS_SUFFIXES = (".safetensors", ".sft")
PICKLE_SUFFIXES = (".ckpt", ".pt", ".pth", ".bin", ".pkl", ".pickle")
GGUF_SUFFIXES = (".gguf",)
#: the largest JSON config read (a 14B model's shard index is about 100 kB)
MAX_JSON_BYTES = 64 * 1024 * 1024


def file_kind(name: str) -> str | None:
    """``"safetensors"``, ``"pickle"``, ``"gguf"`` or ``None`` (not a weight file) by suffix."""
    lower = name.lower()
    if lower.endswith(SAFETENSORS_SUFFIXES):
        return "safetensors"
    if lower.endswith(PICKLE_SUFFIXES):
        return "pickle"
    if lower.endswith(GGUF_SUFFIXES):
        return "gguf"
    return None


def pickle_message(path: str) -> str:
    """Why a pickle weight file is refused, and what to do instead."""
    suffix = os.path.splitext(path)[1] or "pickle"
    return (f"refused: {suffix} is a pickle file, and loading a pickle can run any code it holds; "
            f"use the .safetensors release of these weights, or convert this file to safetensors "
            f"on a machine you trust")


#: why a GGUF file is listed as unsupported
GGUF_MESSAGE = "not supported: GGUF quantised weights cannot be loaded yet; use the .safetensors release"


def read_json(path: str) -> dict:
    """The JSON object in ``path`` (a config), bounded in size; :class:`ModelFileError` otherwise."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):   # a folder, or a FIFO that would block open()
            raise ModelFileError(f"{path}: not a regular file")
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > MAX_JSON_BYTES:
                raise ModelFileError(f"{path}: {size} bytes, too large for a config "
                                     f"(at most {MAX_JSON_BYTES // (1024 * 1024)} MB)")
            raw = f.read(MAX_JSON_BYTES + 1)
    except FileNotFoundError:
        raise ModelFileError(f"{path}: missing") from None
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ModelFileError(f"{path}: not UTF-8 text") from None
    except RecursionError:
        raise ModelFileError(f"{path}: nested too deeply") from None
    except ValueError as exc:
        raise ModelFileError(f"{path}: not JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(doc, dict):
        raise ModelFileError(f"{path}: not a JSON object")
    return doc
