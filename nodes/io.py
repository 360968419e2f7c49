"""Input and output nodes: LoadImage, LoadVideo, WriteVideo.

Errors name the real problem, at the node that reads the file: a path that is not a file
says what it is ("is a folder", "is a named pipe (FIFO)", "is a device": looked at, never
opened), a still picture given to Load Video is refused there ("is a still image (PNG), not a
video: use Load Image"), a video given to Load Image likewise, and a picture over the pixel
limit (``CINEGRAPH_MAX_IMAGE_PIXELS``, default 100 megapixels) is refused before it is decoded.
:func:`studio.media.check.media_problem` finds the same problems before a render starts.
"""

from __future__ import annotations

from studio.errors import MediaError
from studio.graph import Choice, FilePath, Input, Int, NodeType, Output, String
from studio.media.export import PRESETS, export_clip
from studio.media.io import open_video, read_image
from studio.timecode import parse_timecode

from nodes._common import file_stamp, require_file


def _load_image(ctx, *, path):
    return {"image": read_image(require_file(path, "path"))}


def _load_video(ctx, *, path, first, last):
    require_file(path, "path")
    if last != -1 and last < first:
        raise MediaError(f"last frame {last} is before first frame {first}")
    clip = open_video(path, first=first, last=None if last < 0 else last)
    return {"clip": clip, "frame": clip.frame(0)}


def _write_video(ctx, *, clip, path, preset, timecode, reel, first, last):
    if not path:
        raise MediaError("path: no output file chosen")
    if last != -1 and last < first:
        raise MediaError(f"last frame {last} is before first frame {first}")
    n = len(clip)
    if first >= n:
        raise MediaError(f"first frame {first} is past the clip's last frame {n - 1}")
    stop = n if last < 0 else min(last + 1, n)
    if timecode:
        parse_timecode(timecode, clip.fps)  # a clear error before any encoding starts
    export_clip(clip.trimmed(first, stop), path, None if preset == "auto" else preset,
                timecode=timecode or None, reel=reel or None,
                progress=ctx.progress, check_cancel=ctx.check_cancel)
    return {}


NODES = [
    NodeType(
        "LoadImage", "Load Image", "Input", _load_image,
        outputs=(Output("image", "Image"),),
        params=(FilePath("path", file_filter="image", description="PNG, JPEG, TIFF, EXR or WebP file"),),
        icon="fa5s.image", description="Reads a still image (png, jpg, tiff, exr, webp) as 8-bit RGB.",
        fingerprint=lambda p: file_stamp(p["path"])),
    NodeType(
        "LoadVideo", "Load Video", "Input", _load_video,
        outputs=(Output("clip", "Clip"), Output("frame", "Image", description="the first frame of the range")),
        params=(FilePath("path", file_filter="video", description="anything ffmpeg reads"),
                Int("first", 0, min=0, description="first frame of the range (0-based)"),
                Int("last", -1, min=-1, description="last frame of the range, inclusive; -1 for the end")),
        icon="fa5s.film",
        description="Reads footage with its frame rate, start timecode and audio; streams frames on demand.",
        fingerprint=lambda p: file_stamp(p["path"])),
    NodeType(
        "WriteVideo", "Write Video", "Output", _write_video,
        inputs=(Input("clip", "Clip"),),
        params=(FilePath("path", file_filter="video", save=True,
                         description=".mov, .mp4, a folder or a %04d pattern for image sequences"),
                Choice("preset", ("auto",) + tuple(PRESETS), "auto",
                       description="auto picks from the suffix: .mov ProRes 422 HQ, .mp4 H.264, folder PNG"),
                String("timecode", "", description="start timecode HH:MM:SS:FF; empty keeps the clip's own"),
                String("reel", "", description="reel name written into the file"),
                Int("first", 0, min=0, description="first frame to write"),
                Int("last", -1, min=-1, description="last frame to write, inclusive; -1 for the end")),
        icon="fa5s.file-export", side_effect=True,
        description="Encodes a clip to a file or image sequence (atomic: no partial file on failure)."),
]
