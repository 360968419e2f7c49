"""What a media file holds, read from the bundled ffmpeg's own report (there is no ffprobe).

Semantics and assumptions
-------------------------
* ``ffmpeg -hide_banner -i PATH`` prints a report of the container and every stream and then
  fails (no output given); :func:`parse_report` reads that text.  The first video stream that
  is not an attached picture is *the* video stream; the first audio stream is *the* audio.
* Values are kept the way ffmpeg prints them: ``video_codec`` ``"prores"``, ``video_profile``
  ``"HQ"`` (so :attr:`MediaInfo.codec` is ``"prores (HQ)"``), ``pix_fmt`` ``"yuv422p10le"``,
  ``color_range`` ``"tv"``, ``color_space`` / ``color_primaries`` / ``color_transfer``
  ``"bt709"``.  A tag ffmpeg prints as ``unknown`` (or does not print) is ``None``.
  ``pix_fmt_text`` holds the whole printed token, e.g. ``"yuv422p10le(tv, bt709, progressive)"``.
* Frame counts: ``count="decode"`` (the default) decodes the video stream
  (``-map 0:V -f null -``, no frame dropped or duplicated) and counts the frames, and decodes
  the first audio stream to measure its duration exactly; ``count="packets"`` only demuxes
  (much faster; equal for every file we have met, but a damaged stream may decode to fewer
  frames); ``count="none"`` estimates ``duration * fps``.  Both counting modes also record
  each frame's presentation timestamp as stored in the file (``-copyts``; ``frame_pts`` in
  ``time_base`` units, presentation order), which the video reader uses to seek
  frame-accurately: ffmpeg's ``-ss`` counts from ``start_time``, the container's start.
* Frame rate: ffmpeg prints ``fps`` (the average rate) and ``tbr`` (a guess from the smallest
  timestamp step) with two decimals.  With timestamps in hand the rate is measured from them
  exactly (frames spaced by one constant step, give or take one tick, are constant-rate);
  otherwise the printed ``fps`` is used, then ``tbr`` (``tbr`` alone is wrong for GIFs: 100 for
  a 50 fps animation).  A rate within 0.1% of a rate editors know (23.976, 24, 25, 29.97, 30,
  48, 50, 59.94, 60) is that rate, so ``23.98`` is ``24000/1001`` and a phone's ``30.02`` is
  30; other rates are kept as (limited-denominator) fractions.  Streams whose frame steps
  vary (``vfr``) report their average rate, conformed within 2%.
* Timecode: the ``timecode`` tag of the video stream, else of a ``tmcd`` data stream, else of
  the container.  Reel name: the ``reel_name`` tag of any stream (the mov muxer stores it in
  the ``tmcd`` track's source reference and the demuxer reports it on that data stream), else
  of the container (mp4 with ``use_metadata_tags``).
* ``width``/``height`` are the coded size ffmpeg prints; a display-matrix rotation (phone
  footage) is ``rotation`` in degrees and ffmpeg's decoder turns the pictures, so decoded
  frames are :attr:`MediaInfo.display_size`.
* Image sequences (a printf pattern or a folder, see :mod:`sequence`) are probed through
  ffmpeg's image2 demuxer; their frame count is the number of consecutive files, ``fps`` is
  ``None`` (files carry no rate) and ``start_number`` is the first frame number.
* Every failure is a :class:`MediaError` that names the file; a path that is not a regular
  file says what it is ("is a folder", "is a named pipe (FIFO)", "is a device") and is never
  opened.
* :attr:`MediaInfo.is_still` tells a still picture (ffmpeg's image demuxers: ``png_pipe``,
  ``jpeg_pipe``, ``image2``..., or a one-frame GIF/APNG) from a video.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from fractions import Fraction

from studio.errors import MediaError
from studio.media import _ffmpeg
from studio.media._fs import not_a_file
from studio.media.sequence import find_sequence, is_pattern
from studio.timecode import NAMED_RATES

_ANIMATED_PICTURES = ("gif", "apng", "webp")
_PICTURE_NAMES = {"mjpeg": "JPEG", "jpegls": "JPEG-LS", "jpeg2000": "JPEG 2000"}
_ALPHA_PIX_FMTS = re.compile(r"^(yuva|rgba|bgra|argb|abgr|gbrap|ya\d|rgba64|bgra64|ayuv|vuya)")


@dataclass(frozen=True, eq=False)
class MediaInfo:
    """Everything :func:`probe` learnt about one file (see the module docstring)."""

    path: str
    format_name: str = ""
    duration: float | None = None
    start_time: float = 0.0
    bit_rate_kbps: int | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    # video
    has_video: bool = False
    video_stream: int | None = None
    width: int = 0
    height: int = 0
    fps: Fraction | None = None
    fps_text: str = ""
    frames: int | None = None
    frames_exact: bool = False
    vfr: bool = False
    video_codec: str | None = None
    video_profile: str | None = None
    video_tag: str | None = None
    pix_fmt: str | None = None
    pix_fmt_text: str = ""
    color_range: str | None = None
    color_space: str | None = None
    color_primaries: str | None = None
    color_transfer: str | None = None
    field_order: str | None = None
    rotation: float = 0.0
    video_metadata: dict[str, str] = field(default_factory=dict)
    timecode: str | None = None
    reel_name: str | None = None
    # audio
    has_audio: bool = False
    audio_stream: int | None = None
    audio_codec: str | None = None
    audio_profile: str | None = None
    audio_sample_rate: int | None = None
    audio_channels: int | None = None
    audio_layout: str | None = None
    audio_sample_fmt: str | None = None
    audio_duration: float | None = None
    # image sequences
    is_sequence: bool = False
    start_number: int | None = None
    sequence_pattern: str | None = None
    # timing of every frame (presentation order), when counted
    time_base: Fraction | None = None
    frame_pts: tuple[int, ...] | None = None
    # the raw report, for anything not parsed
    report: str = ""

    @property
    def codec(self) -> str | None:
        """``"prores (HQ)"``, ``"h264 (High)"``, ``"png"``: codec name and profile as printed."""
        if self.video_codec is None:
            return None
        return f"{self.video_codec} ({self.video_profile})" if self.video_profile else self.video_codec

    @property
    def size(self) -> tuple[int, int]:
        """(width, height)"""
        return self.width, self.height

    @property
    def display_size(self) -> tuple[int, int]:
        """(width, height) of the decoded pictures: ffmpeg turns them by ``rotation``."""
        if round(self.rotation) % 180 == 90:
            return self.height, self.width
        return self.width, self.height

    @property
    def has_alpha(self) -> bool:
        return bool(self.pix_fmt and _ALPHA_PIX_FMTS.match(self.pix_fmt))

    @property
    def is_still(self) -> bool:
        """A single picture (PNG, JPEG, EXR, ... or a one-frame GIF/APNG), not a video."""
        if not self.has_video or self.is_sequence:
            return False
        if self.format_name.endswith("_pipe") or self.format_name == "image2":
            return True
        return self.format_name in _ANIMATED_PICTURES and self.frames is not None and self.frames <= 1

    @property
    def is_text(self) -> bool:
        """A text file ffmpeg would render as ANSI art (its ``tty`` demuxer): not media."""
        return self.format_name == "tty"

    @property
    def picture_kind(self) -> str:
        """The codec in the words people use for pictures: ``"PNG"``, ``"JPEG"``, ``"h264"``..."""
        codec = self.video_codec or "unknown"
        if self.is_still or self.format_name in _ANIMATED_PICTURES:
            return _PICTURE_NAMES.get(codec, codec.upper())
        return codec

    @property
    def video_duration(self) -> float | None:
        """frames / fps when both are known, else the container duration."""
        if self.frames is not None and self.fps:
            return self.frames / float(self.fps)
        return self.duration


# ---------------------------------------------------------------------------------------------
# public entry point


def probe(path: str | os.PathLike, *, count: str = "decode", timeout: float | None = None) -> MediaInfo:
    """Read what ``path`` holds; ``count`` is ``"decode"``, ``"packets"`` or ``"none"``.

    ``timeout`` limits each ffmpeg run (seconds; the report run is limited to 120 s anyway).
    """
    if count not in ("decode", "packets", "none"):
        raise ValueError(f"count={count!r}: expected 'decode', 'packets' or 'none'")
    text = os.fspath(path)
    if not os.path.isfile(text) and (is_pattern(text) or os.path.isdir(text)):
        return _probe_sequence(text)
    problem = not_a_file(text)
    if problem is not None:
        raise MediaError(f"{text}: {problem}")
    report = _report(text, ["-i", _ffmpeg.file_arg(text)], timeout)
    info = parse_report(report, text)
    if info.has_video and count != "none":
        info = _count(info, count, timeout)
    elif info.has_video:
        info = _with_rate(info, None, None)
    return info


def count_video_packets(path: str | os.PathLike) -> int:
    """The frames of the first video stream by demuxing only, in one ffmpeg run.

    What :func:`probe` ``count="packets"`` counts (packets flagged as edit-list pre-roll are
    left out), without its separate report run: the export's fast, exact check of a file it
    just wrote (each of its codecs puts one frame in each packet).  MediaError when ffmpeg
    cannot read the file or it has no video.
    """
    text = os.fspath(path)
    proc = _ffmpeg.run(["-nostats", "-i", _ffmpeg.file_arg(text), "-map", "0:V:0", "-c", "copy",
                        "-f", "framecrc", "pipe:1"], label=text)
    if proc.returncode != 0:
        raise MediaError(f"{text}: ffmpeg could not read the video ({_ffmpeg.stderr_tail(proc.stderr, 3)})")
    out = proc.stdout.decode("utf-8", "replace")
    return sum(1 for m in _CRC_LINE.finditer(out)
               if m.group(1) == "0" and not (m.group(5) and int(m.group(5), 16) & _PKT_FLAG_DISCARD))


def _report(label: str, input_args: list[str], timeout: float | None = None) -> str:
    proc = _ffmpeg.run(input_args, timeout=min(timeout or 120, 120), label=label)
    report = proc.stderr.decode("utf-8", "replace")
    if "Input #0" not in report:
        raise MediaError(f"{label}: not a media file ffmpeg can read ({open_error(report)})")
    return report


_LOG_PREFIX = re.compile(r"^\[[^\]]*@ 0x[0-9a-fA-F]+\]\s*")


def open_error(report: str) -> str:
    """What ffmpeg said when it could not open a file, without its generic lines and addresses.

    ``"moov atom not found"`` for a movie cut short, rather than "Error opening input file".
    """
    lines = [_LOG_PREFIX.sub("", ln.strip()) for ln in report.splitlines() if ln.strip()]
    specific = [ln for ln in lines if ln and not ln.startswith(("Error opening input", "Error opening output"))]
    if specific:
        return " | ".join(specific[-3:])
    generic = [ln.split(": ", 1)[-1] for ln in lines if ln.startswith("Error opening input")]
    return generic[-1] if generic else _ffmpeg.stderr_tail(report, 3)


def _probe_sequence(text: str) -> MediaInfo:
    seq = find_sequence(text)
    report = _report(text, ["-f", "image2", "-start_number", str(seq.first), "-i", _ffmpeg.file_arg(seq.pattern)])
    info = parse_report(report, text)
    if not info.has_video:
        raise MediaError(f"{text}: image sequence without pictures")
    return _replace(info, is_sequence=True, start_number=seq.first, sequence_pattern=seq.pattern,
                    frames=seq.count, frames_exact=True, fps=None, duration=None)


def _replace(info: MediaInfo, **changes) -> MediaInfo:
    values = {f: getattr(info, f) for f in info.__dataclass_fields__}
    values.update(changes)
    return MediaInfo(**values)


# ---------------------------------------------------------------------------------------------
# counting frames and measuring timestamps

_SHOWINFO_TB = re.compile(r"config in time_base:\s*(\d+)/(\d+)")
# Not anchored to a line start or a word boundary: ffmpeg logs from several threads and keeps
# one "line started" state for all of them, so a showinfo report may run straight on from
# another thread's unfinished line ("  Stream #1n:   2 pts:   2002 ...", when the muxer of a
# second output prints its stream list while frames are filtered).  Each report's fields are
# written by one atomic log call, so they are always whole.
_SHOWINFO_FRAME = re.compile(r"n:\s*(\d+)\s+pts:\s*(\S+)\s+pts_time:\S*\s+duration:\s*(\S+)")
_CRC_TB = re.compile(r"^#tb (\d+): (\d+)/(\d+)", re.M)
_CRC_LINE = re.compile(r"^\s*(\d+),\s*(-?\d+),\s*(-?\d+),\s*(-?\d+),[^\n]*?(?:F=0x([0-9A-Fa-f]+))?\s*$", re.M)
_PKT_FLAG_DISCARD = 0x4  # framecrc prints flags other than "key" as F=0x..; 4 marks edit-list pre-roll


def _count(info: MediaInfo, mode: str, timeout: float | None = None) -> MediaInfo:
    src = _ffmpeg.file_arg(info.path)
    vmap = ["-map", f"0:{info.video_stream}"]
    amap = ["-map", f"0:{info.audio_stream}"] if info.has_audio else []
    if mode == "decode":
        args = ["-nostats", "-copyts", "-i", src, *vmap, "-vf", "showinfo=checksum=0", "-fps_mode", "passthrough",
                "-f", "null", "-"]
        if amap:
            args += [*amap, "-c:a", "pcm_s16le", "-f", "framecrc", "pipe:1"]
    else:
        args = ["-nostats", "-copyts", "-i", src, *vmap, *amap, "-c", "copy", "-f", "framecrc", "pipe:1"]
    proc = _ffmpeg.run(args, timeout=timeout, label=info.path)
    err = proc.stderr.decode("utf-8", "replace")
    out = proc.stdout.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise MediaError(f"{info.path}: ffmpeg could not {'decode' if mode == 'decode' else 'read'} the video "
                         f"({_ffmpeg.stderr_tail(err, 3)})")
    tbs = {int(m.group(1)): Fraction(int(m.group(2)), int(m.group(3))) for m in _CRC_TB.finditer(out)}
    crc: dict[int, list[tuple[int | None, int]]] = {}
    for m in _CRC_LINE.finditer(out):
        if m.group(5) and int(m.group(5), 16) & _PKT_FLAG_DISCARD:
            continue  # demuxed but never shown (before the start of an edit list)
        p = int(m.group(3))
        crc.setdefault(int(m.group(1)), []).append((None if p < -(1 << 62) else p, int(m.group(4))))
    audio_duration = None
    if mode == "decode":
        m = _SHOWINFO_TB.search(err)
        tb = Fraction(int(m.group(1)), int(m.group(2))) if m else None
        frames_seen = showinfo_frames(err)
        pts = [p for p, _ in frames_seen]
        durs = [d for _, d in frames_seen]
        if amap and 0 in tbs:
            audio_duration = float(sum(d for _, d in crc.get(0, [])) * tbs[0])
    else:
        tb = tbs.get(0)
        packets = crc.get(0, [])
        if all(p is not None for p, _ in packets):
            packets = sorted(packets)  # type: ignore[arg-type]  # decode order -> presentation order
        pts = [p for p, _ in packets]
        durs = [d for _, d in packets]
        if amap and 1 in tbs:
            audio_duration = float(sum(d for _, d in crc.get(1, [])) * tbs[1])
    frames = len(pts)
    if frames == 0:
        raise MediaError(f"{info.path}: the video stream holds no decodable frames")
    usable = tb is not None and all(p is not None for p in pts) and all(b > a for a, b in zip(pts, pts[1:]))
    info = _replace(info, frames=frames, frames_exact=True, audio_duration=audio_duration,
                    time_base=tb if usable else None, frame_pts=tuple(pts) if usable else None)  # type: ignore[arg-type]
    return _with_rate(info, tb if usable else None, durs)


def showinfo_frames(log: str) -> list[tuple[int | None, int | None]]:
    """(pts, duration) of every frame the ``showinfo`` filter reported in ``log``, in order."""
    return [(_int_or_none(m.group(2)), _int_or_none(m.group(3))) for m in _SHOWINFO_FRAME.finditer(log)]


def _int_or_none(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# frame rates


def conform_rate(rate: Fraction, tolerance: float = 0.001) -> Fraction:
    """The named rate nearest ``rate`` when within ``tolerance`` (relative), else ``rate``."""
    best = min(NAMED_RATES.values(), key=lambda r: abs(float(r) - float(rate)))
    if abs(float(best) - float(rate)) <= tolerance * float(best):
        return best
    return rate if rate.denominator <= 1001 else rate.limit_denominator(1001)


def _printed_rate(text: str) -> Fraction | None:
    m = re.match(r"^([\d.]+)(k?)$", text)
    if not m:
        return None
    try:
        value = Fraction(m.group(1)) * (1000 if m.group(2) else 1)
    except (ValueError, ZeroDivisionError):
        return None
    return value if value > 0 else None


def _with_rate(info: MediaInfo, tb: Fraction | None, durs: list[int | None] | None) -> MediaInfo:
    printed = {kind: value for value, kind in re.findall(r"([\d.]+k?) (fps|tbr)", info.fps_text)}
    avg = _printed_rate(printed.get("fps", ""))
    tbr = _printed_rate(printed.get("tbr", ""))
    pts = info.frame_pts
    vfr = False
    rate: Fraction | None = None
    if tb is not None and pts is not None and len(pts) >= 2:
        steps = [b - a for a, b in zip(pts, pts[1:])]
        lo, hi = min(steps), max(steps)
        mean = Fraction(pts[-1] - pts[0], len(pts) - 1)
        if hi - lo <= 1 or (hi - lo) <= 0.01 * mean:
            rate = conform_rate(1 / (mean * tb))
        else:
            vfr = True
            last = durs[-1] if durs and durs[-1] else round(mean)
            span = (pts[-1] - pts[0] + last) * tb
            measured = Fraction(len(pts)) / span if span > 0 else None
            base = avg or measured or tbr
            rate = conform_rate(base, 0.02) if base else None
    if rate is None:
        base = avg or tbr
        rate = conform_rate(base) if base else None
    frames = info.frames
    if frames is None and rate and info.duration:
        frames = max(1, round(info.duration * float(rate)))
    return _replace(info, fps=rate, vfr=vfr, frames=frames)


# ---------------------------------------------------------------------------------------------
# parsing the report

_STREAM = re.compile(r"^Stream #\d+:(\d+)(?:\[[^\]]*\])?(?:\(([^)]*)\))?: (\w+): (.*)$")
_INPUT = re.compile(r"^Input #\d+, (.+?), from '")
_DURATION = re.compile(r"^Duration: ([^,]+), start: ([^,]+)(?:, bitrate: (\d+) kb/s)?")
_ROTATION = re.compile(r"rotation of (-?[\d.]+) degrees", re.I)
_FIELD_ORDERS = ("progressive", "top first", "bottom first", "top coded first (swapped)",
                 "bottom coded first (swapped)")
_LAYOUT_CHANNELS = {"mono": 1, "stereo": 2, "2.1": 3, "3.0": 3, "3.0(back)": 3, "4.0": 4, "quad": 4,
                    "quad(side)": 4, "3.1": 4, "5.0": 5, "5.0(side)": 5, "4.1": 5, "5.1": 6, "5.1(side)": 6,
                    "6.0": 6, "6.0(front)": 6, "hexagonal": 6, "6.1": 7, "6.1(back)": 7, "6.1(front)": 7,
                    "7.0": 7, "7.0(front)": 7, "7.1": 8, "7.1(wide)": 8, "7.1(wide-side)": 8, "octagonal": 8,
                    "downmix": 2, "hexadecagonal": 16}


def split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside parentheses or brackets."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def _codec(token: str) -> tuple[str, str | None, str | None]:
    name = token.split()[0] if token.split() else token
    groups = re.findall(r"\(([^()]*)\)", token[len(name):])
    profile = next((g for g in groups if " / 0x" not in g), None)
    tag = next((g.split(" / ")[0] for g in groups if " / 0x" in g), None)
    return name, profile, tag


def _parse_pix_fmt(token: str) -> dict:
    m = re.match(r"^([\w]+)(?:\((.*)\))?", token)
    out: dict = {"pix_fmt_text": token}
    if not m:
        return out
    out["pix_fmt"] = m.group(1) if m.group(1) != "none" else None
    for part in split_top_level(m.group(2) or ""):
        if part in ("tv", "pc"):
            out["color_range"] = part
        elif part in _FIELD_ORDERS:
            out["field_order"] = part
        elif re.fullmatch(r"\d+ bpc", part):
            continue
        elif "/" in part:
            space, prim, trc = (part.split("/") + ["", ""])[:3]
            out["color_space"], out["color_primaries"], out["color_transfer"] = (
                None if v in ("unknown", "") else v for v in (space, prim, trc))
        elif re.fullmatch(r"[\w\-.]+", part) and part not in ("left", "center", "topleft", "top", "bottomleft", "bottom"):
            v = None if part == "unknown" else part
            out["color_space"] = out["color_primaries"] = out["color_transfer"] = v
    return out


def _channels(layout: str) -> int | None:
    if layout in _LAYOUT_CHANNELS:
        return _LAYOUT_CHANNELS[layout]
    m = re.match(r"^(\d+) channels", layout)
    if m:
        return int(m.group(1))
    m = re.match(r"^(\d+)\.(\d+)", layout)
    if m:
        return int(m.group(1)) + int(m.group(2))
    return None


def _seconds(text: str) -> float | None:
    m = re.match(r"^(\d+):(\d+):(\d+(?:\.\d+)?)$", text.strip())
    if not m:
        return None
    return int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3))


def parse_report(report: str, path: str = "") -> MediaInfo:
    """Parse the text ``ffmpeg -hide_banner -i PATH`` prints (the first input only)."""
    info: dict = {"path": path, "report": report}
    fmt_meta: dict[str, str] = {}
    streams: list[dict] = []
    owner: dict[str, str] = fmt_meta  # whose "Metadata:" block comes next
    owner_indent = 0
    meta_target: dict[str, str] | None = None
    meta_indent = -1
    last_key: str | None = None
    in_input = False
    for raw in report.splitlines():
        if not raw.strip():
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        line = raw.strip()
        if raw.startswith("Input #"):
            if in_input:
                break  # only the first input
            in_input = True
            m = _INPUT.match(line)
            info["format_name"] = m.group(1) if m else ""
            owner, owner_indent = fmt_meta, 0
            continue
        if not in_input:
            continue
        if indent == 0:
            break  # "Output #0" or the closing complaint
        if meta_target is not None and indent > meta_indent:
            key, sep, value = line.partition(":")
            key = key.strip()
            if sep and key:
                meta_target[key] = value.strip()
                last_key = key
            elif sep and last_key:  # continuation of a multi-line value
                meta_target[last_key] += "\n" + value.strip()
            continue
        meta_target = None
        if line == "Metadata:":
            meta_target = owner if indent > owner_indent else fmt_meta
            meta_indent, last_key = indent, None
            continue
        if line.startswith("Duration:"):
            m = _DURATION.match(line)
            if m:
                info["duration"] = _seconds(m.group(1))
                try:
                    info["start_time"] = float(m.group(2))
                except ValueError:
                    pass
                if m.group(3):
                    info["bit_rate_kbps"] = int(m.group(3))
            continue
        m = _STREAM.match(line)
        if m:
            streams.append({"index": int(m.group(1)), "kind": m.group(3), "desc": m.group(4), "meta": {}})
            owner, owner_indent = streams[-1]["meta"], indent
        elif streams and owner is streams[-1]["meta"] and (rm := _ROTATION.search(line)):
            streams[-1]["rotation"] = float(rm.group(1))  # side data: "Display Matrix: rotation of 90.00 degrees"
        elif line.startswith(("Chapter #", "Stream group #", "Program ")):
            owner, owner_indent = {}, indent  # metadata we do not report
    info["metadata"] = fmt_meta

    videos = [s for s in streams if s["kind"] == "Video"]
    video = next((s for s in videos if "(attached pic)" not in s["desc"]), videos[0] if videos else None)
    if video is not None:
        parts = split_top_level(video["desc"])
        name, profile, tag = _codec(parts[0])
        info.update(has_video=True, video_stream=video["index"], video_codec=name, video_profile=profile,
                    video_tag=tag, video_metadata=video["meta"], rotation=video.get("rotation", 0.0))
        if len(parts) > 1:
            info.update(_parse_pix_fmt(parts[1]))
        for part in parts[1:]:
            sm = re.match(r"^(\d+)x(\d+)\b", part)
            if sm:
                info["width"], info["height"] = int(sm.group(1)), int(sm.group(2))
                break
        info["fps_text"] = ", ".join(p.split(" (")[0] for p in parts if re.match(r"^[\d.]+k? (fps|tbr)", p))
    audio = next((s for s in streams if s["kind"] == "Audio"), None)
    if audio is not None:
        parts = split_top_level(audio["desc"])
        name, profile, _ = _codec(parts[0])
        info.update(has_audio=True, audio_stream=audio["index"], audio_codec=name, audio_profile=profile)
        for part in parts[1:]:
            hz = re.match(r"^(\d+) Hz$", part)
            if hz:
                info["audio_sample_rate"] = int(hz.group(1))
        if len(parts) > 2:
            info["audio_layout"] = parts[2]
            info["audio_channels"] = _channels(parts[2])
        if len(parts) > 3:
            info["audio_sample_fmt"] = parts[3].split(" (")[0]

    data_streams = [s for s in streams if s["kind"] == "Data"]
    tc_sources = ([video["meta"]] if video else []) + [s["meta"] for s in data_streams] + [fmt_meta]
    info["timecode"] = next((m["timecode"] for m in tc_sources if m.get("timecode")), None)
    reel_sources = [s["meta"] for s in streams] + [fmt_meta]
    info["reel_name"] = next((m["reel_name"] for m in reel_sources if m.get("reel_name")), None)
    return MediaInfo(**info)


__all__ = ["MediaInfo", "conform_rate", "count_video_packets", "open_error", "parse_report", "probe", "showinfo_frames",
           "split_top_level"]
