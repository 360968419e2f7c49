"""Frame rates and SMPTE timecode (standard library only, so every layer may use it).

Frame rates are exact rationals (``Fraction(24000, 1001)`` for 23.976).  Timecode is held
as a frame count at the clip's rate and formatted as ``HH:MM:SS:FF``; 29.97 and 59.94 use
drop-frame counting (``HH:MM:SS;FF``), as editors expect, unless asked otherwise.
"""

from __future__ import annotations

from fractions import Fraction

from studio.errors import StudioError

#: The rates editors know, by the names filmmakers type.
NAMED_RATES: dict[str, Fraction] = {
    "23.976": Fraction(24000, 1001),
    "24": Fraction(24),
    "25": Fraction(25),
    "29.97": Fraction(30000, 1001),
    "30": Fraction(30),
    "48": Fraction(48),
    "50": Fraction(50),
    "59.94": Fraction(60000, 1001),
    "60": Fraction(60),
}


#: other spellings accepted when reading rates
_ALIASES: dict[str, Fraction] = {"23.98": Fraction(24000, 1001), "47.952": Fraction(48000, 1001)}


class TimecodeError(StudioError, ValueError):
    """A frame rate or timecode string that cannot be read."""


def parse_rate(value: object) -> Fraction:
    """Read a frame rate: ``"23.976"``, ``"24000/1001"``, ``24``, ``29.97`` or a Fraction."""
    if isinstance(value, Fraction):
        rate = value
    elif isinstance(value, int) and not isinstance(value, bool):
        rate = Fraction(value)
    elif isinstance(value, (float, str)):
        text = str(value).strip()
        if text in NAMED_RATES or text in _ALIASES:
            return NAMED_RATES.get(text) or _ALIASES[text]
        try:
            rate = Fraction(text)
        except (ValueError, ZeroDivisionError):
            raise TimecodeError(f"frame rate {value!r}: expected a number such as 24, 23.976 or 30000/1001") from None
        # 23.976 typed as a float means 24000/1001, not 2997/125.
        for exact in NAMED_RATES.values():
            if abs(float(exact) - float(rate)) < 0.0015:
                return exact
    else:
        raise TimecodeError(f"frame rate {value!r}: expected a number")
    if rate <= 0 or rate > 1000:
        raise TimecodeError(f"frame rate {value!r}: must be between 0 and 1000")
    return rate


def rate_label(rate: Fraction) -> str:
    """The short name of a rate (``23.976``), or its fraction when it has none."""
    for name, exact in NAMED_RATES.items():
        if exact == rate:
            return name
    return str(rate) if rate.denominator != 1 else str(rate.numerator)


def rate_text(rate: object) -> str:
    """The stored form of a rate: ``"24"`` or ``"24000/1001"``."""
    r = parse_rate(rate)
    return str(r.numerator) if r.denominator == 1 else f"{r.numerator}/{r.denominator}"


def timebase(rate: Fraction) -> int:
    """The integer frames-per-second that timecode counts in (24 for 23.976, 30 for 29.97)."""
    return int(round(float(rate)))


def is_drop_frame_rate(rate: Fraction) -> bool:
    return rate.denominator == 1001 and timebase(rate) in (30, 60)


def format_timecode(frame: int, rate: Fraction, drop_frame: bool | None = None) -> str:
    """Format a frame count as SMPTE timecode at ``rate``."""
    if frame < 0:
        raise TimecodeError(f"timecode frame {frame}: must not be negative")
    base = timebase(rate)
    drop = is_drop_frame_rate(rate) if drop_frame is None else drop_frame
    if drop:
        dropped = 2 * (base // 30)
        per_min = base * 60 - dropped
        per_10min = per_min * 10 + dropped
        tens, rem = divmod(frame, per_10min)
        frame += dropped * 9 * tens
        if rem > dropped:
            frame += dropped * ((rem - dropped) // per_min)
    ff = frame % base
    ss = (frame // base) % 60
    mm = (frame // (base * 60)) % 60
    hh = (frame // (base * 3600)) % 24
    sep = ";" if drop else ":"
    return f"{hh:02d}:{mm:02d}:{ss:02d}{sep}{ff:02d}"


def parse_timecode(text: str, rate: Fraction) -> int:
    """Read ``HH:MM:SS:FF`` (``HH:MM:SS;FF`` for drop-frame) as a frame count at ``rate``.

    ``;`` marks drop-frame, which only 29.97 and 59.94 use; timecodes that drop-frame
    counting skips (``00:01:00;00``) are refused.
    """
    raw = str(text).strip()
    parts = raw.replace(";", ":").split(":")
    if len(parts) != 4 or not all(len(p) == 2 and p.isdigit() for p in parts):
        raise TimecodeError(f"timecode {text!r}: expected HH:MM:SS:FF")
    rate = parse_rate(rate)
    hh, mm, ss, ff = (int(p) for p in parts)
    base = timebase(rate)
    if mm > 59 or ss > 59 or ff >= base:
        raise TimecodeError(f"timecode {text!r}: out of range at {rate_label(rate)} fps (frames 00-{base - 1:02d})")
    drop = ";" in raw
    if drop and not is_drop_frame_rate(rate):
        raise TimecodeError(f"timecode {text!r}: ';' marks drop-frame, which only 29.97 and 59.94 fps use; "
                            f"write HH:MM:SS:FF at {rate_label(rate)} fps")
    frame = ((hh * 60 + mm) * 60 + ss) * base + ff
    if drop:
        dropped = 2 * (base // 30)
        if ss == 0 and mm % 10 != 0 and ff < dropped:
            raise TimecodeError(f"timecode {text!r} does not exist in drop-frame counting (frames 00-"
                                f"{dropped - 1:02d} are skipped at each minute but every tenth)")
        minutes = hh * 60 + mm
        frame -= dropped * (minutes - minutes // 10)
    return frame
