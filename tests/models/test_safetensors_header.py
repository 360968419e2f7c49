"""Reading safetensors headers: exactly what the loader accepts, and a clear error naming the file otherwise."""

from __future__ import annotations

import json
import os
import struct

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.numpy import save_file

from studio.errors import EngineError
from studio.generators.neural.library import ModelFileError, read_header
from studio.generators.neural.library.safetensors_header import MAX_HEADER_BYTES


def raw_file(path, header: dict | bytes, data: bytes = b"", length: int | None = None):
    """A file with the given header (a dict is JSON-encoded) and data; ``length`` overrides N."""
    body = header if isinstance(header, bytes) else json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(body) if length is None else length) + body + data)
    return path


def test_header_gives_names_dtypes_shapes_metadata_and_counts(tmp_path):
    path = tmp_path / "m.safetensors"
    save_file({"a.weight": np.zeros((3, 4), np.float16), "b": np.zeros(5, np.float32),
               "x.scale_weight": np.zeros(1, np.float32)}, str(path), metadata={"config": "{}"})
    h = read_header(path)
    assert h.path == str(path) and h.file_size == os.path.getsize(path)
    assert {n: (t.dtype, t.shape) for n, t in h.tensors.items()} == {
        "a.weight": ("F16", (3, 4)), "b": ("F32", (5,)), "x.scale_weight": ("F32", (1,))}
    assert h.metadata == {"config": "{}"}
    assert h.parameter_count() == 12 + 5          # the fp8 scale tensor is not a parameter
    assert h.dtype_counts() == {"F16": 12, "F32": 6}
    with safe_open(str(path), "np") as f:     # the loader agrees on every name
        assert sorted(f.keys()) == sorted(h.tensors)


def test_a_header_claiming_a_huge_model_is_read_without_its_data(tmp_path):
    """A 4 GB tensor in a sparse file: the header is all that is read."""
    path = tmp_path / "big.safetensors"
    body = json.dumps({"w": {"dtype": "BF16", "shape": [2, 1_000_000_000], "data_offsets": [0, 4_000_000_000]}})
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(body)) + body.encode())
        f.truncate(8 + len(body) + 4_000_000_000)
    h = read_header(path)
    assert h.parameter_count() == 2_000_000_000 and h.dtype_counts() == {"BF16": 2_000_000_000}


def _valid(tmp_path):
    path = tmp_path / "ok.safetensors"
    save_file({"a": np.zeros((4, 4), np.float32), "b": np.zeros(8, np.float16)}, str(path))
    return path


