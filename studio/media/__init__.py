"""Media: the Clip type, decoding and encoding through the bundled ffmpeg, export presets.

Semantics and assumptions
-------------------------
* Everything here uses numpy, OpenCV (images only), the standard library and
  imageio-ffmpeg's ffmpeg executable; no Qt, no torch.
* Importing this package starts no process and does not import OpenCV: the image and video
  readers (``read_image``, ``open_video``, ...) are loaded on first use.
* See :mod:`studio.media.clip` (frames, rate, timecode, audio), :mod:`~studio.media.probe`
  (what a file holds), :mod:`~studio.media.io` (reading), :mod:`~studio.media.export` and
  :mod:`~studio.media.presets` (writing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from studio.media.clip import AudioRef, CallableSource, Clip, FrameSource
from studio.media.export import ExportResult, encoder_command, export_clip
from studio.media.presets import PRESETS, Preset, preset_for_path
from studio.media.probe import MediaInfo, probe
from studio.timecode import format_timecode, parse_rate, parse_timecode

if TYPE_CHECKING:  # pragma: no cover
    from studio.media.io import open_video, read_image, read_image_alpha, read_video, write_image

_LAZY = {"open_video", "read_image", "read_image_alpha", "read_video", "write_image"}


def __getattr__(name: str):
    if name in _LAZY:
        from studio.media import io

        return getattr(io, name)
    raise AttributeError(f"module 'studio.media' has no attribute {name!r}")


__all__ = ["PRESETS", "AudioRef", "CallableSource", "Clip", "ExportResult", "FrameSource", "MediaInfo", "Preset",
           "encoder_command", "export_clip", "format_timecode", "open_video", "parse_rate", "parse_timecode",
           "preset_for_path", "probe", "read_image", "read_image_alpha", "read_video", "write_image"]
