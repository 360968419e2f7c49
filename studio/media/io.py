"""Reading and writing images, and opening video files as (streaming) clips.

Semantics and assumptions
-------------------------
Images
  * :func:`read_image` returns (H, W, 3) uint8 RGB for PNG, JPEG, TIFF, WebP, BMP and
    OpenEXR (and anything else OpenCV or, failing that, ffmpeg decodes: DPX, ...).  16-bit
    becomes 8-bit by rounding, grey becomes RGB, alpha is dropped (:func:`read_image_alpha`
    returns it as (H, W) uint8).  JPEGs are turned upright by their EXIF orientation.
  * OpenEXR holds scene-linear float: it is encoded with the sRGB curve and clipped to 8 bits
    (:mod:`colour`); alpha stays linear.  EXR colour is premultiplied by alpha (ffmpeg's EXR
    encoder premultiplies, its decoder does not undo it), so it is divided by alpha where
    alpha > 0: every reader here returns straight (unpremultiplied) colour.
  * OpenCV reads EXR only when ``OPENCV_IO_ENABLE_OPENEXR=1`` is in the environment when it
    first decodes one, so this module sets it before importing cv2.  The
    opencv-python-headless 5.0 wheels are built without OpenEXR at all, so EXR is then
    decoded by ffmpeg's EXR decoder (``gbrapf32le``, no transfer applied) instead; both paths
    give the same pixels.
  * Files are read with ``np.fromfile`` + ``cv2.imdecode`` (and written with
    ``cv2.imencode`` + ``tofile``) so that non-ASCII paths work on every platform.
  * Errors are :class:`MediaError` naming the path: ``"PATH: file not found"``,
    ``"PATH: is a folder"`` (or a named pipe, a device: see :func:`~studio.media._fs.not_a_file`;
    such paths are never opened), ``"PATH: not an image OpenCV can read (...)"``,
    ``"PATH: is a video (h264), not a still image: use Load Video"`` (a video is never
    read as its first frame).
  * Decompression bombs: before anything is decoded (or the file even read whole), the
    picture's size is read from its header (:mod:`imagesize`; for formats it does not know,
    from ffmpeg's report) and a picture over :func:`~studio.media.imagesize.max_image_pixels`
    (default 100 megapixels, ``CINEGRAPH_MAX_IMAGE_PIXELS``) is refused with a message that
    says how to raise the limit.  OpenCV's own limit (``OPENCV_IO_MAX_IMAGE_PIXELS``, read once
    when cv2 is first imported) is set to the same value unless already set, as a second
    guard for files whose size nothing could read; a picture OpenCV refuses on that ground
    after the limit was raised at run time is decoded by ffmpeg instead.
  * :func:`write_image` writes through a temporary sibling
    (``.NAME.cinegraph-PID@HOST.XXXX.partial.SUFFIX``, see :mod:`_fs`) and renames, so a
    reader never sees half a file; a full disk is ``"PATH: the disk is full (N MB free in
    FOLDER)"`` and leaves no partial file.  EXR is written by ffmpeg as half float,
    ZIP-compressed, linearised.

Video
  * :func:`open_video` returns a clip whose frames stream from ffmpeg (see :mod:`video` for
    how seeking stays frame-accurate).  ``first``/``last`` (inclusive, in clip frames) trim
    it.  The clip's rate comes from :func:`probe` (``30.02`` tbr phone footage is 30 fps,
    ``23.98`` is 24000/1001); its ``start_frame`` is the file's start timecode read at that
    rate, plus ``first``; it carries ``AudioRef(path, start, duration)`` covering exactly its
    frames when the file has audio: ``duration`` is frames / fps and ``start`` is where its
    first picture sits in the file (its timestamp less the container start; ``first / fps``
    when the file has no usable timestamps), so sound stays in sync with the picture.  Image sequences (printf pattern or folder) have no rate
    of their own: ``fps`` (default 24) says it, and their first frame number is the start
    frame, as :func:`export_clip` writes them.
  * A single picture (PNG, JPEG, EXR..., see :attr:`MediaInfo.is_still`) is refused
    (``"PATH: is a still image (PNG), not a video: use Load Image"``), as is a text file
    (which ffmpeg would show as ANSI art), and frames over the pixel limit of pictures.
  * :func:`read_video` is :func:`open_video` with every frame decoded into memory.
"""

