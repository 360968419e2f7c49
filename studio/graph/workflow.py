"""Workflow files (``.cgraph``): versioned, human-readable, diff-friendly JSON.

Top level::

    {"format": "cinegraph", "version": 1,
     "nodes": [{"id": "LoadImage1", "type": "LoadImage", "version": 1, "name": "Load Image",
                "pos": [0, 0], "params": {"path": "samples/coffee.png"}}, ...],
     "links": [{"source": "LoadImage1", "output": "image",
                "target": "FlowGenerator1", "input": "image"}, ...],
     "ui": {...},
     "sequence": {"name": "Cut 1", "fps": "24", "start": "01:00:00:00",
                  "shots": [{"id": "shot1", "name": "Push-in", "media": "../out/camera_move.mov",
                             "node": "WriteVideo1", "in": 0, "out": 48, "frames": 48, "fps": "24",
                             "reel": "A001", "timecode": "00:00:00:00"}, ...]}}

* Media paths (``path`` params) are stored relative to the workflow file when it lives on
  the same drive, and resolved back to absolute paths on load.
* Loading reports *every* problem at once with its JSON path
  (``nodes[3].params.strength: expected a number, got "abc"``).  In lenient mode
  (``strict=False``) everything that can be loaded is, and the problems come back beside
  the graph: a bad param falls back to its default, a bad link is dropped.
* ``sequence`` (the shot list, :mod:`studio.graph.sequence`) is written only when it has
  shots or settings other than the defaults, so files without one round trip unchanged; its
  media paths are relative like path params, and its problems are reported as
  ``sequence.shots[2].reel: ...``.  Leniently loaded, a sequence with problems keeps its
  valid shots (and is saved as loaded); when nothing of it loads, its JSON is kept and
  written back as read until shots are added.
* Unknown node types load as placeholders that keep their JSON and are written back
  unchanged; unknown keys on nodes and at the top level are kept too.
* A file from a newer format version is refused; older versions pass through
  :data:`MIGRATIONS` (``version -> function(doc) -> doc`` upgrading by one version).
* :func:`save` is atomic: it writes a temporary file in the same folder, flushes it to
  disk and renames it over the target, so a crash never leaves a half-written file.

The same node serialisation is used by save, the clipboard and undo of a delete.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.errors import Problem, WorkflowError
from studio.graph.model import Graph, Link, Node
from studio.graph.nodetype import _copy
from studio.graph.registry import Registry
from studio.graph.sequence import Sequence, sequence_from_json, sequence_to_json
from studio.graph.types import compatible

FORMAT = "cinegraph"
VERSION = 1
SUFFIX = ".cgraph"
#: from-version -> function upgrading a document by one version (in place or a copy)
MIGRATIONS: dict[int, Callable[[dict], dict]] = {}
_NODE_KEYS = ("id", "type", "version", "name", "pos", "bypass", "params")


# -- writing -----------------------------------------------------------------------------
def _rel(path: str, base_dir: str | None) -> str:
    if not path or base_dir is None or not os.path.isabs(path):
        return path
    try:
        return Path(os.path.relpath(path, base_dir)).as_posix()
    except ValueError:  # another drive on Windows
        return path


def _abs(path: str, base_dir: str | None) -> str:
    if not path or base_dir is None or os.path.isabs(path) or "://" in path:
        return path
    return os.path.normpath(os.path.join(base_dir, path))


def map_paths(spec, value: Any, fn: Callable[[str], str]) -> Any:
    """Apply ``fn`` to every file path a param value holds (path params, data path keys)."""
    if spec.kind == "path" and isinstance(value, str):
        return fn(value)
    if spec.path_keys and isinstance(value, list):
        return [{k: (fn(v) if k in spec.path_keys and isinstance(v, str) else _copy(v)) for k, v in item.items()}
                if isinstance(item, dict) else _copy(item) for item in value]
    return _copy(value)


def node_to_json(node: Node, base_dir: str | None = None) -> dict:
    """The JSON object of one node, as saved."""
    if node.raw is not None:   # placeholder: exactly what was read, with edits of pos/name
        out = _copy(node.raw)
        out["pos"] = [node.pos[0], node.pos[1]]
        return out
    t = node.node_type
    params = {}
    for spec in t.params:
        value = node.params.get(spec.name, spec.default)
        params[spec.name] = map_paths(spec, value, lambda p: _rel(p, base_dir))
    out: dict[str, Any] = {"id": node.id, "type": t.type_id, "version": t.version, "name": node.name,
                           "pos": [node.pos[0], node.pos[1]]}
    if node.bypass:
        out["bypass"] = True
    out["params"] = params
    out.update(_copy(node.extra))
    return out


def link_to_json(link: Link) -> dict:
    return {"source": link.source, "output": link.output, "target": link.target, "input": link.input}


def sorted_links(graph: Graph) -> list[Link]:
    """Links in a canonical order (by target node order, then input), so saves are stable."""
    order = {nid: i for i, nid in enumerate(graph.nodes)}
    return sorted(graph.links, key=lambda lk: (order.get(lk.target, 0), lk.input, order.get(lk.source, 0), lk.output))


def to_document(graph: Graph, base_dir: str | None = None, node_ids: list[str] | None = None) -> dict:
    """The whole workflow document, or a fragment holding ``node_ids`` and the links among them."""
    wanted = set(graph.nodes if node_ids is None else node_ids)
    ids = [n for n in graph.nodes if n in wanted]
    idset = set(ids)
    doc: dict[str, Any] = {"format": FORMAT, "version": VERSION,
                           "nodes": [node_to_json(graph.nodes[n], base_dir) for n in ids],
                           "links": [link_to_json(lk) for lk in sorted_links(graph) if lk.source in idset and lk.target in idset]}
    if node_ids is None:
        doc["ui"] = _copy(graph.ui)
        if not graph.sequence.is_default():
            doc["sequence"] = sequence_to_json(graph.sequence, lambda p: _rel(p, base_dir))
        for key, value in graph.extra.items():
            if key not in doc:
                doc[key] = _copy(value)
    return doc


def dumps(doc_or_graph: dict | Graph, base_dir: str | None = None) -> str:
    doc = to_document(doc_or_graph, base_dir) if isinstance(doc_or_graph, Graph) else doc_or_graph
    return _pretty(doc, 0) + "\n"


def _pretty(value: Any, depth: int) -> str:
    """JSON with one key per line, but short lists of numbers (points, positions) on one line."""
    pad, inner = "  " * depth, "  " * (depth + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{json.dumps(str(k), ensure_ascii=False)}: {_pretty(v, depth + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        flat = all(not isinstance(v, (dict, list)) for v in value) or \
            all(isinstance(v, list) and all(not isinstance(x, (dict, list)) for x in v) for v in value)
        if flat:
            text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
            if len(text) <= 100 or all(not isinstance(v, list) for v in value):
                return text
            return "[\n" + ",\n".join(inner + json.dumps(v, ensure_ascii=False, separators=(", ", ": "))
                                       for v in value) + "\n" + pad + "]"
        return "[\n" + ",\n".join(inner + _pretty(v, depth + 1) for v in value) + "\n" + pad + "]"
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"cannot save the non-finite number {value!r}")
    return json.dumps(value, ensure_ascii=False)


def save(graph: Graph, path: str | os.PathLike) -> None:
    """Write the workflow atomically (temporary file, fsync, rename)."""
    path = os.path.abspath(os.fspath(path))
    folder = os.path.dirname(path)
    text = dumps(graph, base_dir=folder)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".partial", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# -- reading -----------------------------------------------------------------------------
@dataclass
class Loaded:
    """What a document holds, parsed: the parts that loaded and every problem found."""

    nodes: list[Node] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    ui: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)
    sequence: Sequence = field(default_factory=Sequence)
    problems: list[Problem] = field(default_factory=list)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _type_name(v: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false", type(None): "null"}.get(
        type(v), "a number" if _is_num(v) else type(v).__name__)


def parse_document(doc: Any, registry: Registry, base_dir: str | None = None, *,
                   fragment: bool = False) -> Loaded:
    """Parse a workflow document (already JSON-decoded), collecting every problem."""
    out = Loaded()
    P = out.problems

    def problem(where: str, msg: str, node_id: str | None = None, fld: str | None = None) -> None:
        P.append(Problem(where, msg, node_id, fld))

    if not isinstance(doc, dict):
        problem("", f"expected a JSON object at the top, got {_type_name(doc)}")
        return out
    if doc.get("format") != FORMAT:
        problem("format", f"expected \"{FORMAT}\", got {doc.get('format')!r} (is this a Cinegraph workflow?)")
        return out
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        problem("version", f"expected a whole number, got {version!r}")
        return out
    if version > VERSION:
        problem("version", f"this file is format version {version}, written by a newer Cinegraph; "
                           f"this one reads up to version {VERSION}. Update Cinegraph to open it")
        return out
    while version < VERSION:
        migrate = MIGRATIONS.get(version)
        if migrate is None:
            problem("version", f"no migration from format version {version}")
            return out
        doc = migrate(_copy(doc))
        version += 1
        doc["version"] = version

    nodes_json = doc.get("nodes", [])
    if not isinstance(nodes_json, list):
        problem("nodes", f"expected a list, got {_type_name(nodes_json)}")
        nodes_json = []
    seen: dict[str, Node] = {}
    for i, nd in enumerate(nodes_json):
        node = _parse_node(nd, f"nodes[{i}]", registry, base_dir, seen, problem)
        if node is not None:
            seen[node.id] = node
            out.nodes.append(node)

    links_json = doc.get("links", [])
    if not isinstance(links_json, list):
        problem("links", f"expected a list, got {_type_name(links_json)}")
        links_json = []
    taken: set[tuple[str, str]] = set()
    for i, lk in enumerate(links_json):
        link = _parse_link(lk, f"links[{i}]", seen, taken, problem)
        if link is not None:
            taken.add((link.target, link.input))
            out.links.append(link)
    _drop_cycles(out, problem)

    ui = doc.get("ui", {})
    if not isinstance(ui, dict):
        problem("ui", f"expected an object, got {_type_name(ui)}")
    else:
        out.ui = ui
    out.extra = {k: v for k, v in doc.items() if k not in ("format", "version", "nodes", "links", "ui")}
    if "sequence" in doc and not fragment:
        out.sequence, problems = sequence_from_json(doc["sequence"], lambda p: _abs(p, base_dir))
        P.extend(problems)
        if not problems or not out.sequence.is_default():  # else kept as read, and written back so
            del out.extra["sequence"]                        # (until a shot is added)
    return out


def _parse_node(nd: Any, path: str, registry: Registry, base_dir: str | None, seen: dict, problem) -> Node | None:
    if not isinstance(nd, dict):
        problem(path, f"expected an object, got {_type_name(nd)}")
        return None
    nid = nd.get("id")
    if not isinstance(nid, str) or not nid.strip():
        problem(f"{path}.id", f"expected a non-empty text id, got {nid!r}")
        return None
    if nid in seen:
        problem(f"{path}.id", f"the id {nid!r} is used twice", nid, "id")
        return None
    type_id = nd.get("type")
    if not isinstance(type_id, str) or not type_id:
        problem(f"{path}.type", f"expected a node type, got {type_id!r}", nid, "type")
        return None
    pos = nd.get("pos", [0, 0])
    if not (isinstance(pos, list) and len(pos) == 2 and all(_is_num(c) for c in pos)):
        problem(f"{path}.pos", f"expected [x, y] numbers, got {pos!r}", nid, "pos")
        pos = [0, 0]
    t = registry.get(type_id)
    if t is None:
        return Node(nid, type_id, None, name=nd.get("name") if isinstance(nd.get("name"), str) else type_id,
                    pos=(pos[0], pos[1]), raw=_copy(nd))
    name = nd.get("name", t.display_name)
    if not isinstance(name, str):
        problem(f"{path}.name", f"expected text, got {name!r}", nid, "name")
        name = t.display_name
    bypass = nd.get("bypass", False)
    if not isinstance(bypass, bool):
        problem(f"{path}.bypass", f"expected true or false, got {bypass!r}", nid, "bypass")
        bypass = False
    params_json = nd.get("params", {})
    if not isinstance(params_json, dict):
        problem(f"{path}.params", f"expected an object, got {_type_name(params_json)}", nid, "params")
        params_json = {}
    params = {}
    for key, value in params_json.items():
        spec = t.param(key)
        if spec is None:
            problem(f"{path}.params.{key}", f"{t.type_id} has no param {key!r}", nid, key)
            continue
        errs = spec.check(value)
        if errs:
            for where, msg in errs:
                problem(f"{path}.params.{key}{where}", msg, nid, key)
            continue
        value = spec.normalise(value)
        params[key] = map_paths(spec, value, lambda p: _abs(p, base_dir))
    extra = {k: v for k, v in nd.items() if k not in _NODE_KEYS}
    return Node(nid, t.type_id, t, name=name, params=params, pos=(pos[0], pos[1]), bypass=bypass, extra=extra)


def _parse_link(lk: Any, path: str, nodes: dict[str, Node], taken: set, problem) -> Link | None:
    if not isinstance(lk, dict):
        problem(path, f"expected an object, got {_type_name(lk)}")
        return None
    vals = {}
    for key in ("source", "output", "target", "input"):
        v = lk.get(key)
        if not isinstance(v, str) or not v:
            problem(f"{path}.{key}", f"expected text, got {v!r}")
            return None
        vals[key] = v
    link = Link(**vals)
    src, dst = nodes.get(link.source), nodes.get(link.target)
    if src is None:
        problem(f"{path}.source", f"no node with id {link.source!r}")
        return None
    if dst is None:
        problem(f"{path}.target", f"no node with id {link.target!r}")
        return None
    op, ip = src.output_port(link.output), dst.input_port(link.input)
    if op is None:
        problem(f"{path}.output", f"{src.type_id} {link.source!r} has no output {link.output!r}", link.source, link.output)
        return None
    if ip is None:
        problem(f"{path}.input", f"{dst.type_id} {link.target!r} has no input {link.input!r}", link.target, link.input)
        return None
    ok, why = compatible(op.type, ip.type)
    if not ok:
        problem(path, why, link.target, link.input)
        return None
    if (link.target, link.input) in taken:
        problem(f"{path}.input", f"input {link.input!r} of {link.target!r} already has a link", link.target, link.input)
        return None
    return link


def _drop_cycles(out: Loaded, problem) -> None:
    g = Graph(Registry())
    for n in out.nodes:
        g.nodes[n.id] = n
    for lk in out.links:
        g._links[(lk.target, lk.input)] = lk
    while True:
        try:
            g.topological_order()
            return
        except Exception as exc:
            # drop the last link that closes a cycle and report it
            for lk in reversed(out.links):
                if lk.source in g.downstream(lk.target):
                    problem(f"links[{out.links.index(lk)}]", f"{exc}; the link {lk} was dropped", lk.target, lk.input)
                    out.links.remove(lk)
                    del g._links[(lk.target, lk.input)]
                    break
            else:  # pragma: no cover - topological_order only fails on cycles
                return


def loads(text: str | bytes, registry: Registry, base_dir: str | None = None, *, source: str = "<workflow>",
          strict: bool = True) -> tuple[Graph, list[Problem]]:
    """Load a workflow from text.  Strict mode raises :class:`WorkflowError` on any problem."""
    problems: list[Problem] = []
    doc: Any = None
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(Problem("", f"not UTF-8 text ({exc.reason} at byte {exc.start})"))
    if not problems:
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            problems.append(Problem("", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"))
        except RecursionError:
            problems.append(Problem("", "not a workflow: nested too deeply"))
    graph = Graph(registry)
    if problems:
        if strict:
            raise WorkflowError(source, problems)
        return graph, problems
    loaded = parse_document(doc, registry, base_dir)
    if strict and loaded.problems:
        raise WorkflowError(source, loaded.problems)
    for node in loaded.nodes:
        graph._insert_node(node)
    for link in loaded.links:
        graph._insert_link(link)
    graph.ui = loaded.ui
    graph.extra = loaded.extra
    graph.sequence = loaded.sequence
    return graph, loaded.problems


def load(path: str | os.PathLike, registry: Registry | None = None, *, strict: bool = True
         ) -> tuple[Graph, list[Problem]]:
    """Load a ``.cgraph`` file; relative media paths resolve against its folder."""
    if registry is None:
        from studio.graph.registry import default_registry
        registry = default_registry()
    path = os.path.abspath(os.fspath(path))
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise WorkflowError(path, [Problem("", "file not found")]) from None
    except OSError as exc:
        raise WorkflowError(path, [Problem("", f"cannot read: {exc.strerror}")]) from None
    return loads(data, registry, os.path.dirname(path), source=path, strict=strict)
