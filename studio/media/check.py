"""Is this file usable as media?  A quick check for ``validate`` and ``render`` before any work.

Semantics and assumptions
-------------------------
* :func:`media_problem` answers for one path and the kind of media a param takes (its
  ``file_filter``: ``"image"``, ``"video"``, ``"media"`` for either, ``"any"``), with one line
  ``"PATH: reason"`` or ``None`` when the file looks usable.  It is the same reason the node
  would fail with later, found without decoding the file:

  - every kind: the path exists and is a regular file one may read (a folder, named pipe,
    device or socket says what it is, from ``os.stat`` alone: nothing is opened that could
    block), and is not empty;
  - ``"image"``: the picture's size from its header (:mod:`imagesize`; other formats: ffmpeg's
    report of the file), within the decompression-bomb limit; a video, or a text file, is
    refused;
  - ``"video"``: ffmpeg's report of the file (headers and index only: a truncated movie whose
    index is gone is unreadable here), a video stream with a size and a known length (from
    the container's duration, or else by counting packets without decoding), not a still
    picture or a text file, within the pixel limit; then one ffmpeg run decodes the first
    frame and reads (without decoding) the packets of the last second, so a movie cut short
    whose index survived (``moov`` at the front) is found too: its demuxer reports a
    "partial file";
  - ``"media"``: ``"image"`` rules for pictures, ``"video"`` rules for the rest.

  It takes tens of milliseconds per file (one or two short ffmpeg runs for videos), and every
  ffmpeg run has a time limit (:data:`PROBE_SECONDS`), so it never hangs.
* Very long paths are shortened in the reason (the head and the tail are kept).
"""

from __future__ import annotations

import os
import re
import stat

from studio.errors import MediaError
from studio.media import _ffmpeg
from studio.media._fs import not_a_file
from studio.media.imagesize import check_pixels, header_size, png_cut_short
from studio.media.probe import MediaInfo, probe

#: kinds of media :func:`media_problem` knows (a param's ``file_filter``)
KINDS = ("image", "video", "media", "any")
#: the longest any one ffmpeg run of a check may take
PROBE_SECONDS = 30.0
_PATH_SHOWN = 160
_PARTIAL_FILE = re.compile(r"stream \d+, offset 0x[0-9a-fA-F]+: partial file")


def media_problem(path: str, kind: str = "any") -> str | None:
    """Why ``path`` cannot be read as ``kind`` media (one line, ``"PATH: reason"``), or ``None``."""
    text = os.fspath(path)
    shown = _short(text)
    if not text:
        return "no file chosen"
    if kind not in KINDS:
        kind = "any"
    problem = not_a_file(text)
    if problem is not None:
        return f"{shown}: {problem}"
    problem = _first_byte(text)
    if problem is not None:
        return f"{shown}: {problem}"
    if kind == "any":
        return None
    try:
        if kind == "image":
            _check_image(text)
        elif kind == "video":
            _check_video(text, None)
        else:
            size = header_size(text)
            if size is not None:
                check_pixels(text, *size)
            else:
                info = _probe(text)
                if info.is_still:
                    _check_image(text, info)
                else:
                    _check_video(text, info)
    except MediaError as exc:
        reason = str(exc)
        if reason.startswith(text + ": "):
            reason = reason[len(text) + 2:]
        return f"{shown}: {reason.splitlines()[0] if reason else 'unreadable'}"
    return None


def _short(text: str) -> str:
    if len(text) <= _PATH_SHOWN:
        return text
    half = _PATH_SHOWN // 2
    return f"{text[:half]}...{text[-half:]} ({len(text)} characters)"


def _first_byte(text: str) -> str | None:
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(text, flags)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced since it was looked at
            return "is not a regular file"
        if not os.read(fd, 1):
            return "the file is empty"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    finally:
        os.close(fd)
    return None


def _probe(text: str, count: str = "none") -> MediaInfo:
    info = probe_quickly(text, count)
    if info.is_text:
        raise MediaError(f"{text}: is a text file, not media")
    if not info.has_video:
        raise MediaError(f"{text}: holds no picture (only {'audio' if info.has_audio else 'data'})")
    return info


def probe_quickly(text: str, count: str = "none") -> MediaInfo:
    """:func:`probe` with every ffmpeg run limited to :data:`PROBE_SECONDS`."""
    return probe(text, count=count, timeout=PROBE_SECONDS)


def _check_image(text: str, info: MediaInfo | None = None) -> None:
    if png_cut_short(text):
        raise MediaError(f"{text}: the PNG file is cut short (its IEND end marker is missing)")
    size = header_size(text)
    if size is None:
        if info is None:
            try:
                info = _probe(text)
            except MediaError as exc:
                if _opencv_knows(text):
                    return  # a format only OpenCV reads; its own pixel limit applies
                raise MediaError(f"{text}: not a picture that can be read ({_reason(exc, text)})") from None
        if not info.is_still:
            raise MediaError(f"{text}: is a video ({info.picture_kind}), not a still image")
        if info.width <= 0 or info.height <= 0:
            raise MediaError(f"{text}: not a picture that can be read (damaged, or not a {info.picture_kind} "
                             f"picture at all)")
        size = info.display_size
    check_pixels(text, *size)


def _check_video(text: str, info: MediaInfo | None) -> None:
    if info is None:
        info = _probe(text)
    if info.is_still:
        if info.width <= 0 or info.height <= 0:
            raise MediaError(f"{text}: not a video that can be read (named like a {info.picture_kind} picture, "
                             f"but not one either)")
        raise MediaError(f"{text}: is a still image ({info.picture_kind}), not a video")
    if info.width <= 0 or info.height <= 0:
        raise MediaError(f"{text}: the video's picture size is unknown ({info.codec or 'unknown codec'})")
    check_pixels(text, *info.display_size)
    if not info.frames:
        info = _probe(text, count="packets")  # no duration in the container: count, do not decode
    # decode the first frame; demux (no decoding) the last second, where a file cut short with
    # its index intact (moov at the front) runs out of data: the demuxer says "partial file"
    src, stream = _ffmpeg.file_arg(text), info.video_stream
    args = ["-v", "error", "-i", src]
    tail = bool(info.duration and not info.is_sequence)
    if tail:
        args += ["-sseof", "-1", "-i", src]
    args += ["-map", f"0:{stream}", "-frames:v", "1", "-f", "null", "-"]
    if tail:
        args += ["-map", f"1:{stream}", "-c", "copy", "-f", "null", "-"]
    proc = _ffmpeg.run(args, timeout=PROBE_SECONDS, label=text)
    if proc.returncode != 0:
        raise MediaError(f"{text}: cannot decode its first frame ({_ffmpeg.stderr_tail(proc.stderr, 2)})")
    if _PARTIAL_FILE.search(proc.stderr.decode("utf-8", "replace")):
        raise MediaError(f"{text}: the file is cut short (its index points past the end of the data)")


def _reason(exc: MediaError, text: str) -> str:
    reason = str(exc)
    return reason[len(text) + 2:] if reason.startswith(text + ": ") else reason


def _opencv_knows(text: str) -> bool:
    try:
        import cv2
        return bool(cv2.haveImageReader(text))
    except Exception:  # noqa: BLE001 - any OpenCV trouble means "no"
        return False


__all__ = ["KINDS", "PROBE_SECONDS", "media_problem", "not_a_file", "probe_quickly"]
