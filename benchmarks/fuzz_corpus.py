"""The fuzz corpus: hostile workflows, media, outputs and faults, built reproducibly.

Every case has an id ``CLASS-NNN`` (``huge_number-007``) and a seed derived from the run's
master seed and that id alone, so ``python -m benchmarks.bench_fuzz --case huge_number-007``
rebuilds exactly the same files whatever the corpus size.  :func:`build_case` writes the
case into an empty folder (the workflow ``wf.cgraph``, copies of the media it reads under
``media/``, an ``out/`` folder) and returns its :class:`Plan`: the ``cinegraph`` commands
to run there, in order, with the exit codes each may give and the fault to inject.

Nothing here runs anything; :mod:`benchmarks.bench_fuzz` runs the plans and checks them.

Base workflows (tiny, so a render takes about a second): the three examples shrunk to 4
frames at 128x96 (``animate``, ``camera``, ``keyframes``) and two built on the bundled
clip (``video``: LoadVideo -> WriteVideo; ``retime``: LoadVideo -> Retime -> WriteVideo).
Their media are copies of ``resources/samples`` inside the case folder: a case may
overwrite them, never the originals.

Values that ``json.dumps`` cannot write (5000-digit integers, ``1e999``, arrays nested
900 deep) are :class:`Raw` JSON text spliced in by :func:`dump`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import random
import shutil
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "resources" / "samples"
EXAMPLES = ROOT / "examples"
MASTER_SEED = 19

WF = "wf.cgraph"
OUT = "out/result.mov"
SMALL = {"frames": 4, "width": 128, "height": 96}

#: class -> (cases in the default corpus, rough seconds per case on current code, what it is)
CLASSES: dict[str, tuple[int, float, str]] = {
    "byte_flip": (48, 2, "1-8 random bytes of a workflow flipped"),
    "truncate": (28, 2, "a workflow cut at a random byte"),
    "delete_key": (36, 2, "a random key deleted anywhere in the document"),
    "wrong_type": (48, 2, "a random value replaced by one of another JSON type"),
    "huge_number": (40, 2, "5000-digit integers, 1e999, NaN, Infinity, 2**64 at number positions"),
    "deep_nesting": (16, 2, "arrays or objects nested 900 to 100000 deep"),
    "long_string": (14, 3, "10 MB strings in names, ids, paths, reels, prompts"),
    "duplicate_id": (14, 2, "node ids, nodes, links and key frames used twice"),
    "bad_link": (26, 2, "links to missing nodes or ports, wrong types, taken inputs, self links"),
    "cycle": (14, 2, "cycles of Retime nodes, self loops"),
    "unknown_type": (14, 2, "node types this version does not know, or not text"),
    "out_of_range": (44, 2, "params outside their schema: ranges, choices, curves, brushes, keys"),
    "keyframe_hold": (12, 3, "keyframe hold or frame of 10**30, 2**63, 10**7, -1"),
    "flow_size": (5, 45, "FlowGenerator width and/or height 8192"),
    "brush_points": (4, 45, "brush polygons and strokes of 200,000 points"),
    "retime_chain": (4, 20, "chains of 1000 to 5000 Retime nodes"),
    "media_dir": (6, 2, "a directory named like a picture or a clip as media"),
    "media_empty": (6, 2, "an empty file as media"),
    "media_text": (6, 2, "a text file renamed .png or .mp4"),
    "media_truncated": (10, 2, "a picture or clip cut at a random byte"),
    "media_tiny": (6, 2, "a 1x1 or 2x1 picture"),
    "media_huge": (5, 20, "a 20000x20000 PNG, or a PNG header claiming 100000x100000"),
    "media_fifo": (2, 60, "a FIFO named like a picture or a clip"),
    "media_device": (4, 10, "/dev/zero, /dev/urandom or /dev/null as media"),
    "media_png_as_video": (4, 2, "a PNG given to Load Video"),
    "media_no_moov": (6, 2, "an .mp4 truncated before its moov atom (no index)"),
    "out_input": (6, 2, "-o at a file the workflow reads (its video, its picture, its key frames)"),
    "out_workflow": (4, 2, "-o at the workflow file itself (named .mov, or with --preset)"),
    "out_symlink": (4, 2, "-o through a symbolic link to an input or the workflow"),
    "out_hardlink": (4, 2, "-o at a hard link to an input or the workflow"),
    "out_dir": (4, 2, "-o at an existing directory named .mov or .mp4"),
    "out_missing": (6, 3, "-o in missing folders: successful, refused and failing renders"),
    "out_readonly": (4, 2, "-o in a read-only folder"),
    "disk_full": (4, 5, "the output hits a file-size limit (a full disk)"),
    "sigint": (5, 15, "SIGINT mid-render (process group, ffmpeg included) while another render runs"),
    "sigkill": (6, 20, "SIGKILL mid-render, then the same render again"),
}


class Raw(str):
    """JSON text written as is by :func:`dump`."""


@dataclass
class Step:
    """One ``cinegraph`` command of a case (run in the case folder).

    ``ok`` holds the acceptable exit codes (negative: killed by that signal, as we sent it);
    exit 1 is acceptable on top of them only for a render that prints ``error: node ...``
    lines and nothing else (``allow_node_error``).
    """

    argv: list[str]
    ok: frozenset[int]
    output: str | None = None           # the -o of a render, relative to the case folder
    fault: str | None = None            # "sigint-group" | "sigint-main" | "sigkill-main" | "sigkill-group"
    companion: list[str] | None = None  # argv of a render sharing the cores while this one runs
    fsize: int | None = None            # RLIMIT_FSIZE in bytes (a full disk)
    drop_dac: bool = False              # without CAP_DAC_OVERRIDE, so root too meets read-only folders
    mention: str | None = None          # a regex the stderr must match when the exit is not 0
    allow_node_error: bool = True

    @property
    def kind(self) -> str:
        return self.argv[0]


@dataclass
class Plan:
    case_id: str
    cls: str
    seed: int
    note: str
    steps: list[Step] = field(default_factory=list)
    #: validate must refuse what render refuses with exit 2 (media problems are found by probing)
    validate_must_catch: bool = False
    #: the media cannot be read at all: validate must refuse it, not only render
    broken_media: bool = False
    readonly: list[str] = field(default_factory=list)   # folders made read-only (restored before cleanup)


# -- seeds and ids ------------------------------------------------------------------------
def case_seed(case_id: str, master: int = MASTER_SEED) -> int:
    return int.from_bytes(hashlib.sha256(f"{master}:{case_id}".encode()).digest()[:8], "big")


def corpus(total: int | None = None) -> list[str]:
    """The case ids of a corpus of about ``total`` cases (the default corpus when None)."""
    default = sum(n for n, _, _ in CLASSES.values())
    scale = 1.0 if total is None else total / default
    ids = []
    for cls, (n, _, _) in CLASSES.items():
        k = max(1, round(n * scale))
        ids += [f"{cls}-{i:03d}" for i in range(k)]
    return ids


def parse_id(case_id: str) -> tuple[str, int]:
    cls, _, num = case_id.rpartition("-")
    if cls not in CLASSES or not num.isdigit():
        raise ValueError(f"unknown case {case_id!r}: expected CLASS-NNN with CLASS one of {', '.join(CLASSES)}")
    return cls, int(num)


# -- JSON text ----------------------------------------------------------------------------
def dump(value, depth: int = 0) -> str:
    """JSON text (objects one key per line, like saved workflows) with :class:`Raw` spliced in."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        pad = "  " * (depth + 1)
        return "{\n" + ",\n".join(f"{pad}{json.dumps(str(k))}: {dump(v, depth + 1)}" for k, v in value.items()) \
            + "\n" + "  " * depth + "}"
    if isinstance(value, list):
        if len(value) > 64 or all(not isinstance(v, (dict, list)) or isinstance(v, Raw) for v in value):
            return "[" + ", ".join(dump(v, depth + 1) for v in value) + "]"
        pad = "  " * (depth + 1)
        return "[\n" + ",\n".join(pad + dump(v, depth + 1) for v in value) + "\n" + "  " * depth + "]"
    if isinstance(value, float) and value != value:
        return "NaN"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10 ** 4000:
        return Raw(repr_big(value))
    return json.dumps(value)


