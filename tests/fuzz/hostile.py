"""Hostile workflow documents for the fuzz tests: hypothesis strategies and JSON text tools.

A document is mutated as a Python tree (values replaced, keys deleted, items duplicated)
and written by :func:`dump`, which splices :class:`Raw` JSON text in as is: that is how a
test writes what ``json.dumps`` cannot (a 5000-digit integer, ``1e999``, ``NaN``, arrays
nested 950 deep).  The bases are the three examples, read from ``examples/``; their media
paths (``../resources/samples/...``) resolve wherever ``examples/`` and ``resources/``
are siblings, e.g. a copy made by :func:`copy_project`.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

from hypothesis import strategies as st

from benchmarks.fuzz_corpus import Raw, get, paths, put  # the same JSON-tree helpers as the fuzz run
from tests.conftest import ROOT

EXAMPLES = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "examples").glob("*.cgraph"))}


def dump(value) -> str:
    """JSON text with :class:`Raw` values spliced in (integers of any size written in full)."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {dump(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(dump(v) for v in value) + "]"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10 ** 4000:
        digits = []
        n = abs(value)
        while n:
            n, r = divmod(n, 10 ** 1000)
            digits.append(r)
        return ("-" if value < 0 else "") + str(digits[-1]) + "".join(f"{d:01000d}" for d in reversed(digits[:-1]))
    return json.dumps(value)


def nested(depth: int, kind: str = "list") -> Raw:
    return Raw("[" * depth + "]" * depth) if kind == "list" else Raw('{"a": ' * depth + "1" + "}" * depth)


#: the values the issue found breaking the loader, and their neighbours
RAW_HOSTILE = [
    Raw("9" * 5000), Raw("-" + "9" * 4301), Raw("1e999"), Raw("-1e999"), Raw("NaN"), Raw("Infinity"),
    Raw("-Infinity"), Raw("1" + "0" * 400), Raw("0." + "0" * 5000 + "1"), Raw("1" + "0" * 4400 + ".5"),
    nested(900), nested(950), nested(1000), nested(5000), nested(950, "dict"), nested(20000),
]
LEAVES = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(min_value=2 ** 62, max_value=2 ** 130),
                   st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12))
JSON_VALUES = st.recursive(LEAVES, lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=6), kids,
                                                                                              max_size=3),
                           max_leaves=6)
HOSTILE_VALUES = st.one_of(st.sampled_from(RAW_HOSTILE), JSON_VALUES,
                           st.sampled_from([10 ** 30, 2 ** 63, 2 ** 64 + 1, -(2 ** 63) - 1, 10 ** 5000]))


@st.composite
def mutated_documents(draw, bases=tuple(EXAMPLES), max_edits: int = 3) -> str:
    """An example with 1 to ``max_edits`` edits: a value replaced, a key deleted, an item doubled."""
    doc = copy.deepcopy(EXAMPLES[draw(st.sampled_from(bases))])
    for _ in range(draw(st.integers(1, max_edits))):
        spots = paths(doc)
        if not spots:
            break
        path = draw(st.sampled_from(spots))
        op = draw(st.sampled_from(["replace", "replace", "delete", "double"]))
        parent = get(doc, path[:-1])
        if op == "delete":
            del parent[path[-1]]
        elif op == "double" and isinstance(parent, list):
            parent.insert(path[-1], copy.deepcopy(parent[path[-1]]))
        else:
            parent[path[-1]] = draw(HOSTILE_VALUES)
    return dump(doc)


def copy_project(folder: Path) -> Path:
    """``folder/examples`` and ``folder/resources/samples`` copied from the repository; returns ``examples``."""
    shutil.copytree(ROOT / "resources" / "samples", folder / "resources" / "samples")
    shutil.copytree(ROOT / "examples", folder / "examples")
    return folder / "examples"
