"""The Clip: what flows between video nodes.

A clip is a sequence of uint8 RGB frames (T, H, W, 3) with an exact rational frame rate,
a start timecode (a frame count at that rate), optional alpha (T, H, W) and an optional
reference to audio in a source file.  Frames are held either as one numpy array or as a
:class:`FrameSource`, which produces frames on demand so that long clips stream and
nothing requires all frames in memory.  Clips are immutable: operations return new clips.

Deep chains: a source usually pulls its frames from another clip (a Retime of a Retime of
...), so fetching one frame from the end of a chain of thousands of nodes would nest as
many calls.  :meth:`Clip.frame` counts how deeply the fetches on the current thread are
nested; past :data:`NEST_LIMIT` the fetch continues on a fresh thread (with a copy of the
caller's context, so cancellation follows it) while the caller waits.  Each thread's stack
then holds at most :data:`NEST_LIMIT` levels, so chains of any depth evaluate without
reaching Python's recursion limit, at the cost of one thread start per :data:`NEST_LIMIT`
levels per fetch.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from studio.errors import MediaError
from studio.timecode import format_timecode, parse_rate

ProgressFn = Callable[[float, str], None]
CheckFn = Callable[[], None]

#: nested streaming-frame fetches one thread makes before the next level runs on a fresh thread
NEST_LIMIT = 48
_nesting = threading.local()


def _fetch(source: FrameSource, index: int) -> np.ndarray:
    """``source.get(index)``, continued on a fresh thread when this one is nested too deeply."""
    depth = getattr(_nesting, "depth", 0)
    if depth >= NEST_LIMIT:
        return _on_fresh_thread(source.get, index)
    _nesting.depth = depth + 1
    try:
        return source.get(index)
    finally:
        _nesting.depth = depth


def _on_fresh_thread(fn: Callable[[int], np.ndarray], index: int) -> np.ndarray:
    context = contextvars.copy_context()
    box: list = []

    def run() -> None:
        try:
            box.append((True, context.run(fn, index)))
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller as is
            box.append((False, exc))

    worker = threading.Thread(target=run, name="cinegraph-frame-fetch", daemon=True)
    worker.start()
    worker.join()
    ok, value = box[0]
    if not ok:
        raise value
    return value


@dataclass(frozen=True)
class AudioRef:
    """Audio carried through from a source file: ``duration`` seconds from ``start``."""

    path: str
    start: float = 0.0
    duration: float | None = None


class FrameSource:
    """Frames made on demand.  Subclasses implement :meth:`get` and may speed up :meth:`iter`.

    ``length``, ``height`` and ``width`` must be known without producing a frame.
    """

    length: int
    height: int
    width: int
    channels: int = 3

    def get(self, index: int) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def iter(self, start: int, stop: int) -> Iterator[np.ndarray]:
        for i in range(start, stop):
            yield self.get(i)

    def __len__(self) -> int:
        return self.length

    #: bytes this source keeps alive (the inputs it warps, say), for cache budgeting
    held_bytes: int = 0


class CallableSource(FrameSource):
    """A frame source from a function ``index -> frame``."""

    def __init__(self, fn: Callable[[int], np.ndarray], length: int, height: int, width: int,
                 channels: int = 3, held_bytes: int = 0):
        self._fn = fn
        self.length, self.height, self.width, self.channels = length, height, width, channels
        self.held_bytes = held_bytes

    def get(self, index: int) -> np.ndarray:
        if not 0 <= index < self.length:
            raise IndexError(f"frame {index} outside 0..{self.length - 1}")
        return self._fn(index)


class _SliceSource(FrameSource):
    def __init__(self, base: FrameSource, start: int, stop: int):
        self._base, self._start = base, start
        self.length, self.height, self.width = stop - start, base.height, base.width
        self.channels, self.held_bytes = base.channels, base.held_bytes

    def get(self, index: int) -> np.ndarray:
        if not 0 <= index < self.length:
            raise IndexError(f"frame {index} outside 0..{self.length - 1}")
        return self._base.get(self._start + index)

    def iter(self, start: int, stop: int) -> Iterator[np.ndarray]:
        return self._base.iter(self._start + start, self._start + stop)


Frames = np.ndarray | FrameSource


class Clip:
    """Frames + rational fps + start timecode (+ alpha, + audio)."""

    __slots__ = ("_frames", "fps", "start_frame", "_alpha", "audio", "name")

    def __init__(self, frames: Frames, fps: Fraction | str | float | int = 24, *, start_frame: int = 0,
                 alpha: Frames | None = None, audio: AudioRef | None = None, name: str = ""):
        if isinstance(frames, np.ndarray):
            if frames.ndim != 4 or frames.shape[3] != 3 or frames.dtype != np.uint8:
                raise MediaError(f"clip frames must be uint8 (T, H, W, 3), got {frames.dtype} {frames.shape}")
            if frames.shape[0] == 0:
                raise MediaError("a clip needs at least one frame")
        elif not isinstance(frames, FrameSource):
            raise MediaError(f"clip frames must be an array or a FrameSource, got {type(frames).__name__}")
        elif len(frames) < 1:
            raise MediaError("a clip needs at least one frame")
        if alpha is not None and len(alpha) != len(frames):
            raise MediaError(f"alpha has {len(alpha)} frames, the clip {len(frames)}")
        self._frames = frames
        self._alpha = alpha
        self.fps = parse_rate(fps)
        self.start_frame = int(start_frame)
        self.audio = audio
        self.name = name

    # -- construction ---------------------------------------------------------------
    @classmethod
    def from_image(cls, image: np.ndarray, fps: Fraction | str | float | int = 24, frames: int = 1,
                   name: str = "") -> Clip:
        """A still image as a clip of ``frames`` identical frames (one by default)."""
        image = as_rgb8(image)
        stack = np.broadcast_to(image[None], (frames,) + image.shape)
        return cls(np.ascontiguousarray(stack) if frames == 1 else _BroadcastSource(image, frames),
                   fps, name=name)

    # -- shape ----------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._frames)

    @property
    def height(self) -> int:
        f = self._frames
        return f.shape[1] if isinstance(f, np.ndarray) else f.height

    @property
    def width(self) -> int:
        f = self._frames
        return f.shape[2] if isinstance(f, np.ndarray) else f.width

    @property
    def size(self) -> tuple[int, int]:
        """(width, height)"""
        return self.width, self.height

    @property
    def is_streaming(self) -> bool:
        return not isinstance(self._frames, np.ndarray)

    @property
    def has_alpha(self) -> bool:
        return self._alpha is not None

    @property
    def duration(self) -> float:
        return len(self) / float(self.fps)

    @property
    def timecode(self) -> str:
        return format_timecode(self.start_frame, self.fps)

    @property
    def nbytes(self) -> int:
        """Memory this clip keeps alive (for cache budgets)."""
        total = 0
        for f in (self._frames, self._alpha):
            if isinstance(f, np.ndarray):
                total += f.nbytes
            elif f is not None:
                total += f.held_bytes
        return total

    # -- frames ---------------------------------------------------------------------
    def frame(self, index: int) -> np.ndarray:
        """Frame ``index`` as (H, W, 3) uint8; negative indices count from the end."""
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(f"frame {index} outside 0..{n - 1}")
        f = self._frames
        return f[index] if isinstance(f, np.ndarray) else _fetch(f, index)

    def alpha_frame(self, index: int) -> np.ndarray | None:
        if self._alpha is None:
            return None
        a = self._alpha
        return a[index] if isinstance(a, np.ndarray) else _fetch(a, index)

    def iter_frames(self, start: int = 0, stop: int | None = None) -> Iterator[np.ndarray]:
        stop = len(self) if stop is None else min(stop, len(self))
        f = self._frames
        if isinstance(f, np.ndarray):
            for i in range(start, stop):
                yield f[i]
        else:
            yield from f.iter(start, stop)

    def iter_alpha(self, start: int = 0, stop: int | None = None) -> Iterator[np.ndarray] | None:
        if self._alpha is None:
            return None
        stop = len(self) if stop is None else min(stop, len(self))
        a = self._alpha
        if isinstance(a, np.ndarray):
            return (a[i] for i in range(start, stop))
        return a.iter(start, stop)

    def materialise(self, progress: ProgressFn | None = None, check_cancel: CheckFn | None = None) -> Clip:
        """This clip with every frame in memory (a no-op when it already is)."""
        if not self.is_streaming and (self._alpha is None or isinstance(self._alpha, np.ndarray)):
            return self
        n = len(self)
        out = np.empty((n, self.height, self.width, 3), np.uint8)
        for i, frame in enumerate(self.iter_frames()):
            if check_cancel:
                check_cancel()
            out[i] = frame
            if progress:
                progress((i + 1) / n, f"frame {i + 1}/{n}")
        alpha = self._alpha
        if alpha is not None and not isinstance(alpha, np.ndarray):
            alpha = np.stack(list(alpha.iter(0, n)))
        return Clip(out, self.fps, start_frame=self.start_frame, alpha=alpha, audio=self.audio, name=self.name)

    # -- derived clips --------------------------------------------------------------
    def trimmed(self, start: int, stop: int | None = None) -> Clip:
        """Frames ``start`` up to (not including) ``stop``; timecode and audio follow."""
        n = len(self)
        stop = n if stop is None else stop
        if not 0 <= start < stop <= n:
            raise MediaError(f"trim {start}:{stop} outside the clip's 0:{n}")
        if start == 0 and stop == n:
            return self
        frames = self._frames[start:stop] if isinstance(self._frames, np.ndarray) else _SliceSource(self._frames, start, stop)
        alpha = self._alpha
        if alpha is not None:
            alpha = alpha[start:stop] if isinstance(alpha, np.ndarray) else _SliceSource(alpha, start, stop)
        audio = self.audio
        if audio is not None:
            audio = AudioRef(audio.path, audio.start + start / float(self.fps), (stop - start) / float(self.fps))
        return Clip(frames, self.fps, start_frame=self.start_frame + start, alpha=alpha, audio=audio, name=self.name)

    def with_(self, **changes) -> Clip:
        """A copy with ``fps``, ``start_frame``, ``audio`` or ``name`` changed."""
        kw = dict(fps=self.fps, start_frame=self.start_frame, alpha=self._alpha, audio=self.audio, name=self.name)
        kw.update(changes)
        return Clip(self._frames, kw.pop("fps"), **kw)

    def __repr__(self) -> str:
        kind = "streaming" if self.is_streaming else "in memory"
        return f"<Clip {self.name or ''} {len(self)} frames {self.width}x{self.height} @ {self.fps} fps, {kind}>"


class _BroadcastSource(FrameSource):
    """The same image repeated, without copying it."""

    def __init__(self, image: np.ndarray, length: int):
        self._image = image
        self.length, self.height, self.width = length, image.shape[0], image.shape[1]
        self.held_bytes = image.nbytes

    def get(self, index: int) -> np.ndarray:
        if not 0 <= index < self.length:
            raise IndexError(f"frame {index} outside 0..{self.length - 1}")
        return self._image


def as_rgb8(image: np.ndarray) -> np.ndarray:
    """Check that ``image`` is an (H, W, 3) uint8 RGB image; return it contiguous."""
    if not isinstance(image, np.ndarray) or image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        desc = f"{image.dtype} {image.shape}" if isinstance(image, np.ndarray) else type(image).__name__
        raise MediaError(f"expected an (H, W, 3) uint8 RGB image, got {desc}")
    return np.ascontiguousarray(image)


__all__ = ["AudioRef", "CallableSource", "Clip", "FrameSource", "NEST_LIMIT", "as_rgb8"]