def repr_big(n: int) -> str:
    """Decimal text of an integer past Python's 4300-digit str() limit."""
    sign, n = ("-" if n < 0 else ""), abs(n)
    parts = []
    while n:
        n, r = divmod(n, 10 ** 1000)
        parts.append(r)
    return sign + str(parts[-1]) + "".join(f"{p:01000d}" for p in reversed(parts[:-1]))


def paths(value, prefix=()) -> list[tuple]:
    """Every position in a JSON tree as a key path (the root excluded)."""
    out = []
    if isinstance(value, dict) and not isinstance(value, Raw):
        for k, v in value.items():
            out.append(prefix + (k,))
            out += paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.append(prefix + (i,))
            out += paths(v, prefix + (i,))
    return out


def get(doc, path):
    for k in path:
        doc = doc[k]
    return doc


def put(doc, path, value) -> None:
    get(doc, path[:-1])[path[-1]] = value


def node(doc, type_id: str) -> dict:
    return next(n for n in doc["nodes"] if n["type"] == type_id)


def path_of(doc, type_id: str, *keys) -> tuple:
    i = next(i for i, n in enumerate(doc["nodes"]) if n["type"] == type_id)
    return ("nodes", i) + keys


# -- base workflows -----------------------------------------------------------------------
MEDIA = {"animate": ["kodim03.png"], "camera": ["chelsea.png"], "keyframes": ["sill_a.png", "sill_b.png", "sill_c.png"],
         "video": ["realshort.mp4"], "retime": ["realshort.mp4"]}


def _n(nid, type_id, params, pos=(0, 0), name=None):
    return {"id": nid, "type": type_id, "version": 1, "name": name or type_id, "pos": list(pos), "params": params}


def _link(src, out, dst, inp):
    return {"source": src, "output": out, "target": dst, "input": inp}


def _writer(pos=(780, 0)):
    return _n("WriteVideo1", "WriteVideo", {"path": OUT, "preset": "auto", "timecode": "01:00:00:00", "reel": "A001",
                                            "first": 0, "last": -1}, pos)


def base_doc(name: str) -> dict:
    """A tiny workflow (4 frames, 128x96) reading media from ``media/``."""
    if name in ("video", "retime"):
        nodes = [_n("LoadVideo1", "LoadVideo", {"path": "media/realshort.mp4", "first": 0, "last": 3})]
        links = []
        if name == "retime":
            nodes.append(_n("Retime1", "Retime", {"speed": 0.5, "fps": "source", "rolling_shutter": "off",
                                                  "readout": 0.5}, (260, 0)))
            links.append(_link("LoadVideo1", "clip", "Retime1", "clip"))
        nodes.append(_writer())
        links.append(_link(nodes[-2]["id"], "clip", "WriteVideo1", "clip"))
        return {"format": "cinegraph", "version": 1, "nodes": nodes, "links": links, "ui": {}}
    file = {"animate": "animate_still", "camera": "camera_move", "keyframes": "keyframes"}[name]
    doc = json.loads((EXAMPLES / f"{file}.cgraph").read_text(encoding="utf-8"))
    for nd in doc["nodes"]:
        p = nd["params"]
        if isinstance(p.get("path"), str):
            p["path"] = p["path"].replace("../resources/samples/", "media/")
        for key in p.get("keys", []) if nd["type"] == "Keyframes" else []:
            key["path"] = key["path"].replace("../resources/samples/", "media/")
        if nd["type"] == "FlowGenerator":
            p.update(SMALL)
        if nd["type"] == "WriteVideo":
            p["path"] = OUT
    if name == "keyframes":
        kf = node(doc, "Keyframes")["params"]
        for key, frame in zip(kf["keys"], (0, 2, 4)):
            key["frame"] = frame
        kf["last_frame"] = 4
        node(doc, "FlowGenerator")["params"]["frames"] = 0
    if name == "camera":  # an animated axis gives the fuzzer curves to break
        node(doc, "CameraMove")["params"]["zoom"] = {"keys": [{"frame": 0, "value": 0.0, "interp": "ease"},
                                                              {"frame": 3, "value": 4.0, "interp": "linear"}]}
    if name == "animate":  # a prompt gives it text params
        doc["nodes"].insert(0, _n("Prompt1", "Prompt", {"text": "clouds drift", "negative": ""}, (0, 300)))
        doc["links"].append(_link("Prompt1", "prompt", "FlowGenerator1", "prompt"))
    return doc