from __future__ import annotations

import os

os.environ["OPENCV_IO_ENABLE_OPENEXR"] = "1"  # must precede the first EXR decode (see above)
from studio.errors import MediaError  # noqa: E402
from studio.media.imagesize import max_image_pixels  # noqa: E402

try:  # OpenCV's own bomb limit, read once when cv2 is imported (see above)
    if max_image_pixels():
        os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(max_image_pixels()))
except MediaError:
    pass  # a malformed CINEGRAPH_MAX_IMAGE_PIXELS is reported when a picture is read

import errno  # noqa: E402
import subprocess  # noqa: E402
from fractions import Fraction  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from studio.media import _ffmpeg  # noqa: E402
from studio.media._fs import (disk_full_reason, is_disk_full, make_partial_file, make_public,  # noqa: E402
                              not_a_file, remove_quietly)
from studio.media.imagesize import check_pixels, header_size, png_cut_short  # noqa: E402
from studio.media.clip import AudioRef, Clip  # noqa: E402
from studio.media.colour import (SRGB8_TO_LINEAR, gbr_planes_to_rgb8, linear_to_srgb8, srgb_to_linear,  # noqa: E402
                                 to_uint8)
from studio.media.probe import MediaInfo, probe  # noqa: E402
from studio.media.sequence import is_pattern  # noqa: E402
from studio.timecode import TimecodeError, parse_rate, parse_timecode  # noqa: E402
from studio.media.video import ChannelView, VideoSource, vfr_mapping  # noqa: E402

#: suffixes read_image is meant for (others are tried all the same)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".exr", ".webp", ".bmp")
_EXR_MAGIC = b"\x76\x2f\x31\x01"
_LINEAR_SUFFIXES = (".exr", ".hdr")


# ---------------------------------------------------------------------------------------------
# images


def read_image(path: str | os.PathLike) -> np.ndarray:
    """The image at ``path`` as (H, W, 3) uint8 RGB (alpha dropped)."""
    return read_image_alpha(path)[0]


def read_image_alpha(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray | None]:
    """The image at ``path`` as (RGB (H, W, 3) uint8, alpha (H, W) uint8 or ``None``)."""
    text = os.fspath(path)
    problem = not_a_file(text)
    if problem is not None:
        raise MediaError(f"{text}: {problem}")
    info = check_picture(text)
    if png_cut_short(text):
        raise MediaError(f"{text}: the PNG file is cut short (its IEND end marker is missing)")
    try:
        data = np.fromfile(text, dtype=np.uint8)
    except OSError as exc:
        raise MediaError(f"{text}: cannot read ({exc.strerror or exc})") from None
    if data.size == 0:
        raise MediaError(f"{text}: not an image OpenCV can read (the file is empty)")
    is_jpeg = data[:3].tobytes() == b"\xff\xd8\xff"
    linear = Path(text).suffix.lower() in _LINEAR_SUFFIXES or data[:4].tobytes() == _EXR_MAGIC
    reason = "unrecognised or damaged data"
    try:
        img = cv2.imdecode(data, cv2.IMREAD_COLOR if is_jpeg else cv2.IMREAD_UNCHANGED)
    except cv2.error as exc:
        img, reason = None, str(exc).strip().splitlines()[-1]
    if img is None:
        img = _decode_with_ffmpeg(text, linear, info)
        if img is None:
            raise MediaError(f"{text}: not an image OpenCV can read ({reason})")
        return img
    return _to_rgb8(img, linear, bgr=True)


