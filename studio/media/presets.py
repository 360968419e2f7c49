"""Export presets: what each named deliverable is, and which preset a path asks for.

Semantics and assumptions
-------------------------
* A preset is data: the encoder and its arguments, the pixel format fed to it, whether it is
  a movie (``kind="video"``, one file) or an image sequence (``kind="sequence"``, one file
  per frame), and what decoding the result should report (``codec`` / ``profile`` /
  ``decoded_pix_fmt``, as :func:`probe` prints them), which the export verifies and the tests
  check.
* Movie presets convert RGB to Y'CbCr with the BT.709 matrix into limited ("tv") range and
  tag BT.709 primaries, transfer and matrix.  Chroma-subsampled ones (4:2:2, 4:2:0) need an
  even width and height: odd frames are padded by one row/column repeating the edge.
* Quirks, found with the bundled ffmpeg (n9.0):
  - ffmpeg's ProRes decoder reports 4444 as 12-bit: ``yuv444p12le``/``yuva444p12le``,
    although prores_ks is fed 10-bit ``yuv444p10le``/``yuva444p10le``.
  - DNxHR refuses frames smaller than 256x120 (``min_size``).
  - The encoder's ``-color_primaries``/``-color_trc`` options are overridden by the
    (unspecified) properties of the filtered frames, so the chain ends with ``setparams``,
    which is what actually tags the stream.
* Sequence presets keep RGB: PNG/TIFF 8-bit (RGBA with alpha; PNG at zlib level 3, which
  encodes photographic 1080p frames about 4x faster than ffmpeg's default for ~8% more
  bytes), DPX 10-bit ``gbrp10le``,
  EXR half float, scene-linear (8-bit sRGB frames are linearised before encoding; with
  alpha, ffmpeg's EXR encoder premultiplies the colour, as EXR expects).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from studio.errors import MediaError
from studio.media.sequence import is_pattern


@dataclass(frozen=True)
class Preset:
    """One export deliverable.  ``pix_fmt`` is what the encoder gets (``alpha_pix_fmt`` with alpha)."""

    name: str
    label: str
    suffix: str
    kind: str  # "video" | "sequence"
    pix_fmt: str
    codec_args: tuple[str, ...]
    codec: str
    profile: str | None = None
    supports_alpha: bool = False
    alpha_pix_fmt: str | None = None
    needs_even_size: bool = False
    min_size: tuple[int, int] = (1, 1)
    suffixes: tuple[str, ...] = ()
    decoded_pix_fmt: str | None = None
    decoded_alpha_pix_fmt: str | None = None
    color_trc: str = "bt709"
    linear: bool = False

    @property
    def is_sequence(self) -> bool:
        return self.kind == "sequence"

    @property
    def container(self) -> str | None:
        """ffmpeg's muxer name for a movie preset given the output suffix default."""
        return {".mov": "mov", ".mp4": "mp4"}.get(self.suffix)

    def encoder_pix_fmt(self, alpha: bool) -> str:
        return self.alpha_pix_fmt if alpha and self.supports_alpha and self.alpha_pix_fmt else self.pix_fmt

    def expected_pix_fmt(self, alpha: bool) -> str:
        """The pixel format :func:`probe` reports for the exported file."""
        if alpha and self.supports_alpha:
            return self.decoded_alpha_pix_fmt or self.alpha_pix_fmt or self.pix_fmt
        return self.decoded_pix_fmt or self.pix_fmt


def _prores(name: str, label: str, profile_arg: str, profile: str) -> Preset:
    return Preset(name, label, ".mov", "video", "yuv422p10le",
                  ("-c:v", "prores_ks", "-profile:v", profile_arg, "-vendor", "apl0"), "prores", profile,
                  needs_even_size=True, suffixes=(".mov",))


def _dnxhr(name: str, label: str, profile_arg: str, profile: str, pix_fmt: str = "yuv422p") -> Preset:
    return Preset(name, label, ".mov", "video", pix_fmt, ("-c:v", "dnxhd", "-profile:v", profile_arg), "dnxhd",
                  profile, needs_even_size=True, min_size=(256, 120), suffixes=(".mov",))


