"""What a render, export or save may write: never a file the workflow reads.

A render whose output is the footage it reads destroys the footage (the next run would read
the render).  Every writer (``cinegraph render``, WriteVideo runs and exports in the app,
Save As) asks :func:`output_problems` first and refuses, before anything is written, when
the destination:

* is the same file as any file the workflow reads: a ``path`` param that is not a save
  path (Load Image, Load Video), or a file named in a data param's ``path_keys``
  (Keyframes' keys).  "Same" is by identity, not by spelling: another path to it, a
  symbolic link to it or a hard link of it all count (``os.path.samefile`` where both
  exist, the fully resolved path otherwise);
* is the workflow file itself (a ``.cgraph`` saved elsewhere under a ``.mov`` name is no
  movie to overwrite);
* is an existing folder where a file is meant (a folder named like a movie, ``shot.mov/``,
  is refused even though a folder is otherwise an image-sequence destination), or an
  existing file where a folder is meant;
* for an image sequence (a folder or a ``%04d`` pattern): would put or clean frames where
  an input lives: the destination folder is an input folder, or an input file is one of
  the names the pattern writes.

Paths are compared as given (absolute or relative to the current folder); the graph's
paths are already absolute after loading.  Standard library only.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator

_PATTERN = re.compile(r"%0?\d*d")
#: the file names an export writes into a folder given as a sequence destination
#: (``studio.media.export.SEQUENCE_NAME`` with any image suffix)
FOLDER_SEQUENCE_NAME = "frame_%07d.*"
#: suffixes that name a movie file: a folder with such a name is never meant as a destination
MOVIE_SUFFIXES = (".mov", ".mp4", ".m4v", ".mkv", ".avi", ".webm", ".mxf", ".gif")


def input_files(graph) -> Iterator[tuple[str, str]]:
    """``(where, path)`` for every file path the graph's nodes read (``where``: ``Node.param``)."""
    for nid, node in graph.nodes.items():
        t = node.node_type
        if t is None:
            continue
        for spec in t.params:
            value = node.params.get(spec.name)
            if spec.kind == "path" and not spec.save and isinstance(value, str) and value:
                yield f"{nid}.{spec.name}", value
            if spec.path_keys and isinstance(value, list):
                for i, item in enumerate(value):
                    if not isinstance(item, dict):
                        continue
                    for key in spec.path_keys:
                        p = item.get(key)
                        if isinstance(p, str) and p:
                            yield f"{nid}.{spec.name}[{i}].{key}", p


def same_file(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` name the same file (links and other spellings included)."""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        pass
    try:
        return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))
    except (OSError, ValueError):
        return False


def is_sequence_path(path: str) -> bool:
    """Whether ``path`` names an image-sequence destination (a folder or a printf pattern)."""
    base = os.path.basename(path.rstrip("/\\"))
    return bool(_PATTERN.search(os.path.basename(path))) or os.path.isdir(path) or \
        path.endswith(("/", os.sep)) or not os.path.splitext(base)[1]


def _pattern_matches(pattern: str, path: str) -> bool:
    """Whether the file ``path`` is one of the names the printf ``pattern`` writes."""
    folder, name = os.path.split(pattern)
    if not same_file(folder or ".", os.path.dirname(path) or "."):
        return False
    regex = re.escape(name)
    regex = re.sub(r"%0?(\d*)d", lambda m: r"\d{%s,}" % (m.group(1) or 1), regex.replace(r"\%", "%"))
    regex = regex.replace(r"\.\*", r"\.[A-Za-z0-9]+")
    return re.fullmatch(regex, os.path.basename(path)) is not None


def output_problems(out: str, graph=None, workflow_path: str | None = None, *, sequence: bool | None = None,
                    extra_inputs: Iterable[tuple[str, str]] = ()) -> list[str]:
    """Every reason not to write ``out``, as phrases to follow its name; empty when it is safe.

    ``sequence`` says whether ``out`` is an image-sequence destination (a folder or a
    pattern); ``None`` guesses from the path.  ``extra_inputs`` are more ``(where, path)``
    pairs to protect (e.g. a movie written in the same step as a timeline).
    """
    if not out:
        return []
    out = os.path.abspath(out)
    seq = is_sequence_path(out) if sequence is None else sequence
    problems: list[str] = []
    protected: list[tuple[str, str]] = []
    if workflow_path:
        protected.append(("the workflow file itself", os.path.abspath(workflow_path)))
    if graph is not None:
        protected.extend((f"an input of the workflow ({where})", path) for where, path in input_files(graph))
    protected.extend(extra_inputs)
    if os.path.isdir(out) and os.path.splitext(out)[1].lower() in MOVIE_SUFFIXES:
        return [f"is an existing folder, not a {os.path.splitext(out)[1]} file"]
    if seq:
        pattern = _PATTERN.search(os.path.basename(out))
        folder = os.path.dirname(out) if pattern else out
        if os.path.exists(folder) and not os.path.isdir(folder):
            problems.append(f"{folder} is a file, not a folder for an image sequence")
        names = out if pattern else os.path.join(out, FOLDER_SEQUENCE_NAME)
        for what, path in protected:
            if os.path.isdir(path) and same_file(path, folder):
                problems.append(f"the folder is {what}: {path}")
            elif _PATTERN.search(os.path.basename(path)):   # an input sequence
                if same_file(os.path.dirname(path) or ".", folder) and \
                        _PATTERN.sub("#", os.path.basename(path)) == _PATTERN.sub("#", os.path.basename(names)):
                    problems.append(f"would overwrite the frames of {what}: {path}")
            elif _pattern_matches(names, path):
                problems.append(f"would overwrite {what}: {path}")
        return problems
    if os.path.isdir(out):
        problems.append("is an existing folder, not a file")
        return problems
    for what, path in protected:
        if same_file(out, path):
            problems.append(f"is {what}" + ("" if os.path.abspath(path) == out else f" ({path})"))
    return problems


__all__ = ["input_files", "is_sequence_path", "output_problems", "same_file"]
