"""Numbered image sequences: printf patterns such as ``out/frame_%04d.png``.

Semantics and assumptions
-------------------------
* A sequence is named by a printf pattern with exactly one ``%d`` / ``%0Nd`` in its file
  name (ffmpeg's image2 convention).  Frame *k* is the file ``pattern % k``; the sequence
  starts at the lowest number present and runs while consecutive files exist (a gap ends it,
  as it does for ffmpeg).
* A folder names the largest numbered sequence inside it (files ``PREFIX<digits>.EXT`` with
  one prefix, digit count and suffix).  Hidden files are ignored.
* The frame number is the frame's place on the timeline: exports number files from the
  clip's start timecode (as a frame count), and reading a sequence back gives the clip that
  start frame.  Sequences carry no frame rate; readers are told one.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from studio.errors import MediaError

#: Suffixes (lower case, without the dot) that image sequences may use.
SEQUENCE_SUFFIXES = ("png", "tif", "tiff", "exr", "dpx", "jpg", "jpeg", "bmp", "webp")

_PRINTF = re.compile(r"%(0?)(\d*)d")
_NUMBERED = re.compile(r"^(?P<prefix>.*?)(?P<digits>\d+)\.(?P<ext>[A-Za-z0-9]+)$")


@dataclass(frozen=True)
class Sequence:
    """A numbered image sequence on disk: ``pattern % first`` .. ``pattern % (first + count - 1)``."""

    pattern: str
    first: int
    count: int

    def file(self, number: int) -> str:
        return self.pattern % number

    @property
    def suffix(self) -> str:
        return Path(self.pattern).suffix.lower().lstrip(".")


def is_pattern(path: str | os.PathLike) -> bool:
    """Whether the file name part of ``path`` holds exactly one printf frame number."""
    return len(_PRINTF.findall(os.path.basename(os.fspath(path)))) == 1


def _pattern_regex(name_pattern: str) -> re.Pattern[str]:
    m = _PRINTF.search(name_pattern)
    assert m is not None
    return re.compile("^" + re.escape(name_pattern[:m.start()]) + r"(\d+)" + re.escape(name_pattern[m.end():]) + "$")


def numbers_matching(pattern: str) -> list[int]:
    """Frame numbers of the files that exist for ``pattern``, sorted."""
    folder, name = os.path.split(pattern)
    try:
        names = os.listdir(folder or ".")
    except OSError:
        return []
    rx = _pattern_regex(name)
    found = []
    for n in names:
        m = rx.match(n)
        if m and (name % int(m.group(1))) == n:
            found.append(int(m.group(1)))
    return sorted(found)


def find_sequence(path: str | os.PathLike) -> Sequence:
    """The sequence a pattern or a folder names; MediaError when there is none."""
    text = os.fspath(path)
    if is_pattern(text):
        numbers = numbers_matching(text)
        if not numbers:
            raise MediaError(f"{text}: file not found (no files match this image sequence pattern)")
        first = numbers[0]
        present = set(numbers)
        count = 0
        while first + count in present:
            count += 1
        return Sequence(text, first, count)
    if os.path.isdir(text):
        groups: dict[tuple[str, int, str], list[int]] = defaultdict(list)
        for n in os.listdir(text):
            if n.startswith("."):
                continue
            m = _NUMBERED.match(n)
            if m and m.group("ext").lower() in SEQUENCE_SUFFIXES:
                groups[(m.group("prefix"), len(m.group("digits")), m.group("ext"))].append(int(m.group("digits")))
        if not groups:
            raise MediaError(f"{text}: folder holds no numbered image sequence ({', '.join(SEQUENCE_SUFFIXES)})")
        (prefix, width, ext), _ = max(groups.items(), key=lambda kv: len(kv[1]))
        return find_sequence(os.path.join(text, f"{prefix.replace('%', '%%')}%0{width}d.{ext}"))
    raise MediaError(f"{text}: not an image sequence pattern or folder")


__all__ = ["SEQUENCE_SUFFIXES", "Sequence", "find_sequence", "is_pattern", "numbers_matching"]
