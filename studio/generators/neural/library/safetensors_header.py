"""Read a ``.safetensors`` file's header (tensor names, dtypes, shapes) without its tensors.

The format: 8 bytes, a little-endian unsigned length ``N``; ``N`` bytes of UTF-8 JSON, an
object mapping each tensor's name to ``{"dtype", "shape", "data_offsets": [begin, end]}``
(offsets into the data that follows the header) plus an optional ``"__metadata__"`` object
of strings; then the data.

Semantics and assumptions
-------------------------
* :func:`read_header` reads the 8 bytes and the header, and nothing of the data: a 30 GB
  checkpoint costs a few hundred kilobytes of reading.  The file is opened read-only, never
  mapped, never unpickled.
* It checks what the ``safetensors`` loader itself checks, so a file called readable here
  will not fail to load for a reason visible in its header: the header length is at most
  :data:`MAX_HEADER_BYTES` (the loader's own limit, 100 MB) and fits in the file; the header
  is UTF-8 JSON, an object that starts with ``{``; each entry has a string dtype, a list of
  whole non-negative dimensions and two offsets; a known dtype's byte count matches its
  shape; the tensors cover the data exactly, one after another with no hole and no overlap;
  and the file is exactly as long as the header says (shorter: truncated, as by a download
  cut short; longer: bytes the loader would refuse).
* Only regular files are opened (a named pipe would block the reader).
* Every problem raises :class:`ModelFileError` whose message names the file and says what
  is wrong ("header is not JSON", "file is 1200 bytes shorter than its header says:
  truncated?"), never a traceback.
* Sub-byte dtypes (``F4``, ``F6_*``) are accepted with their size check skipped; an unknown
  dtype name is accepted the same way (a newer writer), since the names and shapes are all
  discovery needs.
"""

from __future__ import annotations

import json
import math
import os
import stat
from dataclasses import dataclass, field

from studio.errors import EngineError

#: the safetensors loader's own limit on the header's length
MAX_HEADER_BYTES = 100_000_000

#: bytes per element of each dtype the format names (sub-byte dtypes are left out)
DTYPE_BYTES = {
    "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "F8_E8M0": 1,
    "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
    "I32": 4, "U32": 4, "F32": 4,
    "I64": 8, "U64": 8, "F64": 8,
}

#: tensors that hold the scales of scaled-fp8 files (ComfyUI's ``scaled_fp8`` convention),
#: not model parameters: left out of parameter counts
_SCALE_SUFFIXES = (".scale_weight", ".scale_input", ".weight_scale", ".input_scale")


class ModelFileError(EngineError):
    """A model file that cannot be used (unreadable, corrupt, or a refused format); names the file."""


@dataclass(frozen=True)
class TensorInfo:
    dtype: str
    shape: tuple[int, ...]

    @property
    def numel(self) -> int:
        return math.prod(self.shape)


@dataclass(frozen=True)
class SafetensorsHeader:
    """What a ``.safetensors`` header says: tensors by name, the metadata, the file's size."""

    path: str
    tensors: dict[str, TensorInfo]
    metadata: dict[str, str] = field(default_factory=dict)
    file_size: int = 0

    def shape(self, name: str) -> tuple[int, ...] | None:
        info = self.tensors.get(name)
        return info.shape if info is not None else None

    def parameter_count(self) -> int:
        """Elements of every tensor but the fp8 scale tensors."""
        return sum(t.numel for name, t in self.tensors.items()
                   if name != "scaled_fp8" and not name.endswith(_SCALE_SUFFIXES))

    def dtype_counts(self) -> dict[str, int]:
        """Elements per dtype, largest first."""
        counts: dict[str, int] = {}
        for t in self.tensors.values():
            counts[t.dtype] = counts.get(t.dtype, 0) + t.numel
        return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def read_header(path: str | os.PathLike) -> SafetensorsHeader:
    """The header of the safetensors file at ``path``; :class:`ModelFileError` if it is not one."""
    path = os.fspath(path)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):   # a folder, or a FIFO that would block open()
            raise ModelFileError(f"{path}: not a regular file")
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            head = f.read(8)
            if len(head) < 8:
                raise ModelFileError(f"{path}: not a safetensors file: {size} bytes, shorter than the "
                                     f"8-byte header length")
            n = int.from_bytes(head, "little")
            if n > MAX_HEADER_BYTES:
                raise ModelFileError(f"{path}: not a safetensors file: its header claims {n} bytes, over the "
                                     f"{MAX_HEADER_BYTES // 1_000_000} MB limit")
            if n < 2:
                raise ModelFileError(f"{path}: not a safetensors file: a header of {n} bytes")
            if 8 + n > size:
                raise ModelFileError(f"{path}: truncated: its header claims {n} bytes but the file has only "
                                     f"{size - 8} after the length")
            raw = f.read(n)
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(raw) < n:  # the file shrank while being read
        raise ModelFileError(f"{path}: truncated: the header ends early")
    tensors, metadata = _parse(path, raw)
    _check_data(path, tensors, size - 8 - n)
    return SafetensorsHeader(path, {k: TensorInfo(v[0], v[1]) for k, v in tensors.items()}, metadata, size)