@pytest.mark.parametrize("case,expected", [
    ("empty", "shorter than the 8-byte header length"),
    ("short", "shorter than the 8-byte header length"),
    ("huge_length", "over the 100 MB limit"),
    ("length_past_end", "truncated: its header claims"),
    ("not_json", "the header is not JSON"),
    ("not_object", "the header is not a JSON object"),
    ("not_utf8", "not UTF-8"),
    ("deeply_nested", "nested too deeply"),
    ("truncated_data", "truncated: the file is 40 bytes shorter than its header says"),
    ("trailing_bytes", "3 bytes after the last tensor"),
    ("offsets_past_end", "truncated: the file is"),
    ("gap", "leaves a gap of 4 bytes"),
    ("overlap", "overlaps the one before"),
    ("wrong_size", "needs 64 bytes but its offsets span 60"),
    ("bad_shape", "has no valid shape"),
    ("no_dtype", "has no dtype"),
    ("bad_offsets", "invalid data offsets"),
    ("bad_metadata", "__metadata__ is not an object of strings"),
])
def test_a_corrupt_file_is_an_error_naming_the_file(tmp_path, case, expected):
    path = tmp_path / f"{case}.safetensors"
    good = _valid(tmp_path).read_bytes()
    a = {"dtype": "F32", "shape": [4, 4], "data_offsets": [0, 64]}
    if case == "empty":
        path.write_bytes(b"")
    elif case == "short":
        path.write_bytes(b"\x10\x00\x00")
    elif case == "huge_length":
        raw_file(path, {"a": a}, length=MAX_HEADER_BYTES + 1)
    elif case == "length_past_end":
        raw_file(path, {"a": a}, length=10_000)
    elif case == "not_json":
        raw_file(path, b"{this is not json}")
    elif case == "not_object":
        raw_file(path, b"[1, 2, 3]")
    elif case == "not_utf8":
        raw_file(path, b'{"a\xff": 1}')
    elif case == "deeply_nested":
        raw_file(path, b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    elif case == "truncated_data":
        path.write_bytes(good[:-40])
    elif case == "trailing_bytes":
        path.write_bytes(good + b"xyz")
    elif case == "offsets_past_end":
        raw_file(path, {"a": {"dtype": "F32", "shape": [4, 4], "data_offsets": [0, 64]}}, b"\0" * 10)
    elif case == "gap":
        raw_file(path, {"a": a, "b": {"dtype": "F16", "shape": [2], "data_offsets": [68, 72]}}, b"\0" * 72)
    elif case == "overlap":
        raw_file(path, {"a": a, "b": {"dtype": "F16", "shape": [2], "data_offsets": [60, 64]}}, b"\0" * 64)
    elif case == "wrong_size":
        raw_file(path, {"a": {"dtype": "F32", "shape": [4, 4], "data_offsets": [0, 60]}}, b"\0" * 60)
    elif case == "bad_shape":
        raw_file(path, {"a": {"dtype": "F32", "shape": [4, -1], "data_offsets": [0, 64]}}, b"\0" * 64)
    elif case == "no_dtype":
        raw_file(path, {"a": {"shape": [4, 4], "data_offsets": [0, 64]}}, b"\0" * 64)
    elif case == "bad_offsets":
        raw_file(path, {"a": {"dtype": "F32", "shape": [4, 4], "data_offsets": [64, 0]}}, b"\0" * 64)
    elif case == "bad_metadata":
        raw_file(path, {"__metadata__": {"k": 1}, "a": a}, b"\0" * 64)
    with pytest.raises(ModelFileError) as info:
        read_header(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and expected in message, message
    assert "\n" not in message and len(message) < 400
    assert isinstance(info.value, EngineError)


@pytest.mark.parametrize("case", ["truncated_data", "trailing_bytes", "gap", "wrong_size"])
def test_what_is_refused_here_the_loader_refuses_too(tmp_path, case):
    """The checks mirror the safetensors loader, so "readable here" means it will load."""
    good = _valid(tmp_path).read_bytes()
    path = tmp_path / "bad.safetensors"
    a = {"dtype": "F32", "shape": [4, 4], "data_offsets": [0, 64]}
    if case == "truncated_data":
        path.write_bytes(good[:-40])
    elif case == "trailing_bytes":
        path.write_bytes(good + b"xyz")
    elif case == "gap":
        raw_file(path, {"a": a, "b": {"dtype": "F16", "shape": [2], "data_offsets": [68, 72]}}, b"\0" * 72)
    else:
        raw_file(path, {"a": {"dtype": "F32", "shape": [4, 4], "data_offsets": [0, 60]}}, b"\0" * 60)
    with pytest.raises(ModelFileError):
        read_header(path)
    with pytest.raises(Exception):
        with safe_open(str(path), "np") as f:
            for k in f.keys():
                f.get_tensor(k)


def test_a_folder_a_fifo_or_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ModelFileError, match="not a regular file"):
        read_header(tmp_path)
    with pytest.raises(ModelFileError, match="cannot read: No such file"):
        read_header(tmp_path / "missing.safetensors")
    if hasattr(os, "mkfifo"):            # a named pipe would block a plain open(): refused before opening
        os.mkfifo(tmp_path / "pipe.safetensors")
        with pytest.raises(ModelFileError, match="not a regular file"):
            read_header(tmp_path / "pipe.safetensors")
