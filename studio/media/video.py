"""Streaming frames out of any file ffmpeg reads, frame-accurately.

Semantics and assumptions
-------------------------
* Frames are decoded by the bundled ffmpeg into a ``rawvideo`` pipe (``rgb24``, or ``rgba``
  when alpha is asked for) and arrive as (H, W, 3|4) uint8 arrays.  YUV is converted with
  the matrix and range the stream is tagged with (untagged: BT.601), using swscale's
  accurate rounding and full chroma interpolation (the default fast path is 1-2 code values
  dark for 10-bit 4:2:2 sources).  Scene-linear EXR is decoded as float and encoded with
  the sRGB curve (straight colour), exactly as :func:`read_image` does.
* A clip frame maps to a *source* frame (a decoded frame, presentation order).  Constant-rate
  sources map one to one.  Variable-rate sources (GIFs with uneven delays, phone footage)
  are conformed to the clip rate: clip frame *i* shows the source frame on screen at
  ``first_pts + i / fps`` (repeated or skipped as the timing says); the decoder itself never
  drops or duplicates frames (``-fps_mode passthrough``).  Pictures with a display-matrix
  rotation come out turned, as ffmpeg and players show them (``MediaInfo.display_size``).
* Seeking to source frame *j* > 0 uses ffmpeg's accurate input seek (``-ss`` before ``-i``)
  to the midpoint between the timestamps of frames *j-1* and *j* (taken from the packet
  index :func:`probe` builds), so rounding cannot land on a neighbour.  The first frame
  after the seek reports its timestamp (a ``showinfo`` branch of the filter graph, on
  stderr); if it is not frame *j* (formats that seek imprecisely), the reader skips forward
  or, when it overshot, decodes from the start.  Without an index (no usable timestamps)
  every read decodes from the start.  Image sequences seek by file number, which is exact.
* Decoders are started by :func:`~studio.media._ffmpeg.popen`: they die with this process
  and sit in a process group of their own.
* :meth:`VideoSource.iter` runs one ffmpeg process per call; closing the generator (or
  garbage-collecting it) kills and reaps the process.  :meth:`VideoSource.get` keeps one
  decoder "cursor" process positioned after the last frame it returned, so sequential
  ``get`` calls cost one frame each, plus a small LRU of recent frames; :meth:`close` (or
  garbage collection, or interpreter exit) ends it.  ``get`` is thread-safe; each ``iter``
  generator belongs to one thread.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Iterator
from fractions import Fraction

import numpy as np

from studio.errors import MediaError
from studio.media import _ffmpeg
from studio.media.clip import FrameSource
from studio.media.colour import gbr_planes_to_rgb8
from studio.media.probe import MediaInfo

#: scaler flags for YUV -> RGB (see the module docstring)
SWS_FLAGS = "bicubic+accurate_rnd+full_chroma_int"
#: get(i) reads forward through at most this many frames before it re-seeks instead
SKIP_WINDOW = 48
# no \b before "n:": another thread's unfinished log line may run straight into it (see probe)
_FIRST_PTS = re.compile(r"n:\s*0\s+pts:\s*(-?\d+)")


def vfr_mapping(pts: tuple[int, ...], time_base: Fraction, fps: Fraction) -> np.ndarray:
    """Clip frame -> source frame for a variable-rate source shown at ``fps``."""
    p = np.asarray(pts, dtype=np.int64)
    steps = np.diff(p)
    last = int(np.median(steps)) if len(steps) else 1
    ticks_per_frame = 1 / (fps * time_base)
    n = max(1, round((int(p[-1] - p[0]) + last) / ticks_per_frame))
    times = p[0] + np.arange(n, dtype=np.float64) * float(ticks_per_frame)
    src = np.searchsorted(p, times + 1e-6, side="right") - 1
    return np.clip(src, 0, len(p) - 1).astype(np.int64)


class _Reader:
    """One ffmpeg process decoding source frames ``start`` .. ``start + limit - 1``."""

    def __init__(self, info: MediaInfo, rate: Fraction, channels: int, start: int, limit: int):
        # no reference to the VideoSource: its finalizer holds the cursor reader
        self.info, self.rate, self.channels = info, rate, channels
        # scene-linear float pictures (EXR) are decoded as float and encoded to sRGB here
        self.linear = info.video_codec == "exr"
        self.planes = (4 if channels == 4 or info.has_alpha else 3) if self.linear else 0
        self.pos = start  # source index of the next frame read() returns
        self._err = _ffmpeg.spool()
        self._proc = None
        self._pending: np.ndarray | None = None
        try:
            self._start(start, limit, verify=True)
        except BaseException:
            self.close()
            raise

    def _command(self, start: int, limit: int, seek: bool) -> list[str]:
        info = self.info
        if self.linear:
            fmt = "gbrapf32le" if self.channels == 4 or info.has_alpha else "gbrpf32le"
        else:
            fmt = "rgba" if self.channels == 4 else "rgb24"
        chain = f"scale=flags={SWS_FLAGS},format={fmt}"
        cmd = _ffmpeg.base_command() + ["-nostats", "-loglevel", "info"]
        if info.is_sequence:
            cmd += ["-f", "image2", "-framerate", str(self.rate), "-start_number", str(info.start_number + start),
                    "-i", _ffmpeg.file_arg(info.sequence_pattern), "-map", "0:v:0", "-vf", chain]
        elif seek:
            pts, tb = info.frame_pts, info.time_base
            ss = float(Fraction(pts[start - 1] + pts[start], 2) * tb) - info.start_time
            cmd += ["-copyts", "-ss", f"{ss:.6f}", "-i", _ffmpeg.file_arg(info.path), "-filter_complex",
                    f"[0:{info.video_stream}]{chain},split=2[v][p];[p]trim=end_frame=1,showinfo=checksum=0,nullsink",
                    "-map", "[v]"]
        else:
            cmd += ["-i", _ffmpeg.file_arg(info.path), "-map", f"0:{info.video_stream}", "-vf", chain]
        cmd += ["-an", "-sn", "-dn", "-fps_mode", "passthrough", "-frames:v", str(limit),
                "-f", "rawvideo", "pipe:1"]
        return cmd

    def _start(self, start: int, limit: int, verify: bool) -> None:
        info = self.info
        seek = start > 0 and not info.is_sequence and info.frame_pts is not None
        skip = 0
        if start > 0 and not info.is_sequence and not seek:
            skip, limit, start = start, limit + start, 0  # no index: decode from the start
        self._err.seek(0)
        self._err.truncate()
        try:
            self._proc = _ffmpeg.popen(self._command(start, limit, seek), stdin=subprocess.DEVNULL,
                                       stdout=subprocess.PIPE, stderr=self._err, bufsize=1 << 20)
        except OSError as exc:  # pragma: no cover - ffmpeg missing
            raise MediaError(f"{info.path}: cannot start ffmpeg ({exc})") from None
        for _ in range(skip):
            self._read_raw()
        if seek and verify:
            self._verify_seek(start, limit)

    def _verify_seek(self, target: int, limit: int) -> None:
        """Make sure the first frame after the seek is source frame ``target``."""
        first = self._read_raw()
        landed = None
        deadline = time.monotonic() + 2.0
        while landed is None and time.monotonic() < deadline:
            m = _FIRST_PTS.search(_ffmpeg.read_spool(self._err))
            if m:
                landed = int(m.group(1))
            elif self._proc.poll() is not None:
                break
            else:
                time.sleep(0.002)
        pts = self.info.frame_pts
        if landed == pts[target] or landed is None:
            self._pending = first  # no report at all: trust the accurate seek
            return
        try:
            k = pts.index(landed)
        except ValueError:
            k = None
        if k is not None and k < target:
            for _ in range(target - k - 1):
                self._read_raw()
            return
        # overshot (or an unknown timestamp): decode from the start instead
        _ffmpeg.stop(self._proc)
        self._start(0, target + limit, verify=False)
        for _ in range(target):
            self._read_raw()

    def _read_raw(self) -> np.ndarray:
        info = self.info
        width, height = info.display_size
        n = height * width * (self.planes * 4 if self.linear else self.channels)
        buf = bytearray(n)
        view = memoryview(buf)
        got = 0
        stream = self._proc.stdout
        while got < n:
            chunk = stream.readinto(view[got:])
            if not chunk:
                break
            got += chunk
        if got < n:
            rc = _ffmpeg.stop(self._proc, kill=False)
            tail = _ffmpeg.stderr_tail(_ffmpeg.read_spool(self._err), 3)
            raise MediaError(f"{info.path}: ffmpeg stopped before source frame {self.pos} "
                             f"({_ffmpeg.describe_exit(rc)}): {tail}")
        if self.linear:
            planes = np.frombuffer(buf, "<f4").reshape(self.planes, height, width)
            return gbr_planes_to_rgb8(planes, alpha=self.channels == 4)
        return np.frombuffer(buf, np.uint8).reshape(height, width, self.channels)

    def read(self) -> np.ndarray:
        if self._pending is not None:
            frame, self._pending = self._pending, None
        else:
            frame = self._read_raw()
        self.pos += 1
        return frame

    def close(self) -> None:
        _ffmpeg.stop(self._proc)
        self._proc = None
        try:
            self._err.close()
        except OSError:  # pragma: no cover
            pass


class VideoSource(FrameSource):
    """Frames of one video stream (or image sequence), decoded on demand by ffmpeg.

    ``mapping[i]`` is the source frame that clip frame ``i`` shows.  ``decode_channels`` is
    3 (RGB) or 4 (RGBA); :class:`ChannelView` splits RGBA into colour and alpha sources.
    """

    def __init__(self, info: MediaInfo, mapping: np.ndarray, rate: Fraction, *, channels: int = 3,
                 cache_bytes: int = 64 << 20):
        self.info = info
        self.path = info.path
        self.mapping = np.asarray(mapping, np.int64)
        self.rate = rate
        self.length = len(self.mapping)
        self.width, self.height = info.display_size
        self.decode_channels = channels
        self.channels = channels
        frame_bytes = max(1, self.height * self.width * channels)
        self._cache_frames = max(2, cache_bytes // frame_bytes)
        self.held_bytes = 0
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._cursor: list[_Reader | None] = [None]
        self._finalizer = weakref.finalize(self, VideoSource._close_cursor, self._cursor)

    # -- streaming ----------------------------------------------------------------------
    def _check(self, index: int) -> None:
        if not 0 <= index < self.length:
            raise IndexError(f"frame {index} outside 0..{self.length - 1}")

    def iter(self, start: int, stop: int) -> Iterator[np.ndarray]:
        start, stop = max(0, start), min(stop, self.length)
        if start >= stop:
            return
        wanted = self.mapping[start:stop]
        first, last = int(wanted[0]), int(wanted.max())
        reader = _Reader(self.info, self.rate, self.decode_channels, first, last - first + 1)
        try:
            frame = None
            for target in wanted:
                while reader.pos <= target:
                    frame = reader.read()
                yield frame
        finally:
            reader.close()

    # -- random access ------------------------------------------------------------------
    def get(self, index: int) -> np.ndarray:
        self._check(index)
        target = int(self.mapping[index])
        with self._lock:
            hit = self._cache.get(target)
            if hit is not None:
                self._cache.move_to_end(target)
                return hit
            cursor = self._cursor[0]
            if cursor is None or not cursor.pos <= target <= cursor.pos + SKIP_WINDOW:
                if cursor is not None:
                    cursor.close()
                end = int(self.mapping[-1]) + 1
                cursor = self._cursor[0] = None
                cursor = _Reader(self.info, self.rate, self.decode_channels, target, end - target)
                self._cursor[0] = cursor
            try:
                frame = None
                while cursor.pos <= target:
                    pos = cursor.pos
                    frame = cursor.read()
                    self._remember(pos, frame)
            except BaseException:
                cursor.close()
                self._cursor[0] = None
                raise
            return frame

    def _remember(self, source_index: int, frame: np.ndarray) -> None:
        self._cache[source_index] = frame
        self._cache.move_to_end(source_index)
        while len(self._cache) > self._cache_frames:
            self._cache.popitem(last=False)
        self.held_bytes = sum(f.nbytes for f in self._cache.values())

    @staticmethod
    def _close_cursor(holder: list) -> None:
        cursor = holder[0]
        holder[0] = None
        if cursor is not None:
            cursor.close()

    def close(self) -> None:
        """End the random-access decoder process and drop cached frames."""
        with self._lock:
            VideoSource._close_cursor(self._cursor)
            self._cache.clear()
            self.held_bytes = 0

    def __repr__(self) -> str:
        return f"<VideoSource {os.path.basename(self.path)} {self.length} frames {self.width}x{self.height}>"


class ChannelView(FrameSource):
    """The colour (``"rgb"``) or the alpha (``"alpha"``) part of an RGBA :class:`VideoSource`."""

    def __init__(self, base: VideoSource, part: str):
        self.base, self.part = base, part
        self.length, self.height, self.width = base.length, base.height, base.width
        self.channels = 3 if part == "rgb" else 1

    @property
    def held_bytes(self) -> int:  # type: ignore[override]
        return self.base.held_bytes

    def _cut(self, frame: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(frame[..., :3] if self.part == "rgb" else frame[..., 3])

    def get(self, index: int) -> np.ndarray:
        return self._cut(self.base.get(index))

    def iter(self, start: int, stop: int) -> Iterator[np.ndarray]:
        gen = self.base.iter(start, stop)
        try:
            for frame in gen:
                yield self._cut(frame)
        finally:
            gen.close()

    def close(self) -> None:
        self.base.close()


__all__ = ["ChannelView", "SKIP_WINDOW", "SWS_FLAGS", "VideoSource", "vfr_mapping"]
