"""Playback timing with a fake clock: follows the wall clock, drops (and counts) rather than slows,
never drifts, loops, pauses, shuttles and steps."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from studio.errors import MediaError
from studio.media.playback import PlaybackClock
from studio.timecode import parse_rate

ALL_RATES = ["23.976", "24", "25", "29.97", "30", "50", "59.94", "60"]


class FakeClock:
    def __init__(self, t: float = 1000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


def mid_slot(k: int, fps: Fraction, t0: float = 0.0) -> float:
    """A wall time in the middle of presentation slot ``k`` (no float edge cases)."""
    return t0 + float((Fraction(k) + Fraction(1, 2)) / fps)


@pytest.mark.parametrize("rate", ALL_RATES)
def test_the_frame_at_ten_minutes_is_exactly_floor_600_fps(rate):
    fps = parse_rate(rate)
    clock = PlaybackClock(rate, 10 ** 6, clock=FakeClock(0.0))
    clock.play(0.0)
    assert clock.frame(600.0) == math.floor(600 * fps)
    assert clock.frame(599.999) == math.floor(Fraction(599.999) * fps)


@pytest.mark.parametrize("rate", ["23.976", "29.97"])
def test_no_drift_over_ten_minutes_of_on_time_ticks(rate):
    fps = parse_rate(rate)
    fake = FakeClock(0.0)
    clock = PlaybackClock(rate, 10 ** 6, clock=fake)
    clock.play(0.0)
    n = math.floor(600 * fps)
    for k in range(n):
        fake.t = mid_slot(k, fps)
        tick = clock.tick()
        assert tick.frame == k and tick.new
    fake.t = 600.0
    assert clock.tick().frame == n == math.floor(600 * fps)
    assert clock.dropped == 0, "an on-time consumer drops nothing"


def test_a_slow_consumer_gets_the_frame_due_now_and_drops_are_counted():
    fps = Fraction(24)
    fake = FakeClock(5.0)
    clock = PlaybackClock(24, 1000, clock=fake)
    clock.play()
    shown = []
    for i in range(40):            # the consumer manages one frame every 2.5 frame periods
        fake.t = 5.0 + float(Fraction(5, 2) * i / fps) + 0.001
        tick = clock.tick()
        shown.append(tick.frame)
    assert shown[:5] == [0, 2, 5, 7, 10], "follows the wall clock, does not slow down"
    assert clock.dropped == shown[-1] + 1 - len(shown), "every frame due but never shown is counted"
    # an early consumer sees the same frame again, not a drop
    again = clock.tick()
    assert (again.frame, again.new, again.dropped) == (shown[-1], False, 0)


def test_a_late_first_tick_counts_the_frames_it_missed():
    fake = FakeClock(0.0)
    clock = PlaybackClock(25, 100, clock=fake)
    clock.play()
    fake.t = 0.41   # slot 10
    tick = clock.tick()
    assert (tick.frame, tick.dropped) == (10, 10)


def test_loop_wraps_inside_the_in_out_range_both_ways():
    fps = Fraction(30000, 1001)
    fake = FakeClock(0.0)
    clock = PlaybackClock("29.97", 200, clock=fake, loop=True, in_point=50, out_point=60)
    clock.play(0.0)
    frames = [clock.frame(mid_slot(k, fps)) for k in range(25)]
    assert frames == [50 + k % 10 for k in range(25)]
    clock.shuttle(-2)   # re-anchored at the frame on screen (the clock reads 0.0: frame 50)
    assert [clock.frame(mid_slot(k, fps)) for k in range(6)] == [50, 58, 56, 54, 52, 50]
    assert clock.playing


def test_without_loop_playback_stops_on_the_last_frame():
    fake = FakeClock(0.0)
    clock = PlaybackClock(24, 10, clock=fake, in_point=2, out_point=8)
    clock.play(0.0)
    fake.t = 10.0
    tick = clock.tick()
    assert tick.frame == 7 and not clock.playing and clock.speed == 0
    assert clock.dropped == 5, "frames 2..6 came and went; 7 is shown"
    clock.play()                # play again from the top of the range
    assert clock.frame() == 2
    clock.j()                   # backwards from the first frame: parks on the first frame
    fake.t = 11.0
    assert clock.frame() == 2 and not clock.playing


def test_pause_holds_the_frame_and_resume_continues_from_it():
    fps = Fraction(25)
    fake = FakeClock(0.0)
    clock = PlaybackClock(25, 1000, clock=fake)
    clock.play(0.0)
    fake.t = mid_slot(10, fps)
    assert clock.pause() == 10
    fake.t = 100.0
    assert clock.frame() == 10 and clock.tick().frame == 10 and not clock.playing
    clock.resume()
    fake.t = 100.0 + float(Fraction(5, 25)) + 0.001
    assert clock.frame() == 15, "time spent paused is not caught up"
    clock.toggle()
    assert not clock.playing and clock.frame() == 15


def test_jkl_shuttle_speeds_and_reverse():
    fake = FakeClock(0.0)
    clock = PlaybackClock(24, 10000, clock=fake)
    clock.seek(1000)
    clock.l()
    assert clock.speed == 1
    clock.l()
    assert clock.speed == 2
    clock.l()
    clock.l()
    assert clock.speed == 4, "at most 4x"
    fake.t = mid_slot(10, Fraction(24))
    assert clock.frame() == 1000 + 4 * 10
    clock.j()
    assert clock.speed == -1
    start = clock.frame()
    fake.t += float(Fraction(3, 24))
    assert clock.frame() == start - 3
    clock.j()
    clock.j()
    assert clock.speed == -4
    clock.k()
    assert clock.speed == 0 and not clock.playing
    with pytest.raises(MediaError, match="-4..4"):
        clock.shuttle(5)


def test_frame_step_pauses_and_moves_one_frame():
    fake = FakeClock(0.0)
    clock = PlaybackClock(24, 100, clock=fake, in_point=10, out_point=20)
    clock.play(0.0)
    fake.t = mid_slot(3, Fraction(24))
    assert clock.step() == 14 and not clock.playing
    assert clock.step(-1) == 13
    assert clock.step(-10) == 10, "clamped to the range"
    clock.loop = True
    assert clock.step(-1) == 19, "wraps with loop"


def test_next_due_says_how_long_to_wait():
    fake = FakeClock(0.0)
    clock = PlaybackClock(24, 100, clock=fake)
    assert clock.next_due() is None
    clock.play(0.0)
    fake.t = 0.01
    assert clock.next_due() == pytest.approx(1 / 24 - 0.01)


def test_bad_ranges_are_refused():
    with pytest.raises(MediaError, match="outside the clip's 0:10"):
        PlaybackClock(24, 10, in_point=5, out_point=11)
    with pytest.raises(MediaError, match="at least one frame"):
        PlaybackClock(24, 0)