def _to_rgb8(img: np.ndarray, linear: bool, bgr: bool) -> tuple[np.ndarray, np.ndarray | None]:
    if img.ndim == 2:
        img = img[:, :, None]
    channels = img.shape[2]
    alpha = a = None
    if channels in (2, 4):
        a = img[:, :, -1]
        alpha = to_uint8(a)
        img = img[:, :, :-1]
        channels -= 1
    if channels == 1:
        img = np.repeat(img, 3, axis=2)
    elif bgr:
        img = img[:, :, ::-1]
    if linear and np.issubdtype(img.dtype, np.floating):
        if a is not None:  # EXR colour is premultiplied by alpha; clips hold straight colour
            a = a.astype(np.float32)[:, :, None]
            img = np.where(a > 0, img / np.where(a > 0, a, 1.0), img)
        rgb = linear_to_srgb8(img)
    else:
        rgb = to_uint8(img)
    return np.ascontiguousarray(rgb), (None if alpha is None else np.ascontiguousarray(alpha))


def check_picture(text: str) -> MediaInfo | None:
    """Refuse a picture over the pixel limit, or a video, before decoding anything.

    The size comes from the header (:func:`~studio.media.imagesize.header_size`), else from
    ffmpeg's report, whose result is returned (``None`` when the header sufficed or ffmpeg
    cannot read the file either).
    """
    size = header_size(text)
    info = None
    if size is None:
        try:
            info = probe(text, count="none")
        except MediaError:
            info = None
        if info is not None and (not info.has_video or info.is_text):
            info = None
        if info is not None:
            if not info.is_still:
                raise MediaError(f"{text}: is a video ({info.picture_kind}), not a still image: use Load Video")
            if info.width > 0 and info.height > 0:
                size = info.display_size
    if size is not None:
        check_pixels(text, *size)
    return info


def _decode_with_ffmpeg(text: str, linear: bool, info: MediaInfo | None = None
                        ) -> tuple[np.ndarray, np.ndarray | None] | None:
    """Decode the first picture of ``text`` with ffmpeg (EXR without OpenEXR in cv2, DPX...)."""
    if info is None:
        try:
            info = probe(text, count="none")
        except MediaError:
            return None
    if not info.has_video or info.is_text or info.width <= 0 or info.height <= 0:
        return None
    check_pixels(text, *info.display_size)
    w, h = info.display_size
    floating = linear or (info.pix_fmt or "").endswith(("f32le", "f32be", "f16le", "f16be"))
    pix_fmt = "gbrapf32le" if floating else "rgba64le"
    proc = _ffmpeg.run(["-v", "error", "-i", _ffmpeg.file_arg(text), "-map", f"0:{info.video_stream}",
                        "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", pix_fmt, "pipe:1"], timeout=120, label=text)
    if proc.returncode != 0:
        return None
    if floating:
        planes = np.frombuffer(proc.stdout, "<f4")
        if planes.size != 4 * h * w:
            return None
        planes = planes.reshape(4, h, w)
        if not linear:  # float but display-referred (float TIFF and the like)
            g, b, r, a = planes
            return _to_rgb8(np.dstack([r, g, b, a] if info.has_alpha else [r, g, b]), linear=False, bgr=False)
        out = gbr_planes_to_rgb8(planes if info.has_alpha else planes[:3], alpha=info.has_alpha)
        return (out[:, :, :3].copy(), out[:, :, 3].copy()) if info.has_alpha else (out, None)
    px = np.frombuffer(proc.stdout, np.uint16)
    if px.size != 4 * h * w:
        return None
    img = px.reshape(h, w, 4)
    return _to_rgb8(img if info.has_alpha else img[:, :, :3], linear=False, bgr=False)