_ALL = [
    _prores("prores_proxy", "Apple ProRes 422 Proxy", "proxy", "Proxy"),
    _prores("prores_lt", "Apple ProRes 422 LT", "lt", "LT"),
    _prores("prores", "Apple ProRes 422", "standard", "Standard"),
    _prores("prores_hq", "Apple ProRes 422 HQ", "hq", "HQ"),
    Preset("prores_4444", "Apple ProRes 4444 (with alpha)", ".mov", "video", "yuv444p10le",
           ("-c:v", "prores_ks", "-profile:v", "4444", "-vendor", "apl0", "-alpha_bits", "16"), "prores", "4444",
           supports_alpha=True, alpha_pix_fmt="yuva444p10le", suffixes=(".mov",),
           decoded_pix_fmt="yuv444p12le", decoded_alpha_pix_fmt="yuva444p12le"),
    _dnxhr("dnxhr_lb", "Avid DNxHR LB", "dnxhr_lb", "DNXHR LB"),
    _dnxhr("dnxhr_sq", "Avid DNxHR SQ", "dnxhr_sq", "DNXHR SQ"),
    _dnxhr("dnxhr_hq", "Avid DNxHR HQ", "dnxhr_hq", "DNXHR HQ"),
    _dnxhr("dnxhr_hqx", "Avid DNxHR HQX (10-bit)", "dnxhr_hqx", "DNXHR HQX", "yuv422p10le"),
    Preset("h264", "H.264 (review)", ".mp4", "video", "yuv420p",
           ("-c:v", "libx264", "-preset", "medium", "-crf", "18", "-profile:v", "high"), "h264", "High",
           needs_even_size=True, suffixes=(".mp4", ".mov")),
    Preset("h265", "H.265 / HEVC (review)", ".mp4", "video", "yuv420p",
           ("-c:v", "libx265", "-preset", "medium", "-crf", "20", "-tag:v", "hvc1",
            "-x265-params", "log-level=error"), "hevc", "Main",
           needs_even_size=True, suffixes=(".mp4", ".mov")),
    Preset("png", "PNG sequence", ".png", "sequence", "rgb24", ("-c:v", "png", "-compression_level", "3"), "png",
           supports_alpha=True, alpha_pix_fmt="rgba", suffixes=(".png",), color_trc="iec61966-2-1"),
    Preset("tiff", "TIFF sequence", ".tif", "sequence", "rgb24", ("-c:v", "tiff", "-compression_algo", "deflate"),
           "tiff", supports_alpha=True, alpha_pix_fmt="rgba", suffixes=(".tif", ".tiff"), color_trc="iec61966-2-1"),
    Preset("exr", "OpenEXR sequence (half, linear)", ".exr", "sequence", "gbrpf32le",
           ("-c:v", "exr", "-format", "half", "-compression", "zip1"), "exr", supports_alpha=True,
           alpha_pix_fmt="gbrapf32le", suffixes=(".exr",), decoded_pix_fmt="gbrpf16le",
           decoded_alpha_pix_fmt="gbrapf16le", color_trc="linear", linear=True),
    Preset("dpx", "DPX sequence (10-bit)", ".dpx", "sequence", "gbrp10le", ("-c:v", "dpx"), "dpx",
           suffixes=(".dpx",)),
]

#: Every preset by name.
PRESETS: dict[str, Preset] = {p.name: p for p in _ALL}

#: The preset a suffix asks for when none is named.
SUFFIX_DEFAULTS = {".mov": "prores_hq", ".mp4": "h264", ".png": "png", ".tif": "tiff", ".tiff": "tiff",
                   ".exr": "exr", ".dpx": "dpx"}


def get_preset(preset: str | Preset) -> Preset:
    """A preset by name (or the preset itself); MediaError lists the names when unknown."""
    if isinstance(preset, Preset):
        return preset
    try:
        return PRESETS[str(preset)]
    except KeyError:
        raise MediaError(f"unknown export preset {preset!r}; choose one of {', '.join(PRESETS)}") from None


def _allowed() -> str:
    return ("a .mov or .mp4 file, a folder (PNG sequence), or a pattern such as out/frame_%04d.png "
            "(.png, .tif, .tiff, .exr, .dpx)")


def preset_for_path(path: str | os.PathLike) -> str:
    """The preset name a destination asks for.

    ``.mov`` -> ``prores_hq``, ``.mp4`` -> ``h264``; an existing folder or a path without a
    suffix -> ``png`` (a sequence in that folder); a printf pattern ``out/frame_%04d.EXT`` ->
    the sequence preset of ``EXT`` (png, tiff, exr, dpx).  Anything else is a MediaError
    naming the path and what is allowed.
    """
    text = os.fspath(path)
    suffix = Path(text).suffix.lower()
    if is_pattern(text) and suffix not in (".mov", ".mp4"):  # "100%done.mov" is just a name
        name = SUFFIX_DEFAULTS.get(suffix)
        if name is None or not PRESETS[name].is_sequence:
            raise MediaError(f"{text}: an image sequence must end in .png, .tif, .tiff, .exr or .dpx; "
                             f"allowed: {_allowed()}")
        return name
    if os.path.isdir(text) or not suffix or text.endswith(("/", os.sep)):
        return "png"
    if suffix in (".mov", ".mp4"):
        return SUFFIX_DEFAULTS[suffix]
    if suffix in SUFFIX_DEFAULTS:
        stem = Path(text).stem
        raise MediaError(f"{text}: a sequence needs a frame-number pattern, e.g. "
                         f"{os.path.join(os.path.dirname(text), stem + '_%04d' + suffix)}; allowed: {_allowed()}")
    raise MediaError(f"{text}: cannot export to {suffix!r}; allowed: {_allowed()}")


__all__ = ["PRESETS", "Preset", "SUFFIX_DEFAULTS", "get_preset", "preset_for_path"]