def install_media(folder: Path, base: str) -> None:
    (folder / "media").mkdir(exist_ok=True)
    for name in MEDIA[base]:
        shutil.copyfile(SAMPLES / name, folder / "media" / name)


def write_case(folder: Path, doc_or_text, base: str, name: str = WF) -> None:
    install_media(folder, base)
    (folder / "out").mkdir(exist_ok=True)
    data = doc_or_text if isinstance(doc_or_text, bytes) else (
        doc_or_text if isinstance(doc_or_text, str) else dump(doc_or_text) + "\n").encode("utf-8", "surrogatepass")
    (folder / name).write_bytes(data)


def validate(wf: str = WF) -> Step:
    return Step(["validate", wf], frozenset({0, 2}), allow_node_error=False)


def render(wf: str = WF, out: str = OUT, ok=(0, 2), *extra: str, **kw) -> Step:
    return Step(["render", wf, "-o", out, "-q", *extra], frozenset(ok), output=out, **kw)


# -- hostile values -----------------------------------------------------------------------
def huge_value(r: random.Random):
    return r.choice([
        lambda: Raw("9" * r.randint(4301, 6000)),
        lambda: Raw("-" + "9" * 5000),
        lambda: Raw("1e999"), lambda: Raw("-1e999"), lambda: Raw("NaN"), lambda: Raw("Infinity"),
        lambda: Raw("-Infinity"), lambda: Raw("1" + "0" * 400), lambda: Raw("1e308"), lambda: Raw("2.5e-400"),
        lambda: 2 ** 63, lambda: 2 ** 64 + 1, lambda: -(2 ** 63) - 1, lambda: 10 ** 30,
        lambda: Raw("0." + "0" * 5000 + "1"), lambda: Raw("1" + "0" * 5000 + ".5"),
    ])()


def deep_value(r: random.Random) -> Raw:
    n = r.choice([900, 950, 999, 1000, 1500, 5000, 100000, r.randint(900, 3000)])
    if r.random() < 0.7:
        return Raw("[" * n + "]" * n)
    return Raw('{"a": ' * n + "1" + "}" * n)