def write_image(path: str | os.PathLike, rgb: np.ndarray, alpha: np.ndarray | None = None, *,
                quality: int = 95) -> str:
    """Write (H, W, 3) RGB (uint8, or uint16 for PNG/TIFF) with optional (H, W) alpha.

    The format follows the suffix: ``.png .jpg .jpeg .tif .tiff .webp .bmp`` through OpenCV,
    ``.exr`` through ffmpeg (linearised half float).  Returns the path written.
    """
    text = os.fspath(path)
    suffix = Path(text).suffix.lower()
    if not isinstance(rgb, np.ndarray) or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise MediaError(f"{text}: expected an (H, W, 3) image, got {getattr(rgb, 'shape', type(rgb).__name__)}")
    if alpha is not None and (alpha.shape != rgb.shape[:2]):
        raise MediaError(f"{text}: alpha {alpha.shape} does not match the image {rgb.shape[:2]}")
    folder = os.path.dirname(os.path.abspath(text))
    if not os.path.isdir(folder):
        raise MediaError(f"{text}: folder {folder} does not exist")
    if suffix == ".exr":
        data = _encode_exr(text, rgb, alpha)
    else:
        if suffix not in IMAGE_SUFFIXES:
            raise MediaError(f"{text}: cannot write {suffix or 'files without a suffix'}; "
                             f"use one of {', '.join(IMAGE_SUFFIXES)}")
        if rgb.dtype not in (np.uint8, np.uint16) or (rgb.dtype == np.uint16 and suffix not in (".png", ".tif", ".tiff")):
            raise MediaError(f"{text}: cannot write {rgb.dtype} pixels as {suffix}")
        img = np.ascontiguousarray(rgb[:, :, ::-1])
        if alpha is not None:
            img = np.dstack([img, alpha.astype(img.dtype)])
        params = []
        if suffix in (".jpg", ".jpeg"):
            params = [cv2.IMWRITE_JPEG_QUALITY, int(quality)]
        elif suffix == ".webp":
            params = [cv2.IMWRITE_WEBP_QUALITY, int(quality)]
        try:
            ok, buf = cv2.imencode(suffix, img, params)
        except cv2.error as exc:
            raise MediaError(f"{text}: OpenCV cannot encode it ({str(exc).strip().splitlines()[-1]})") from None
        if not ok:
            raise MediaError(f"{text}: OpenCV cannot encode {suffix}")
        data = buf.tobytes()
    try:
        fd, tmp = make_partial_file(folder, Path(text).stem, suffix)
    except OSError as exc:
        raise MediaError(f"{text}: {_write_failure(exc, folder)}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        make_public(tmp)
        os.replace(tmp, text)
    except OSError as exc:
        remove_quietly(tmp)
        raise MediaError(f"{text}: {_write_failure(exc, folder)}") from None
    return text


def _write_failure(exc: OSError, folder: str) -> str:
    if is_disk_full(exc):
        return disk_full_reason(folder, quota=exc.errno != errno.ENOSPC)
    return f"cannot write ({exc.strerror or exc})"


def _encode_exr(text: str, rgb: np.ndarray, alpha: np.ndarray | None) -> bytes:
    if rgb.dtype == np.uint8:
        lin = SRGB8_TO_LINEAR[rgb]
    elif rgb.dtype == np.uint16:
        lin = srgb_to_linear(rgb.astype(np.float32) / 65535.0)
    else:
        lin = rgb.astype(np.float32)  # float input is taken as linear already
    h, w = rgb.shape[:2]
    planes = [lin[:, :, 1], lin[:, :, 2], lin[:, :, 0]]
    pix_fmt = "gbrpf32le"
    if alpha is not None:
        a = alpha.astype(np.float32)
        planes.append(a / (255.0 if alpha.dtype == np.uint8 else 65535.0) if alpha.dtype != np.float32 else a)
        pix_fmt = "gbrapf32le"
    raw = np.ascontiguousarray(np.stack(planes), dtype="<f4").tobytes()
    proc = _run_with_input(["-v", "error", "-f", "rawvideo", "-pix_fmt", pix_fmt, "-s", f"{w}x{h}", "-i", "pipe:0",
                            "-frames:v", "1", "-c:v", "exr", "-format", "half", "-compression", "zip1",
                            "-f", "image2pipe", "pipe:1"], raw)
    if proc.returncode != 0 or not proc.stdout:
        raise MediaError(f"{text}: ffmpeg cannot write EXR ({_ffmpeg.stderr_tail(proc.stderr, 3)})")
    return proc.stdout


def _run_with_input(args: list[str], data: bytes) -> subprocess.CompletedProcess:
    return _ffmpeg.run(args, input=data, timeout=120, label="EXR encoder")


# ---------------------------------------------------------------------------------------------
# video


def open_video(path: str | os.PathLike, first: int = 0, last: int | None = None, *,
               fps: Fraction | str | float | int | None = None, alpha: bool = False) -> Clip:
    """A streaming clip of frames ``first`` .. ``last`` (inclusive) of the video at ``path``.

    ``fps`` is the rate of an image sequence (default 24) and is ignored for movie files.
    ``alpha=True`` also decodes the alpha channel when the stream has one.
    """
    text = os.fspath(path)
    sequence = not os.path.isfile(text) and (is_pattern(text) or os.path.isdir(text))
    info = probe(text, count="packets")
    if not info.has_video or not info.frames:
        raise MediaError(f"{text}: no video stream")
    if info.is_text:
        raise MediaError(f"{text}: is a text file, not a video")
    if info.is_still and (info.width <= 0 or info.height <= 0):
        raise MediaError(f"{text}: not a video ffmpeg can read (it is named like a {info.picture_kind} picture, "
                         f"but ffmpeg cannot read one from it)")
    if info.is_still:
        raise MediaError(f"{text}: is a still image ({info.picture_kind}), not a video: use Load Image")
    if sequence:
        rate = parse_rate(fps if fps is not None else 24)
        mapping = np.arange(info.frames, dtype=np.int64)
    else:
        rate = info.fps or parse_rate(fps if fps is not None else 24)
        if info.vfr and info.frame_pts is not None and info.time_base is not None:
            mapping = vfr_mapping(info.frame_pts, info.time_base, rate)
        else:
            mapping = np.arange(info.frames, dtype=np.int64)
    n = len(mapping)
    last = n - 1 if last is None else last
    if not (isinstance(first, (int, np.integer)) and isinstance(last, (int, np.integer))) or not 0 <= first <= last < n:
        raise MediaError(f"{text}: frame range {first}..{last} outside the file's frames 0..{n - 1}")
    check_pixels(text, *info.display_size)
    channels = 4 if alpha and info.has_alpha else 3
    source = VideoSource(info, mapping[first:last + 1], rate, channels=channels)
    frames, alpha_source = (source, None) if channels == 3 else (ChannelView(source, "rgb"), ChannelView(source, "alpha"))
    start_frame = first
    if sequence:
        start_frame += info.start_number or 0
    elif info.timecode:
        try:
            start_frame += parse_timecode(info.timecode, rate)
        except TimecodeError:
            pass  # an unreadable tag is no timecode
    audio = None
    if info.has_audio and not sequence:
        start = first / float(rate)
        if info.frame_pts is not None and info.time_base is not None:  # where the picture really is
            if info.vfr:
                shown = info.frame_pts[0] * info.time_base + Fraction(first) / rate
            else:
                shown = info.frame_pts[first] * info.time_base
            start = max(0.0, float(shown) - info.start_time)
        audio = AudioRef(text, start=start, duration=(last + 1 - first) / float(rate))
    return Clip(frames, rate, start_frame=start_frame, alpha=alpha_source, audio=audio,
                name=Path(text).stem if not sequence else Path(text.rstrip("/\\")).name)


def read_video(path: str | os.PathLike, first: int = 0, last: int | None = None, **kw) -> Clip:
    """:func:`open_video` with every frame decoded into memory (for small clips and tests)."""
    clip = open_video(path, first, last, **kw)
    try:
        return clip.materialise()
    finally:
        for src in {id(s): s for s in (clip._frames, clip._alpha) if s is not None}.values():
            close = getattr(src, "close", None)
            if close:
                close()


def video_info(clip: Clip) -> MediaInfo | None:
    """The probe result behind a clip made by :func:`open_video` (``None`` for other clips)."""
    src = clip._frames
    base = getattr(src, "base", src)
    return getattr(base, "info", None)


__all__ = ["IMAGE_SUFFIXES", "open_video", "read_image", "read_image_alpha", "read_video", "video_info",
           "write_image"]
