"""Timecode and frame rates: exact rationals, SMPTE formatting, drop-frame round trips."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.media import format_timecode, parse_rate, parse_timecode
from studio.timecode import NAMED_RATES, TimecodeError

RATES = list(NAMED_RATES.values())


def _day(rate: Fraction) -> int:
    """Frames in 24 hours of timecode at ``rate`` (drop-frame days are shorter)."""
    base = round(float(rate))
    if rate.denominator == 1001 and base in (30, 60):
        dropped = 2 * (base // 30)  # labels skipped per minute, except every tenth
        return 144 * (base * 600 - 9 * dropped)
    return 24 * 3600 * base


@settings(max_examples=300, deadline=None)
@given(rate=st.sampled_from(RATES), data=st.data())
def test_frame_to_timecode_to_frame_is_identity(rate, data):
    frame = data.draw(st.integers(0, _day(rate) - 1))
    assert parse_timecode(format_timecode(frame, rate), rate) == frame


@settings(max_examples=300, deadline=None)
@given(rate=st.sampled_from([Fraction(30000, 1001), Fraction(60000, 1001)]), data=st.data())
def test_drop_frame_timecode_round_trips_and_never_names_a_dropped_frame(rate, data):
    frame = data.draw(st.integers(0, _day(rate) - 1))
    text = format_timecode(frame, rate)
    assert ";" in text
    hh, mm, ss, ff = (int(p) for p in text.replace(";", ":").split(":"))
    if ss == 0 and mm % 10 != 0:
        assert ff >= 2 * round(float(rate)) // 30  # frames 0,1 (0-3 at 59.94) are skipped
    assert format_timecode(parse_timecode(text, rate), rate) == text


def test_drop_frame_known_values():
    r = Fraction(30000, 1001)
    assert format_timecode(1799, r) == "00:00:59;29"
    assert format_timecode(1800, r) == "00:01:00;02"
    assert format_timecode(17982, r) == "00:10:00;00"
    assert format_timecode(107892, r) == "01:00:00;00"
    assert parse_timecode("01:00:00;00", r) == 107892
    assert format_timecode(3600, Fraction(60000, 1001)) == "00:01:00;04"


def test_non_drop_known_values():
    assert format_timecode(86400, Fraction(24000, 1001)) == "01:00:00:00"
    assert parse_timecode("01:00:00:00", Fraction(24000, 1001)) == 86400
    assert format_timecode(90000, Fraction(25)) == "01:00:00:00"
    assert format_timecode(107892, Fraction(30000, 1001), drop_frame=False) == "00:59:56:12"


@pytest.mark.parametrize("text,expected", [("23.976", Fraction(24000, 1001)), ("24000/1001", Fraction(24000, 1001)),
                                           (29.97, Fraction(30000, 1001)), (25, Fraction(25)),
                                           ("59.94", Fraction(60000, 1001)), ("12.5", Fraction(25, 2))])
def test_parse_rate_gives_exact_rationals(text, expected):
    assert parse_rate(text) == expected


@pytest.mark.parametrize("bad", ["fast", "0", "-24", "", "1/0"])
def test_parse_rate_rejects_nonsense(bad):
    with pytest.raises(TimecodeError):
        parse_rate(bad)


@pytest.mark.parametrize("bad", ["01:00:00", "1:2:3:x", "00:60:00:00", "00:00:00:24"])
def test_parse_timecode_rejects_nonsense_naming_it(bad):
    with pytest.raises(TimecodeError, match="timecode"):
        parse_timecode(bad, Fraction(24))
