"""A picture's size from its header, without decoding it; the decompression-bomb limit.

Semantics and assumptions
-------------------------
* :func:`header_size` reads (width, height) from the first bytes of PNG (``IHDR``), JPEG (the
  first ``SOFn`` segment, other segments skipped by their length), GIF (the logical screen),
  BMP (``BITMAPINFOHEADER`` or the old core header; a negative height is a top-down picture),
  WebP (``VP8 ``, ``VP8L`` and ``VP8X`` chunks), TIFF and BigTIFF (the first page's
  ``ImageWidth``/``ImageLength``, either byte order) and OpenEXR (the first part's
  ``dataWindow``).  It returns ``None`` for any other format, or when the header is cut short
  or makes no sense; callers then ask ffmpeg (``probe(count="none")``, which reads headers
  only).  It reads at most a few hundred kilobytes, whatever the file's size.
* :func:`max_image_pixels` is the decompression-bomb limit: pictures with more pixels than
  this are refused before anything is decoded, because decoding allocates width x height x
  channels bytes (a 20000x20000 PNG of one colour is 1.2 MB on disk and 1.2 GB decoded).
  The default, :data:`DEFAULT_MAX_IMAGE_PIXELS` (100 megapixels), is well above 8K DCI
  (8192x4320, 35.4 MP); 16K (15360x8640, 132.7 MP) is over it.  The environment
  variable ``CINEGRAPH_MAX_IMAGE_PIXELS`` changes it (a whole number of pixels; ``0`` turns
  the limit off).  It is read at every check, so it may be changed at run time.
* :func:`check_pixels` raises :class:`MediaError` naming the file, its size, the limit and
  how to raise it.
"""

from __future__ import annotations

import os
import struct
from typing import BinaryIO

from studio.errors import MediaError

#: pictures larger than this many pixels are refused unless CINEGRAPH_MAX_IMAGE_PIXELS says otherwise
DEFAULT_MAX_IMAGE_PIXELS = 100_000_000
ENV_MAX_IMAGE_PIXELS = "CINEGRAPH_MAX_IMAGE_PIXELS"
_JPEG_MAX_SEGMENTS = 4096


def max_image_pixels() -> int:
    """The current limit in pixels (0: no limit)."""
    text = os.environ.get(ENV_MAX_IMAGE_PIXELS, "").strip().replace("_", "")
    if not text:
        return DEFAULT_MAX_IMAGE_PIXELS
    try:
        value = int(text)
    except ValueError:
        raise MediaError(f"{ENV_MAX_IMAGE_PIXELS}={os.environ[ENV_MAX_IMAGE_PIXELS][:40]!r}: expected a whole "
                         f"number of pixels (0 for no limit)") from None
    return max(0, value)


def check_pixels(path: str, width: int, height: int) -> None:
    """MediaError when a ``width`` x ``height`` picture is over :func:`max_image_pixels`."""
    limit = max_image_pixels()
    if limit and width * height > limit:
        raise MediaError(f"{path}: the picture is {width}x{height} ({width * height / 1e6:.1f} megapixels), over "
                         f"the limit of {limit / 1e6:g} megapixels for decoding pictures; set "
                         f"{ENV_MAX_IMAGE_PIXELS} to a larger number of pixels to allow it")


def header_size(path: str | os.PathLike) -> tuple[int, int] | None:
    """(width, height) of the picture at ``path`` from its header; ``None`` when unknown."""
    try:
        with open(path, "rb") as f:
            head = f.read(32)
            size = _read_size(f, head)
    except (OSError, struct.error, ValueError, IndexError):
        return None
    if size is None:
        return None
    w, h = size
    return (w, h) if w > 0 and h > 0 else None


def _read_size(f: BinaryIO, head: bytes) -> tuple[int, int] | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
        return struct.unpack(">II", head[16:24])
    if head.startswith(b"\xff\xd8"):
        return _jpeg(f)
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return struct.unpack("<HH", head[6:10])
    if head.startswith(b"BM"):
        return _bmp(head)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _webp(f)
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return _tiff(f, head)
    if head[:4] == b"\x76\x2f\x31\x01":
        return _exr(f)
    return None