def _parse(path: str, raw: bytes):
    if raw[:1] != b"{":
        raise ModelFileError(f"{path}: not a safetensors file: the header is not a JSON object")
    try:
        doc = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ModelFileError(f"{path}: corrupt: the header is not UTF-8 text") from None
    except RecursionError:
        raise ModelFileError(f"{path}: corrupt: the header is nested too deeply") from None
    except ValueError as exc:
        raise ModelFileError(f"{path}: corrupt: the header is not JSON ({exc.msg} at byte {exc.pos})") from None
    if not isinstance(doc, dict):
        raise ModelFileError(f"{path}: corrupt: the header is not a JSON object")
    metadata: dict[str, str] = {}
    raw_meta = doc.pop("__metadata__", None)
    if raw_meta is not None:
        if not isinstance(raw_meta, dict) or not all(isinstance(v, str) for v in raw_meta.values()):
            raise ModelFileError(f"{path}: corrupt: __metadata__ is not an object of strings")
        metadata = raw_meta
    tensors: dict[str, tuple[str, tuple[int, ...], int, int]] = {}
    for name, entry in doc.items():
        shown = name if len(name) <= 80 else name[:80] + "…"
        if not isinstance(entry, dict):
            raise ModelFileError(f"{path}: corrupt: tensor {shown!r} is not described by an object")
        dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
        if not isinstance(dtype, str):
            raise ModelFileError(f"{path}: corrupt: tensor {shown!r} has no dtype")
        if not isinstance(shape, list) or not all(_whole(d) for d in shape):
            raise ModelFileError(f"{path}: corrupt: tensor {shown!r} has no valid shape")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(_whole(o) for o in offsets)
                and offsets[0] <= offsets[1]):
            raise ModelFileError(f"{path}: corrupt: tensor {shown!r} has invalid data offsets")
        item = DTYPE_BYTES.get(dtype)
        if item is not None and math.prod(shape) * item != offsets[1] - offsets[0]:
            raise ModelFileError(f"{path}: corrupt: tensor {shown!r} ({dtype} {shape}) needs "
                                 f"{math.prod(shape) * item} bytes but its offsets span {offsets[1] - offsets[0]}")
        tensors[name] = (dtype, tuple(shape), offsets[0], offsets[1])
    return tensors, metadata


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_data(path: str, tensors: dict, data_bytes: int) -> None:
    """The tensors cover ``[0, data_bytes)`` one after another, as the loader requires."""
    end = 0
    for name, (_, _, begin, stop) in sorted(tensors.items(), key=lambda kv: (kv[1][2], kv[1][3])):
        if begin != end:
            shown = name if len(name) <= 80 else name[:80] + "…"
            what = "overlaps the one before" if begin < end else f"leaves a gap of {begin - end} bytes before it"
            raise ModelFileError(f"{path}: corrupt: tensor {shown!r} {what}")
        end = stop
    if end > data_bytes:
        raise ModelFileError(f"{path}: truncated: the file is {end - data_bytes} bytes shorter than its header "
                             f"says (a download cut short?)")
    if end < data_bytes:
        raise ModelFileError(f"{path}: corrupt: {data_bytes - end} bytes after the last tensor")