def long_string(r: random.Random, size: int = 10_000_000) -> Raw:
    kind = r.choice(["ascii", "unicode", "escapes", "path"])
    if kind == "ascii":
        return Raw('"' + "x" * size + '"')
    if kind == "unicode":
        return Raw('"' + "\u00e9\u6f22" * (size // 5) + '"')
    if kind == "escapes":
        return Raw('"' + "\\n\\t\\u0000" * (size // 10) + '"')
    return Raw('"media/' + "d/" * (size // 2) + 'x.png"')


OTHER_TYPES = [None, True, False, 0, -1, 1.5, "", "abc", "0", [], [1, 2], {}, {"a": 1}, [[0, 0]], {"keys": []}]


def wrong_type_for(value, r: random.Random):
    def kind(v):
        return "bool" if isinstance(v, bool) else "num" if isinstance(v, (int, float)) else type(v).__name__
    choices = [v for v in OTHER_TYPES if kind(v) != kind(value)]
    return copy.deepcopy(r.choice(choices))


# -- media --------------------------------------------------------------------------------
def png_bytes(width: int, height: int, rows: bytes | None = None) -> bytes:
    """A black RGB PNG of any size (streams its zeros: 20000x20000 costs a few seconds)."""
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    if rows is None:
        c = zlib.compressobj(9)
        row = bytes(1 + 3 * width)
        parts = [c.compress(row) for _ in range(height)]
        parts.append(c.flush())
        rows = b"".join(parts)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def bomb_header_png(width: int = 100000, height: int = 100000) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` but whose data holds a few rows."""
    c = zlib.compressobj(9)
    data = c.compress(bytes(1 + 3 * width) * 4) + c.flush()
    return png_bytes(width, height, rows=data)


class Assets:
    """Media that are costly to make, made once per run in ``folder`` and copied into cases."""

    def __init__(self, folder: Path):
        self.folder = folder

    def huge_png(self) -> Path:
        path = self.folder / "huge_20000.png"
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(png_bytes(20000, 20000))
            os.replace(tmp, path)
        return path


def media_slot(r: random.Random, kinds=("image", "video")) -> tuple[str, tuple]:
    """A base workflow and the JSON path of one of its media paths."""
    slots = []
    if "image" in kinds:
        slots += [("animate", ("LoadImage", "params", "path")), ("camera", ("LoadImage", "params", "path")),
                  ("keyframes", ("Keyframes", "params", "keys", r.randrange(3), "path"))]
    if "video" in kinds:
        slots += [("video", ("LoadVideo", "params", "path")), ("retime", ("LoadVideo", "params", "path"))]
    base, (type_id, *keys) = r.choice(slots)
    return base, (type_id, *keys)


def set_media(doc: dict, slot: tuple, value: str) -> None:
    type_id, *keys = slot
    put(doc, path_of(doc, type_id, *keys), value)


# -- the builders -------------------------------------------------------------------------
def build_case(case_id: str, folder: Path, assets: Assets, master: int = MASTER_SEED) -> Plan:
    """Write case ``case_id`` into the empty ``folder`` and return what to run there."""
    cls, _ = parse_id(case_id)
    seed = case_seed(case_id, master)
    r = random.Random(seed)
    plan = Plan(case_id, cls, seed, "")
    BUILDERS[cls](r, Path(folder), plan, assets)
    return plan


def _both(plan: Plan, *, render_ok=(0, 2), wf: str = WF) -> None:
    plan.steps += [validate(wf), render(wf, OUT, render_ok)]


def _doc_case(r, folder, plan, mutate, bases=("animate", "camera", "keyframes", "video", "retime")) -> None:
    base = r.choice(bases)
    doc = base_doc(base)
    plan.note = f"{base}: " + (mutate(r, doc) or "")
    write_case(folder, doc, base)
    _both(plan)


def b_byte_flip(r, folder, plan, assets):
    base = r.choice(list(MEDIA))
    data = bytearray((dump(base_doc(base)) + "\n").encode())
    n = r.randint(1, 8)
    spots = [r.randrange(len(data)) for _ in range(n)]
    for i in spots:
        data[i] ^= r.randint(1, 255)
    plan.note = f"{base}: {n} bytes flipped at {sorted(spots)}"
    write_case(folder, bytes(data), base)
    _both(plan)


def b_truncate(r, folder, plan, assets):
    base = r.choice(list(MEDIA))
    data = (dump(base_doc(base)) + "\n").encode()
    cut = r.randrange(len(data))
    plan.note = f"{base}: cut at byte {cut} of {len(data)}"
    write_case(folder, data[:cut], base)
    _both(plan)


def b_delete_key(r, folder, plan, assets):
    def mutate(r, doc):
        keys = [p for p in paths(doc) if isinstance(p[-1], str)]
        picked = r.sample(keys, k=min(len(keys), r.choice([1, 1, 1, 2, 3])))
        done = []
        for p in sorted(picked, key=len, reverse=True):
            try:
                del get(doc, p[:-1])[p[-1]]
                done.append(p)
            except (KeyError, IndexError, TypeError):
                pass
        return "deleted " + ", ".join(_where(p) for p in done)
    _doc_case(r, folder, plan, mutate)


def b_wrong_type(r, folder, plan, assets):
    def mutate(r, doc):
        p = r.choice(paths(doc))
        new = wrong_type_for(get(doc, p), r)
        put(doc, p, new)
        return f"{_where(p)} = {json.dumps(new)}"
    _doc_case(r, folder, plan, mutate)


NUMBER_SPOTS = [("FlowGenerator", "params", "frames"), ("FlowGenerator", "params", "width"),
                ("FlowGenerator", "params", "seed"), ("WriteVideo", "params", "first"),
                ("WriteVideo", "params", "last"),
                ("WriteVideo", "pos", 0), ("WriteVideo", "version"), ("LoadVideo", "params", "last"),
                ("Keyframes", "params", "keys", 1, "frame"), ("Keyframes", "params", "last_frame"),
                ("CameraMove", "params", "pan"), ("CameraMove", "params", "zoom", "keys", 1, "frame"),
                ("MotionBrush", "params", "brushes", 0, "horizontal"),
                ("MotionBrush", "params", "brushes", 0, "shapes", 0, "points", 0, 0), ("Retime", "params", "speed")]


def b_huge_number(r, folder, plan, assets):
    def mutate(r, doc):
        numbers = [p for p in paths(doc) if isinstance(get(doc, p), (int, float)) and not isinstance(get(doc, p), bool)]
        spots = [s for s in NUMBER_SPOTS if any(n["type"] == s[0] for n in doc["nodes"])]
        done = []
        for _ in range(r.choice([1, 1, 2])):
            roll = r.random()
            if roll < 0.15:
                p = ("version",)
            elif roll < 0.55 and spots:
                s = r.choice(spots)
                p = path_of(doc, s[0], *s[1:])
                try:
                    get(doc, p[:-1])
                except (KeyError, IndexError, TypeError):
                    p = r.choice(numbers)
            else:
                p = r.choice(numbers)
            v = huge_value(r)
            put(doc, p, v)
            done.append(f"{_where(p)} = {_short(v)}")
        return "; ".join(done)
    _doc_case(r, folder, plan, mutate)


def b_deep_nesting(r, folder, plan, assets):
    def mutate(r, doc):
        v = deep_value(r)
        spot = r.choice(["unknown", "ui", "extra", "node_extra", "brushes", "keys", "param", "link"])
        if spot == "unknown":
            doc["nodes"].append(_n("Mystery1", "FutureNode", {"value": v}, (0, 500)))
        elif spot == "ui":
            doc["ui"] = {"view": v}
        elif spot == "extra":
            doc["plugin_data"] = v
        elif spot == "node_extra":
            r.choice(doc["nodes"])["comment"] = v
        elif spot == "brushes" and any(n["type"] == "MotionBrush" for n in doc["nodes"]):
            node(doc, "MotionBrush")["params"]["brushes"][0]["shapes"] = v
        elif spot == "keys" and any(n["type"] == "Keyframes" for n in doc["nodes"]):
            node(doc, "Keyframes")["params"]["keys"] = v
        elif spot == "link" and doc["links"]:
            doc["links"][0]["source"] = v
        else:
            nd = r.choice(doc["nodes"])
            nd["params"][r.choice(list(nd["params"]) or ["x"])] = v
        return f"{spot}: nested {_short(v)}"
    _doc_case(r, folder, plan, mutate)


def b_long_string(r, folder, plan, assets):
    def mutate(r, doc):
        v = long_string(r)
        spots = ["name", "id", "type", "reel", "timecode", "link_output", "ui_key", "format"]
        if any(n["type"] == "LoadImage" for n in doc["nodes"]):
            spots.append("image_path")
        if any(n["type"] == "Prompt" for n in doc["nodes"]):
            spots += ["prompt", "prompt"]
        if any(n["type"] == "MotionBrush" for n in doc["nodes"]):
            spots.append("brush_name")
        spot = r.choice(spots)
        if spot == "name":
            r.choice(doc["nodes"])["name"] = v
        elif spot == "id":
            r.choice(doc["nodes"])["id"] = v
        elif spot == "type":
            r.choice(doc["nodes"])["type"] = v
        elif spot in ("reel", "timecode"):
            node(doc, "WriteVideo")["params"][spot] = v
        elif spot == "link_output":
            r.choice(doc["links"])["output"] = v
        elif spot == "ui_key":
            doc["ui"] = {"note": v}
        elif spot == "format":
            doc["format"] = v
        elif spot == "image_path":
            node(doc, "LoadImage")["params"]["path"] = v
        elif spot == "prompt":
            node(doc, "Prompt")["params"]["text"] = v
        else:
            node(doc, "MotionBrush")["params"]["brushes"][0]["name"] = v
        return f"{spot}: {_short(v)}"
    _doc_case(r, folder, plan, mutate)


def b_duplicate_id(r, folder, plan, assets):
    def mutate(r, doc):
        kind = r.choice(["rename", "copy_node", "copy_link", "key_frame", "all_same"])
        if kind == "rename" and len(doc["nodes"]) > 1:
            a, b = r.sample(range(len(doc["nodes"])), 2)
            doc["nodes"][b]["id"] = doc["nodes"][a]["id"]
            return f"nodes[{b}].id = nodes[{a}].id"
        if kind == "copy_link":
            lk = r.choice(doc["links"])
            doc["links"].append(copy.deepcopy(lk))
            return f"link {lk['source']}->{lk['target']} twice"
        if kind == "key_frame" and any(n["type"] == "Keyframes" for n in doc["nodes"]):
            keys = node(doc, "Keyframes")["params"]["keys"]
            keys[2]["frame"] = keys[1]["frame"]
            return "two keys at one frame"
        if kind == "all_same":
            for nd in doc["nodes"]:
                nd["id"] = "Node1"
            return "every node id 'Node1'"
        nd = r.choice(doc["nodes"])
        doc["nodes"].insert(r.randrange(len(doc["nodes"]) + 1), copy.deepcopy(nd))
        return f"node {nd['id']} twice"
    _doc_case(r, folder, plan, mutate)


def b_bad_link(r, folder, plan, assets):
    def mutate(r, doc):
        lk = r.choice(doc["links"])
        ids = [n["id"] for n in doc["nodes"]]
        kind = r.choice(["source", "target", "output", "input", "types", "taken", "self", "not_object",
                         "missing_field", "from_writer", "number_id", "many"])
        if kind == "source":
            lk["source"] = "Nowhere1"
        elif kind == "target":
            lk["target"] = "Nowhere1"
        elif kind == "output":
            lk["output"] = "nothing"
        elif kind == "input":
            lk["input"] = "nothing"
        elif kind == "types":
            doc["links"].append(_link(ids[0], lk["output"], "WriteVideo1", "clip") if ids[0] != lk["source"]
                                else _link("WriteVideo1", "clip", ids[0], "image"))
            doc["links"].remove(next(x for x in doc["links"] if x["target"] == "WriteVideo1"))
        elif kind == "taken":
            doc["links"].append(_link(ids[0], r.choice(["image", "clip", "prompt", "keyframes"]), lk["target"],
                                      lk["input"]))
        elif kind == "self":
            doc["links"].append(_link(lk["target"], "clip", lk["target"], "clip"))
        elif kind == "not_object":
            doc["links"][doc["links"].index(lk)] = r.choice([["a", "b"], "LoadImage1->WriteVideo1", 7, None])
        elif kind == "missing_field":
            del lk[r.choice(["source", "output", "target", "input"])]
        elif kind == "from_writer":
            doc["links"].append(_link("WriteVideo1", "clip", ids[0], "clip"))
        elif kind == "number_id":
            lk["source"] = 0
        else:
            doc["links"] = doc["links"] * 50
        return kind
    _doc_case(r, folder, plan, mutate)


def b_cycle(r, folder, plan, assets):
    def mutate(r, doc):
        n = r.choice([1, 2, 3, 10, 50])
        retimes = [_n(f"Retime{i + 1}", "Retime", {"speed": 1.0, "fps": "source", "rolling_shutter": "off",
                                                   "readout": 0.5}, (300 + 40 * i, 200)) for i in range(n)]
        doc["nodes"] += retimes
        feeding = r.random() < 0.6
        writer_link = next(lk for lk in doc["links"] if lk["target"] == "WriteVideo1")
        links = [_link(f"Retime{i + 1}", "clip", f"Retime{(i + 1) % n + 1}", "clip") for i in range(n)]
        if feeding:  # the cycle feeds the writer
            writer_link["source"], writer_link["output"] = f"Retime{n}", "clip"
        r.shuffle(links)
        doc["links"] += links
        return f"a cycle of {n} Retime node(s){' feeding the writer' if feeding else ''}"
    _doc_case(r, folder, plan, mutate)


def b_unknown_type(r, folder, plan, assets):
    def mutate(r, doc):
        nd = r.choice(doc["nodes"])
        new = r.choice(["FlowGeneratorV2", "", "\U0001f4a5", "X" * 1000, "__proto__", "WriteVideo ", "writevideo",
                        123, None, ["LoadImage"], "studio.cli"])
        if r.random() < 0.3:
            doc["nodes"].append(_n("Future1", "FutureNode", {"anything": [1, {"b": None}]}, (0, 400)))
            doc["links"].append(_link("Future1", "clip", "WriteVideo1", "clip"))
            doc["links"] = [lk for lk in doc["links"] if lk["target"] != "WriteVideo1" or lk["source"] == "Future1"]
            return "an unknown node feeds the writer"
        nd["type"] = new
        return f"{nd['id']}.type = {_short(new)}"
    _doc_case(r, folder, plan, mutate)


OUT_OF_RANGE = {
    "FlowGenerator": {"frames": [-1, 100001, 1.5, 10 ** 9], "width": [-1, 8193, 100000, 1], "height": [-5, 9000, 1],
                      "fps": ["23.9760", "0", "-24", 24, ""], "seed": [-1, 2 ** 31, 2 ** 63],
                      "shutter_angle": [-1, 361, 1e308], "engine": ["sd", ""]},
    "WriteVideo": {"first": [-1, 10 ** 6], "last": [-2, 10 ** 6], "preset": ["prores_xq", ""],
                   "timecode": ["25:00:00:00", "01:00:00:99", "garbage", "-01:00:00:00", "99:99:99:99"],
                   "reel": ["a b", "R" * 200, "\n", "\u00e9"]},
    "CameraMove": {"pan": [11, -11, 1e308, {"keys": []}, {"keys": [{"frame": -1, "value": 0}]},
                           {"keys": [{"frame": 1e308, "value": 1}]},
                           {"keys": [{"frame": 0, "value": 0, "interp": "cubic"}]},
                           {"keys": [{"frame": 0, "value": 0, "interp": "bezier", "out": [1e308, 0]},
                                     {"frame": 3, "value": 1}]},
                           {"keys": [{"frame": 3, "value": 1}, {"frame": 0, "value": 0}]},
                           {"keys": [{"frame": 0, "value": "a"}]},
                           {"keys": [{"frame": 0, "value": 0}, {"frame": 0, "value": 5}]}],
                   "easing": ["bounce", 3]},
    "Keyframes": {"last_frame": [0, 100001, -1],
                  "keys": [[], [{"path": "media/sill_a.png", "frame": -1}], [{"path": "", "frame": 0}],
                           [{"frame": 0}], [{"path": "media/sill_a.png", "frame": 100000},
                                            {"path": "media/sill_b.png", "frame": 0}],
                           [{"path": "media/sill_a.png", "frame": 0, "hold": 10},
                            {"path": "media/sill_b.png", "frame": 4}]]},
    "MotionBrush": {"brushes": [[{"horizontal": 1e308}], [{"proximity": -1e6}],
                                [{"shapes": [{"kind": "circle", "points": [[0, 0]]}]}],
                                [{"shapes": [{"kind": "polygon", "points": [[0, 0], [1, 1]]}]}],
                                [{"shapes": [{"kind": "stroke", "points": [[0.5, 0.5]], "radius": 0}]}],
                                [{"shapes": [{"kind": "stroke", "points": [[0.5, 0.5]], "softness": 2}]}],
                                [{"shapes": [{"kind": "polygon", "points": [[-1e300, 0], [1e300, 0], [0, 1e300]]}]}],
                                [{"shapes": [{"kind": "stroke", "points": [["a", 0]]}]}],
                                [{"trajectory": [[0, 0]]}], [{"trajectory": [[0, 0], [1e308, 1e308]], "horizontal": 1}],
                                [{"horizontal": 1}] * 9, [{"easing": "bounce"}]]},
    "Retime": {"speed": [0, -1, 0.04, 10.1, 1e308], "fps": ["61", 60], "rolling_shutter": ["on"], "readout": [0, 2]},
    "LoadVideo": {"first": [-1, 10 ** 6, 36], "last": [-2, 10 ** 9]},
    "LoadImage": {"path": ["", "media", "media/", "media/kodim03.PNG", "media/nope.png", "http://example.com/x.png",
                           "media/kodim03.png\u0000.txt"]},
    "Prompt": {"text": [None, 5], "negative": [[]]},
}


def b_out_of_range(r, folder, plan, assets):
    def mutate(r, doc):
        candidates = [(i, nd) for i, nd in enumerate(doc["nodes"]) if nd["type"] in OUT_OF_RANGE]
        done = []
        for _ in range(r.choice([1, 1, 1, 2])):
            i, nd = r.choice(candidates)
            param = r.choice(list(OUT_OF_RANGE[nd["type"]]))
            value = copy.deepcopy(r.choice(OUT_OF_RANGE[nd["type"]][param]))
            nd["params"][param] = value
            done.append(f"{nd['id']}.{param} = {_short(value)}")
        return "; ".join(done)
    _doc_case(r, folder, plan, mutate, bases=("animate", "camera", "keyframes", "video", "retime"))


def b_keyframe_hold(r, folder, plan, assets):
    def mutate(r, doc):
        keys = node(doc, "Keyframes")["params"]["keys"]
        k = r.choice([2, 2, 0, 1])
        fld = r.choice(["hold", "hold", "hold", "frame"])
        v = r.choice([10 ** 30, 2 ** 63, 10 ** 7, 100001, -1, 1.5, "10", 2 ** 64 + 1])
        keys[k][fld] = v
        return f"keys[{k}].{fld} = {_short(v)}"
    _doc_case(r, folder, plan, mutate, bases=("keyframes",))


def b_flow_size(r, folder, plan, assets):
    base = r.choice(["animate", "camera"])
    doc = base_doc(base)
    gen = node(doc, "FlowGenerator")["params"]
    size = r.choice([(8192, 96), (128, 8192), (8192, 8192), (8192, 4320)])
    gen.update(width=size[0], height=size[1], frames=r.choice([2, 3, 4]))
    plan.note = f"{base}: FlowGenerator {size[0]}x{size[1]}, {gen['frames']} frames"
    write_case(folder, doc, base)
    plan.steps += [validate(), render(ok=(0, 2))]


def b_brush_points(r, folder, plan, assets):
    import math
    doc = base_doc("animate")
    n = 200_000
    kind = r.choice(["polygon", "polygon", "stroke"])
    if r.random() < 0.5:
        pts = [[round(r.random(), 4), round(r.random(), 4)] for _ in range(n)]
        shape_desc = "random"
    else:
        pts = [[round(0.5 + 0.4 * math.cos(6.2832 * i / n), 5), round(0.5 + 0.4 * math.sin(6.2832 * i / n), 5)]
               for i in range(n)]
        shape_desc = "circle"
    brushes = node(doc, "MotionBrush")["params"]["brushes"]
    brushes[0]["shapes"] = [{"kind": kind, "points": pts, "softness": 0.5}]
    if r.random() < 0.5:  # at the example's size, where the fill is slowest
        node(doc, "FlowGenerator")["params"].update(width=0, height=0)
    size = node(doc, "FlowGenerator")["params"]["width"] or 768
    plan.note = f"animate: a {shape_desc} {kind} of {n} points, width {size}"
    write_case(folder, doc, "animate")
    plan.steps += [validate(), render(ok=(0, 2))]


def b_retime_chain(r, folder, plan, assets):
    doc = base_doc("video")
    n = r.choice([1000, 3000, 3000, 5000])
    doc["nodes"] = [doc["nodes"][0]] + [
        _n(f"Retime{i + 1}", "Retime", {"speed": 1.0, "fps": "source", "rolling_shutter": "off", "readout": 0.5},
           (200 + i, 0)) for i in range(n)] + [doc["nodes"][-1]]
    chain = ["LoadVideo1"] + [f"Retime{i + 1}" for i in range(n)] + ["WriteVideo1"]
    doc["links"] = [_link(a, "clip", b, "clip") for a, b in zip(chain, chain[1:])]
    plan.note = f"video: a chain of {n} Retime nodes"
    write_case(folder, doc, "video")
    plan.steps += [validate(), render(ok=(0, 2))]


def _media_case(r, folder, plan, make, kinds=("image", "video"), mention=None, catch=True, render_ok=(0, 2),
                broken=True):
    base, slot = media_slot(r, kinds)
    doc = base_doc(base)
    write_case(folder, doc, base)
    value, desc = make(r, folder, slot)
    set_media(doc, slot, value)
    (folder / WF).write_text(dump(doc) + "\n", encoding="utf-8")
    plan.note = f"{base}: {'.'.join(map(str, slot))} = {desc}"
    plan.validate_must_catch = catch
    plan.broken_media = broken and catch
    plan.steps += [validate(), render(ok=render_ok)]
    for s in plan.steps:
        s.mention = mention


def _ext(slot) -> str:
    return ".mp4" if slot[0] == "LoadVideo" else ".png"


def b_media_dir(r, folder, plan, assets):
    def make(r, folder, slot):
        d = folder / "media" / f"shot{_ext(slot)}"
        d.mkdir()
        if r.random() < 0.5:
            (d / "inside.png").write_bytes((SAMPLES / "chelsea.png").read_bytes()[:100])
        return f"media/{d.name}", "a directory"
    _media_case(r, folder, plan, make, mention=r"(?i)director|folder")


def b_media_empty(r, folder, plan, assets):
    def make(r, folder, slot):
        (folder / "media" / f"empty{_ext(slot)}").write_bytes(b"")
        return f"media/empty{_ext(slot)}", "an empty file"
    _media_case(r, folder, plan, make)


def b_media_text(r, folder, plan, assets):
    def make(r, folder, slot):
        (folder / "media" / f"notes{_ext(slot)}").write_text("these are my notes, not a picture\n" * r.randint(1, 300))
        return f"media/notes{_ext(slot)}", "a text file"
    _media_case(r, folder, plan, make)


def b_media_truncated(r, folder, plan, assets):
    def make(r, folder, slot):
        src = SAMPLES / ("realshort.mp4" if slot[0] == "LoadVideo" else "coffee.png")
        data = src.read_bytes()
        cut = r.randrange(8, len(data) - 1)
        (folder / "media" / f"cut{src.suffix}").write_bytes(data[:cut])
        return f"media/cut{src.suffix}", f"{src.name} cut at byte {cut} of {len(data)}"
    _media_case(r, folder, plan, make, broken=False)  # a cut picture may keep a readable header


def b_media_tiny(r, folder, plan, assets):
    def make(r, folder, slot):
        import cv2
        import numpy as np
        w, h = r.choice([(1, 1), (2, 1), (1, 2), (3, 3)])
        ok, enc = cv2.imencode(".png", np.full((h, w, 3), r.randrange(256), np.uint8))
        (folder / "media" / "tiny.png").write_bytes(enc.tobytes())
        return "media/tiny.png", f"a {w}x{h} picture"
    _media_case(r, folder, plan, make, kinds=("image",), catch=False)


def b_media_huge(r, folder, plan, assets):
    def make(r, folder, slot):
        if r.random() < 0.6:
            shutil.copyfile(assets.huge_png(), folder / "media" / "huge.png")
            return "media/huge.png", "a 20000x20000 PNG"
        w = r.choice([100000, 65535, 30000])
        (folder / "media" / "huge.png").write_bytes(bomb_header_png(w, w))
        return "media/huge.png", f"a PNG header claiming {w}x{w}, a few rows of data"
    _media_case(r, folder, plan, make, kinds=("image",), catch=False)


def b_media_fifo(r, folder, plan, assets):
    def make(r, folder, slot):
        os.mkfifo(folder / "media" / f"clip_a{_ext(slot)}")
        return f"media/clip_a{_ext(slot)}", "a FIFO"
    _media_case(r, folder, plan, make, mention=r"(?i)fifo|pipe")


def b_media_device(r, folder, plan, assets):
    def make(r, folder, slot):
        dev = r.choice(["/dev/zero", "/dev/zero", "/dev/urandom", "/dev/null"])
        if r.random() < 0.5:
            return dev, dev
        link = folder / "media" / f"take2{_ext(slot)}"
        os.symlink(dev, link)
        return f"media/{link.name}", f"a link to {dev}"
    _media_case(r, folder, plan, make, mention=r"(?i)device|special|character|not a regular file|extension")


def b_media_png_as_video(r, folder, plan, assets):
    def make(r, folder, slot):
        name = r.choice(["picture.mp4", "picture.mov", "picture.png"])
        shutil.copyfile(SAMPLES / "chelsea.png", folder / "media" / name)
        return f"media/{name}", "a PNG (chelsea.png)"
    _media_case(r, folder, plan, make, kinds=("video",), mention=r"LoadVideo1")


def b_media_no_moov(r, folder, plan, assets):
    def make(r, folder, slot):
        data = (SAMPLES / "realshort.mp4").read_bytes()
        moov = data.rfind(b"moov") - 4
        cut = r.choice([moov, moov, r.randrange(1000, moov)])
        (folder / "media" / "nomoov.mp4").write_bytes(data[:cut])
        return "media/nomoov.mp4", f"realshort.mp4 cut at byte {cut} (moov at {moov})"
    _media_case(r, folder, plan, make, kinds=("video",))


def _refuse(plan: Plan, wf: str, out: str, *extra: str) -> None:
    plan.steps.append(render(wf, out, (2,), *extra, allow_node_error=False))


def b_out_input(r, folder, plan, assets):
    kind = r.choice(["video", "video_abs", "video_dotted", "retime", "picture", "key_frames"])
    if kind == "picture":
        write_case(folder, base_doc("camera"), "camera")
        _refuse(plan, WF, "media/chelsea.png")
    elif kind == "key_frames":  # a PNG sequence whose names are the key frames'
        doc = base_doc("keyframes")
        for i, key in enumerate(node(doc, "Keyframes")["params"]["keys"]):
            key["path"] = f"media/k_{i:04d}.png"
        write_case(folder, doc, "keyframes")
        for i, name in enumerate(MEDIA["keyframes"]):
            os.replace(folder / "media" / name, folder / "media" / f"k_{i:04d}.png")
        _refuse(plan, WF, "media/k_%04d.png")
    else:
        base = "retime" if kind == "retime" else "video"
        write_case(folder, base_doc(base), base)
        out = {"video": "media/realshort.mp4", "video_abs": str(folder / "media" / "realshort.mp4"),
               "video_dotted": "./out/../media/./realshort.mp4", "retime": "media/realshort.mp4"}[kind]
        _refuse(plan, WF, out)
    plan.note = f"-o at an input ({kind}): {plan.steps[-1].output}"


def b_out_workflow(r, folder, plan, assets):
    kind = r.choice(["named_mov", "preset", "named_mp4"])
    if kind == "preset":
        write_case(folder, base_doc("video"), "video")
        _refuse(plan, WF, WF, "--preset", "prores")
    else:
        name = "wf.mov" if kind == "named_mov" else "wf.mp4"
        write_case(folder, base_doc("video"), "video", name=name)
        _refuse(plan, name, name)
    plan.note = f"-o at the workflow ({kind})"


def b_out_symlink(r, folder, plan, assets):
    kind = r.choice(["video_rel", "video_abs", "workflow", "dangling_into_media"])
    write_case(folder, base_doc("video"), "video")
    link = folder / "out" / "link.mp4"
    if kind == "video_rel":
        os.symlink("../media/realshort.mp4", link)
    elif kind == "video_abs":
        os.symlink(folder / "media" / "realshort.mp4", link)
    elif kind == "workflow":
        link = folder / "out" / "link.mov"
        os.symlink(f"../{WF}", link)
    else:  # a link to a folder holding the input
        link = folder / "out" / "media_link"
        os.symlink("../media", link)
        link = link / "realshort.mp4"
    _refuse(plan, WF, str(link.relative_to(folder)))
    plan.note = f"-o through a symbolic link ({kind})"


def b_out_hardlink(r, folder, plan, assets):
    kind = r.choice(["video", "workflow"])
    write_case(folder, base_doc("video"), "video")
    if kind == "video":
        os.link(folder / "media" / "realshort.mp4", folder / "out" / "hard.mp4")
        _refuse(plan, WF, "out/hard.mp4")
    else:
        os.link(folder / WF, folder / "out" / "hard.mov")
        _refuse(plan, WF, "out/hard.mov")
    plan.note = f"-o at a hard link ({kind})"


def b_out_dir(r, folder, plan, assets):
    base = r.choice(["camera", "video"])
    write_case(folder, base_doc(base), base)
    name = r.choice(["exists.mov", "exists.mp4"])
    d = folder / "out" / name
    d.mkdir()
    if r.random() < 0.5:
        (d / "keep.txt").write_text("mine\n")
    _refuse(plan, WF, f"out/{name}")
    plan.note = f"{base}: -o at an existing directory {name}"


def b_out_missing(r, folder, plan, assets):
    kind = r.choice(["ok", "ok_sequence", "refused", "failing_sequence", "failing"])
    base = "video" if kind.startswith("failing") else "camera"
    doc = base_doc(base)
    if kind == "refused":
        node(doc, "LoadImage")["params"]["path"] = "media/missing.png"
    if kind in ("failing", "failing_sequence"):  # frames 100-110 of a 36-frame clip (render -o resets WriteVideo's)
        node(doc, "LoadVideo")["params"].update(first=100, last=110)
    write_case(folder, doc, base)
    out = {"ok": "new/a/b/result.mov", "ok_sequence": "new/a/seq/frame_%04d.png", "refused": "new/a/b/result.mov",
           "failing_sequence": "new/a/seq/frame_%04d.png", "failing": "new/a/b/result.mp4"}[kind]
    ok = {"ok": (0,), "ok_sequence": (0,), "refused": (2,)}.get(kind, (1, 2))
    plan.steps.append(render(WF, out, ok))
    plan.note = f"{base}: -o in missing folders ({kind}): {out}"


def b_out_readonly(r, folder, plan, assets):
    base = r.choice(["camera", "video"])
    write_case(folder, base_doc(base), base)
    ro = folder / "ro"
    ro.mkdir()
    (ro / "existing.txt").write_text("keep\n")
    out = r.choice(["ro/result.mov", "ro/sub/result.mov", "ro/seq/frame_%04d.png", "ro/existing.mov"])
    plan.readonly.append("ro")
    plan.steps.append(render(WF, out, (1, 2), drop_dac=True))
    plan.note = f"{base}: -o in a read-only folder: {out}"


def b_disk_full(r, folder, plan, assets):
    doc = base_doc("animate")
    node(doc, "FlowGenerator")["params"].update(width=768, height=512, frames=24)
    write_case(folder, doc, "animate")
    out = r.choice(["out/result.mov", "out/seq/frame_%04d.png", "out/result.mp4"])
    # the limit is per file: below one frame for a sequence, below the whole clip for a movie
    limit = r.choice([64 * 1024, 256 * 1024, 1024 * 1024]) if out.endswith(".mov") else 64 * 1024
    plan.steps.append(render(WF, out, (1, 2), fsize=limit))
    plan.note = f"animate 768x512x24 to {out} with a {limit // 1024} KB file-size limit"


def _long_render_doc() -> dict:
    doc = base_doc("animate")
    node(doc, "FlowGenerator")["params"].update(width=768, height=512, frames=150)
    return doc


def b_sigint(r, folder, plan, assets):
    write_case(folder, _long_render_doc(), "animate")
    fault = r.choice(["sigint-group", "sigint-group", "sigint-group", "sigint-main"])
    out = r.choice(["out/result.mov", "out/result.mov", "out/result.mp4", "out/seq/frame_%04d.png"])
    step = render(WF, out, (130,), fault=fault, allow_node_error=False,
                  companion=["render", WF, "-o", "out/companion.mov", "-q"])
    plan.steps.append(step)
    plan.note = f"animate 768x512x150 to {out}: {fault} mid-render, a second render running"


def b_sigkill(r, folder, plan, assets):
    doc = _long_render_doc()
    node(doc, "FlowGenerator")["params"]["frames"] = 60
    write_case(folder, doc, "animate")
    fault = r.choice(["sigkill-main", "sigkill-main", "sigkill-group"])
    out = r.choice(["out/result.mov", "out/result.mp4", "out/seq/frame_%04d.png"])
    plan.steps.append(render(WF, out, (-9,), fault=fault, allow_node_error=False))
    plan.steps.append(render(WF, out, (0,), allow_node_error=False))
    plan.note = f"animate 768x512x60 to {out}: {fault} mid-render, then rendered again"


BUILDERS = {name[2:]: fn for name, fn in globals().items() if name.startswith("b_")}
assert set(BUILDERS) == set(CLASSES), set(BUILDERS) ^ set(CLASSES)


def _where(path) -> str:
    out = ""
    for k in path:
        out += f"[{k}]" if isinstance(k, int) else (f".{k}" if out else str(k))
    return out


def _short(v) -> str:
    text = v if isinstance(v, str) else json.dumps(v) if not isinstance(v, int) or abs(v) < 10 ** 100 else "<big int>"
    return text if len(text) <= 40 else f"{text[:20]}...({len(text)} chars)"