def _jpeg(f: BinaryIO) -> tuple[int, int] | None:
    f.seek(2)
    for _ in range(_JPEG_MAX_SEGMENTS):
        byte = f.read(1)
        while byte and byte != b"\xff":  # garbage between segments
            byte = f.read(1)
        marker = f.read(1)
        while marker == b"\xff":  # fill bytes
            marker = f.read(1)
        if not marker:
            return None
        m = marker[0]
        if m in (0x01, 0xD8) or 0xD0 <= m <= 0xD7:
            continue  # no length
        if m in (0xD9, 0xDA):
            return None  # end of image or start of scan before any frame header
        length = struct.unpack(">H", f.read(2))[0]
        if length < 2:
            return None
        if m in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            data = f.read(5)
            h, w = struct.unpack(">HH", data[1:5])
            return (w, h) if h else None  # height 0: given later by a DNL segment
        f.seek(length - 2, os.SEEK_CUR)
    return None


def _bmp(head: bytes) -> tuple[int, int] | None:
    dib = struct.unpack("<I", head[14:18])[0]
    if dib == 12:
        return struct.unpack("<HH", head[18:22])
    if dib >= 40:
        w, h = struct.unpack("<ii", head[18:26])
        return abs(w), abs(h)
    return None


def _webp(f: BinaryIO) -> tuple[int, int] | None:
    f.seek(12)
    chunk = f.read(18)
    kind, data = chunk[:4], chunk[8:]
    if kind == b"VP8X":
        w = int.from_bytes(data[4:7], "little") + 1
        h = int.from_bytes(data[7:10], "little") + 1
        return w, h
    if kind == b"VP8L" and data[0] == 0x2F:
        bits = int.from_bytes(data[1:5], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if kind == b"VP8 " and data[3:6] == b"\x9d\x01\x2a":
        w, h = struct.unpack("<HH", data[6:10])
        return w & 0x3FFF, h & 0x3FFF
    return None


_TIFF_TYPES = {3: ("H", 2), 4: ("I", 4), 16: ("Q", 8)}  # SHORT, LONG, LONG8


def _tiff(f: BinaryIO, head: bytes) -> tuple[int, int] | None:
    end = "<" if head[:2] == b"II" else ">"
    big = head[2:4] in (b"+\x00", b"\x00+")
    if big:
        offset = struct.unpack(end + "Q", head[8:16])[0]
        count_fmt, entry_size, count_size, value_at = "Q", 20, 8, 12
    else:
        offset = struct.unpack(end + "I", head[4:8])[0]
        count_fmt, entry_size, count_size, value_at = "H", 12, 2, 8
    f.seek(offset)
    count = struct.unpack(end + count_fmt, f.read(count_size))[0]
    if count > 4096:
        return None
    table = f.read(count * entry_size)
    found: dict[int, int] = {}
    for i in range(count):
        entry = table[i * entry_size:(i + 1) * entry_size]
        tag, typ = struct.unpack(end + "HH", entry[:4])
        if tag in (256, 257) and typ in _TIFF_TYPES:
            fmt, size = _TIFF_TYPES[typ]
            found[tag] = struct.unpack(end + fmt, entry[value_at:value_at + size])[0]
    if 256 in found and 257 in found:
        return found[256], found[257]
    return None


def _exr(f: BinaryIO) -> tuple[int, int] | None:
    f.seek(8)
    for _ in range(1024):
        name = _cstring(f)
        if not name:
            return None  # end of the header without a data window
        _cstring(f)  # type
        size = struct.unpack("<i", f.read(4))[0]
        if size < 0:
            return None
        if name == b"dataWindow" and size == 16:
            x0, y0, x1, y1 = struct.unpack("<iiii", f.read(16))
            return x1 - x0 + 1, y1 - y0 + 1
        f.seek(size, os.SEEK_CUR)
    return None


def _cstring(f: BinaryIO, limit: int = 256) -> bytes:
    out = bytearray()
    while len(out) < limit:
        c = f.read(1)
        if not c or c == b"\x00":
            break
        out += c
    return bytes(out)


__all__ = ["DEFAULT_MAX_IMAGE_PIXELS", "ENV_MAX_IMAGE_PIXELS", "check_pixels", "header_size", "max_image_pixels"]


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_cut_short(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a PNG whose end (the ``IEND`` chunk) is missing: a file cut short.

    Only the last 4 KiB are read.  Decoding such a file makes libpng print "PNG input buffer
    is incomplete" on the process's stderr, past any error we raise, so readers check first.
    """
    try:
        with open(path, "rb") as f:
            if f.read(8) != _PNG_SIGNATURE:
                return False
            size = f.seek(0, os.SEEK_END)
            f.seek(max(8, size - 4096))
            return b"IEND" not in f.read()
    except OSError:
        return False
