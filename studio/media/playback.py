"""Playback timing: which frame should be on screen now (no Qt; the viewer asks, then draws).

Semantics and assumptions
-------------------------
* Time is the wall clock, read through ``clock()`` (``time.monotonic`` by default; tests pass
  a fake).  Clock readings are floats; each is turned into an exact ``Fraction`` and every
  computation after that is exact rational arithmetic at the clip's rational rate, so there
  is no drift: started at ``t0`` on frame ``f0`` at speed 1, the frame due at time ``t`` is
  ``f0 + floor((t - t0) * fps)`` for as long as playback runs (``floor(600 * 30000/1001)``
  after ten minutes at 29.97, exactly).
* Playback follows the wall clock and never slows down: a consumer that is late gets the
  frame due *now*, and the frames it skipped count as *dropped*.  Presentation slots come
  every ``1 / fps`` seconds; at shuttle speed ``s`` (``-4..4``; negative plays backwards)
  each slot advances the playhead ``s`` frames.  :meth:`PlaybackClock.tick` is what a viewer
  calls each time it can show a frame: it returns the frame due, whether it is a new one
  and how many slots passed unshown since the previous tick (a frame that was due but never
  shown is dropped; showing the same frame twice when the consumer is early drops nothing).
* The playable range is ``[in_point, out_point)`` (out exclusive, like shot ranges).  With
  ``loop`` the playhead wraps inside it (either direction); without, it stops on the last
  frame (the first when playing backwards) and :attr:`PlaybackClock.playing` becomes False.
* ``pause`` holds the frame on screen; ``resume`` continues from it at the same speed, re-anchoring the clock
  at the moment of resuming, so time spent paused is not caught up.  Changing speed
  re-anchors the same way.  ``step(n)`` pauses and moves ``n`` frames (wrapping with
  ``loop``, clamped without).  ``seek(frame)`` moves the playhead and keeps the state.
* J/K/L: ``l()`` plays forwards, and pressed again while playing forwards doubles the speed
  (1, 2, 4); ``j()`` does the same backwards; ``k()`` pauses.  ``shuttle(speed)`` sets any
  whole speed in ``-4..4`` (0 pauses).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from studio.errors import MediaError
from studio.timecode import parse_rate

MAX_SPEED = 4


@dataclass(frozen=True)
class Tick:
    """What :meth:`PlaybackClock.tick` answers: the frame to show and what happened since the last tick."""

    frame: int
    new: bool      # a different presentation slot than the last tick (draw it)
    dropped: int   # slots that came and went unshown since the last tick


def _exact(t: float | Fraction | int) -> Fraction:
    return t if isinstance(t, Fraction) else Fraction(t)


class PlaybackClock:
    """Which frame of ``length`` frames at ``fps`` is due on screen, by the wall clock."""

    def __init__(self, fps: Fraction | str | float | int, length: int, *, clock: Callable[[], float] = time.monotonic,
                 loop: bool = False, in_point: int = 0, out_point: int | None = None):
        self.fps = parse_rate(fps)
        if not isinstance(length, int) or length < 1:
            raise MediaError(f"playback needs at least one frame, got {length!r}")
        self.length = length
        self.clock = clock
        self.loop = bool(loop)
        self.in_point, self.out_point = self._range(in_point, out_point)
        self.speed = 0                 # frames per slot; 0 while paused or stopped
        self.dropped = 0               # frames dropped since play()
        self._frame = self.in_point    # the playhead while not playing
        self._t0 = Fraction(0)         # anchor: wall time ...
        self._f0 = self.in_point       # ... and the (unwrapped) frame at that time
        self._last_slot: int | None = None
        self._end_slot: int | None = None  # without loop: the slot that reaches the end
        self._resume_speed = 1

    # -- state ----------------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        if self.speed == 0:
            return False
        if self._end_slot is not None and self._slot(self._now()) >= self._end_slot:
            self._stop_at_end()
            return False
        return True

    def set_range(self, in_point: int = 0, out_point: int | None = None) -> None:
        """Play frames ``in_point`` .. ``out_point - 1`` (the whole clip by default)."""
        frame = self.frame()
        self.in_point, self.out_point = self._range(in_point, out_point)
        self._frame = self._clamp(frame)
        if self.speed:
            self._anchor(self._now(), self._frame, self.speed)

    def _range(self, in_point: int, out_point: int | None) -> tuple[int, int]:
        out_point = self.length if out_point is None else out_point
        if not 0 <= in_point < out_point <= self.length:
            raise MediaError(f"playback range {in_point}:{out_point} outside the clip's 0:{self.length}")
        return in_point, out_point

    # -- transport ------------------------------------------------------------------------
    def play(self, at: float | None = None, *, frame: int | None = None, speed: int = 1) -> None:
        """Start playing (from ``frame``, default the playhead) at wall time ``at`` (default now)."""
        now = self._now() if at is None else _exact(at)
        start = self._frame if frame is None else self._clamp(frame)
        if not self.loop and speed > 0 and start >= self.out_point - 1:
            start = self.in_point          # play again from the top when parked at the end
        elif not self.loop and speed < 0 and start <= self.in_point:
            start = self.out_point - 1
        self.dropped = 0
        self._anchor(now, start, self._checked(speed))

    def pause(self) -> int:
        """Hold the frame on screen; returns it."""
        if self.speed:
            self._frame = self.frame()
            self._resume_speed = self.speed
            self.speed = 0
            self._end_slot = None
        return self._frame

    def resume(self, speed: int | None = None) -> None:
        """Continue from the held frame, at the speed it had (or ``speed``)."""
        self._anchor(self._now(), self._frame, self._checked(self._resume_speed if speed is None else speed))

    def toggle(self) -> None:
        """Space bar: pause when playing, else resume."""
        if self.playing:
            self.pause()
        else:
            self.resume()

    def shuttle(self, speed: int) -> None:
        """Set the speed (``-4..4`` frames per slot; 0 pauses), re-anchored at the frame on screen."""
        speed = self._checked(speed, allow_zero=True)
        if speed == 0:
            self.pause()
            return
        frame = self.frame()
        self._anchor(self._now(), frame, speed)

    def l(self) -> None:  # noqa: E743 - the key's name
        self.shuttle(1 if self.speed <= 0 or not self.playing else min(self.speed * 2, MAX_SPEED))

    def j(self) -> None:
        self.shuttle(-1 if self.speed >= 0 or not self.playing else max(self.speed * 2, -MAX_SPEED))

    def k(self) -> None:
        self.pause()

    def step(self, n: int = 1) -> int:
        """Pause and move ``n`` frames (negative: back); returns the new frame."""
        frame = self.pause() + n
        if self.loop:
            frame = self.in_point + (frame - self.in_point) % (self.out_point - self.in_point)
        self._frame = self._clamp(frame)
        return self._frame

    def seek(self, frame: int) -> None:
        """Move the playhead to ``frame`` (clamped to the range); playing continues from there."""
        frame = self._clamp(frame)
        if self.speed:
            self._anchor(self._now(), frame, self.speed)
        else:
            self._frame = frame

    # -- the question ---------------------------------------------------------------------
    def frame(self, now: float | None = None) -> int:
        """The frame due on screen at wall time ``now`` (default: the clock's now)."""
        if self.speed == 0:
            return self._frame
        t = self._now() if now is None else _exact(now)
        return self._frame_at_slot(self._slot(t))

    def tick(self, now: float | None = None) -> Tick:
        """Call when ready to show a frame: the frame due now, and frames dropped since the last tick."""
        if self.speed == 0:
            return Tick(self._frame, False, 0)
        t = self._now() if now is None else _exact(now)
        slot = self._slot(t)
        if self._end_slot is not None:
            slot = min(slot, self._end_slot)
        last = self._last_slot
        frame = self._frame_at_slot(slot)
        if last is None:
            new, dropped = True, max(0, slot)   # slots before the first tick went unshown
        else:
            new = slot != last
            dropped = max(0, slot - last - 1)
        self._last_slot = slot
        self.dropped += dropped
        if self._end_slot is not None and slot >= self._end_slot:
            self._stop_at_end()
        return Tick(frame, new, dropped)

    def next_due(self, now: float | None = None) -> float | None:
        """Seconds from ``now`` until the next frame is due (None when not playing): sleep that long."""
        if not self.playing:
            return None
        t = self._now() if now is None else _exact(now)
        slot = self._slot(t)
        return float(self._t0 + Fraction(slot + 1) / self.fps - t)

    # -- internals ------------------------------------------------------------------------
    def _now(self) -> Fraction:
        return _exact(self.clock())

    def _checked(self, speed: int, allow_zero: bool = False) -> int:
        if not isinstance(speed, int) or isinstance(speed, bool) or not -MAX_SPEED <= speed <= MAX_SPEED \
                or (speed == 0 and not allow_zero):
            raise MediaError(f"playback speed {speed!r}: expected a whole number in -{MAX_SPEED}..{MAX_SPEED}"
                             f"{'' if allow_zero else ' other than 0'}")
        return speed

    def _clamp(self, frame: int) -> int:
        return min(max(int(frame), self.in_point), self.out_point - 1)

    def _anchor(self, now: Fraction, frame: int, speed: int) -> None:
        self._t0, self._f0, self.speed = now, frame, speed
        self._frame = frame
        self._last_slot = None
        if self.loop:
            self._end_slot = None
        else:
            distance = (self.out_point - 1 - frame) if speed > 0 else (frame - self.in_point)
            self._end_slot = math.ceil(Fraction(distance, abs(speed)))

    def _slot(self, t: Fraction) -> int:
        """Presentation slots elapsed since the anchor (0 during the first frame period)."""
        return max(0, math.floor((t - self._t0) * self.fps))

    def _frame_at_slot(self, slot: int) -> int:
        raw = self._f0 + self.speed * slot
        if self.loop:
            return self.in_point + (raw - self.in_point) % (self.out_point - self.in_point)
        return self._clamp(raw)

    def _stop_at_end(self) -> None:
        self._frame = self.out_point - 1 if self.speed > 0 else self.in_point
        self.speed = 0
        self._end_slot = None


__all__ = ["MAX_SPEED", "PlaybackClock", "Tick"]
