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
* Hostile files are reported, never a traceback: the file size, nesting depth, digits of a
  number, length of texts and lists and keys are bounded (:mod:`studio.graph.limits`,
  listed in docs/workflow_files.md) everywhere in the file, also in parts kept as read.
  ``NaN``, ``Infinity`` and numbers too large for a float (``1e999``) are refused.  Each
  violation is a problem with its JSON path; leniently loaded, the offending value reads
  as ``null`` (so the usual fallback applies: a param's default, a dropped link).  At most
  ``MAX_PROBLEMS`` problems are listed, then a count of the rest.  A UTF-8 byte order mark
  is accepted.  Messages quote values shortened (:func:`studio.errors.shown`).
* :func:`save` is atomic: it writes a temporary file ``.NAME.cinegraph-PID.XXXXXXXX.partial``
  in the target's folder, flushes it to disk and renames it over the target, so a crash
  never leaves a half-written file.  A symbolic link is followed: its target is written and
  the link kept.  The saved file keeps the mode of the file it replaces (a new file gets
  0666 minus the umask).  Each save removes the temporaries of the same target left by
  processes that no longer run (a save killed outright); a PID that was reused since, or
  that belongs to another machine sharing the folder, counts as running.  Saving onto a
  folder is refused before anything is written.
* Relative paths are relative to the folder the file really is in (a symbolic link to a
  workflow resolves its media next to the link's target), on save and on load.

The same node serialisation is used by save, the clipboard and undo of a delete.
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import stat
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.errors import Problem, WorkflowError, json_key, shown
from studio.graph.limits import (MAX_DEPTH, MAX_FILE_BYTES, MAX_ITEMS, MAX_KEY_CHARS, MAX_MAGNITUDE, MAX_NAME_CHARS,
                                 MAX_NUMBER_DIGITS, MAX_PROBLEMS, MAX_STRING_CHARS)
from studio.graph.model import Graph, Link, Node
from studio.graph.nodetype import _copy
from studio.graph.params import line_problem
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
        raise ValueError(f"cannot save the non-finite number {shown(value)}")
    return json.dumps(value, ensure_ascii=False)


def save(graph: Graph, path: str | os.PathLike) -> None:
    """Write the workflow atomically (temporary file, fsync, rename), through symbolic links.

    Raises :class:`WorkflowError` when ``path`` is a folder (nothing is written), ``OSError``
    when the folder cannot be written and ``ValueError`` for a value JSON cannot hold.
    """
    path = os.path.abspath(os.fspath(path))
    real = os.path.realpath(path)          # a link's target is written; the link stays
    folder, name = os.path.split(real)
    if os.path.isdir(real):
        what = "a folder" if real == path else f"a link to the folder {real}"
        raise WorkflowError(path, [Problem("", f"this is {what}: save the workflow under a file name "
                                               f"(ending in {SUFFIX})")],
                            summary=f"{path}: cannot save workflow")
    text = dumps(graph, base_dir=folder)
    try:
        mode = stat.S_IMODE(os.stat(real).st_mode)
    except OSError:
        mode = 0o666 & ~_umask()
    remove_stale_partials(real)
    fd, tmp = _create_partial(folder, name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            try:
                os.chmod(tmp, mode)
            except OSError:
                pass
            os.fsync(fh.fileno())
        os.replace(tmp, real)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_folder(folder)


def partial_name(name: str, pid: int | None = None) -> str:
    """The name of a save's temporary file for the file ``name``: ``.NAME.cinegraph-PID.XXXXXXXX.partial``."""
    return f".{name}.cinegraph-{os.getpid() if pid is None else pid}.{secrets.token_hex(4)}.partial"


def stale_partials(path: str | os.PathLike) -> list[str]:
    """Temporaries of saves of ``path`` (its real file) whose process no longer runs."""
    real = os.path.realpath(os.fspath(path))
    folder, name = os.path.split(real)
    pattern = re.compile(r"\." + re.escape(name) + r"\.cinegraph-([0-9]{1,10})\.[0-9a-f]{8}\.partial")
    try:
        entries = os.listdir(folder)
    except OSError:
        return []
    out = []
    for entry in entries:
        m = pattern.fullmatch(entry)
        if m and int(m.group(1)) != os.getpid() and not _pid_running(int(m.group(1))):
            out.append(os.path.join(folder, entry))
    return sorted(out)


def remove_stale_partials(path: str | os.PathLike) -> list[str]:
    """Remove what :func:`stale_partials` finds; returns the files removed."""
    removed = []
    for stale in stale_partials(path):
        try:
            if stat.S_ISREG(os.lstat(stale).st_mode):
                os.remove(stale)
                removed.append(stale)
        except OSError:
            pass
    return removed


def _create_partial(folder: str, name: str) -> tuple[int, str]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = os.path.join(folder, partial_name(name))
        try:
            return os.open(tmp, flags, 0o600), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"cannot create a temporary file in {folder}")  # pragma: no cover


def _pid_running(pid: int) -> bool:
    """Whether a process ``pid`` exists (one we may not signal counts)."""
    if pid <= 0:
        return False
    if os.name == "nt":  # pragma: no cover - Windows: os.kill(pid, 0) would end the process
        import ctypes
        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)   # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return ctypes.GetLastError() == 5               # access denied: it exists
        code = ctypes.c_ulong()
        ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return not ok or code.value == 259                  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:          # EPERM: it runs as someone else
        return True
    return True


def _umask() -> int:
    """The process umask, read without changing it (``os.umask`` would, for every thread)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def _fsync_folder(folder: str) -> None:
    """Make the rename durable (POSIX; a no-op where folders cannot be opened)."""
    if os.name == "nt":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


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
    return (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and math.isfinite(v))


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
        problem("format", f"expected \"{FORMAT}\", got {shown(doc.get('format'))} (is this a Cinegraph workflow?)")
        return out
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        problem("version", f"expected a whole number, got {shown(version)}")
        return out
    if version > VERSION:
        problem("version", f"this file is format version {shown(version)}, written by a newer Cinegraph; "
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
    where: dict[int, str] = {}
    for i, lk in enumerate(links_json):
        link = _parse_link(lk, f"links[{i}]", seen, taken, problem)
        if link is not None:
            taken.add((link.target, link.input))
            out.links.append(link)
            where[id(link)] = f"links[{i}]"
    _drop_cycles(out, where, problem)

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
        problem(f"{path}.id", f"expected a non-empty text id, got {shown(nid)}")
        return None
    why = line_problem(nid)
    if why:
        problem(f"{path}.id", why)
        return None
    if nid in seen:
        problem(f"{path}.id", f"the id {shown(nid)} is used twice", nid, "id")
        return None
    type_id = nd.get("type")
    if not isinstance(type_id, str) or not type_id:
        problem(f"{path}.type", f"expected a node type, got {shown(type_id)}", nid, "type")
        return None
    why = line_problem(type_id)
    if why:
        problem(f"{path}.type", why, nid, "type")
        return None
    pos = nd.get("pos", [0, 0])
    if not (isinstance(pos, list) and len(pos) == 2 and all(_is_num(c) for c in pos)):
        problem(f"{path}.pos", f"expected [x, y] numbers, got {shown(pos)}", nid, "pos")
        pos = [0, 0]
    elif not all(abs(c) <= MAX_MAGNITUDE for c in pos):
        problem(f"{path}.pos", f"a position within +-{MAX_MAGNITUDE:g}, got {shown(pos)}", nid, "pos")
        pos = [0, 0]
    t = registry.get(type_id)
    name = nd.get("name", ...)
    if name is ...:
        name = None
    elif isinstance(name, str) and len(name) > MAX_NAME_CHARS:   # any characters: titles are free text
        problem(f"{path}.name", f"at most {MAX_NAME_CHARS} characters, got {shown(name)}", nid, "name")
        name = None
    elif not isinstance(name, str):
        if t is not None:   # a placeholder keeps whatever a newer version wrote
            problem(f"{path}.name", f"expected text, got {shown(name)}", nid, "name")
        name = None
    if t is None:
        return Node(nid, type_id, None, name=type_id if name is None else name, pos=(pos[0], pos[1]), raw=_copy(nd))
    if name is None:
        name = t.display_name
    bypass = nd.get("bypass", False)
    if not isinstance(bypass, bool):
        problem(f"{path}.bypass", f"expected true or false, got {shown(bypass)}", nid, "bypass")
        bypass = False
    params_json = nd.get("params", {})
    if not isinstance(params_json, dict):
        problem(f"{path}.params", f"expected an object, got {_type_name(params_json)}", nid, "params")
        params_json = {}
    params = {}
    for key, value in params_json.items():
        spec = t.param(key)
        if spec is None:
            problem(f"{path}.params{json_key(key)}", f"{t.type_id} has no param {shown(key)}", nid, key)
            continue
        errs = spec.check(value)
        if errs:
            for where, msg in errs:
                problem(f"{path}.params{json_key(key)}{where}", msg, nid, key)
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
            problem(f"{path}.{key}", f"expected text, got {shown(v)}")
            return None
        why = line_problem(v)
        if why:
            problem(f"{path}.{key}", why)
            return None
        vals[key] = v
    link = Link(**vals)
    src, dst = nodes.get(link.source), nodes.get(link.target)
    if src is None:
        problem(f"{path}.source", f"no node with id {shown(link.source)}")
        return None
    if dst is None:
        problem(f"{path}.target", f"no node with id {shown(link.target)}")
        return None
    op, ip = src.output_port(link.output), dst.input_port(link.input)
    if op is None:
        problem(f"{path}.output", f"{src.type_id} {shown(link.source)} has no output {shown(link.output)}",
                link.source, link.output)
        return None
    if ip is None:
        problem(f"{path}.input", f"{dst.type_id} {shown(link.target)} has no input {shown(link.input)}",
                link.target, link.input)
        return None
    ok, why = compatible(op.type, ip.type)
    if not ok:
        problem(path, why, link.target, link.input)
        return None
    if (link.target, link.input) in taken:
        problem(f"{path}.input", f"input {shown(link.input)} of {shown(link.target)} already has a link",
                link.target, link.input)
        return None
    return link


def _drop_cycles(out: Loaded, where: dict[int, str], problem) -> None:
    """Drop links that close a cycle, reporting each: one depth-first pass over the nodes in
    file order (their links in file order) drops every link back to a node on the current
    path, so a cycle loses the link that closes it seen from its first node in the file.
    Linear in the graph's size, without recursion."""
    outgoing: dict[str, list[Link]] = {}
    for lk in out.links:
        outgoing.setdefault(lk.source, []).append(lk)
    ON_PATH, DONE = 1, 2
    state: dict[str, int] = {}
    dropped: set[int] = set()
    for start in (n.id for n in out.nodes):
        if start in state:
            continue
        state[start] = ON_PATH
        path, at = [start], {start: 0}
        todo = [iter(outgoing.get(start, ()))]
        while todo:
            for lk in todo[-1]:
                seen = state.get(lk.target)
                if seen == ON_PATH:
                    ring = path[at[lk.target]:]
                    names = ", ".join(shown(n, 40) if len(n) > 40 else n for n in ring[:6])
                    more = f", … ({len(ring)} nodes)" if len(ring) > 6 else ""
                    problem(where.get(id(lk), "links"), f"the graph has a cycle through {names}{more}; "
                                                        f"the link {lk} was dropped", lk.target, lk.input)
                    dropped.add(id(lk))
                elif seen is None:
                    state[lk.target] = ON_PATH
                    at[lk.target] = len(path)
                    path.append(lk.target)
                    todo.append(iter(outgoing.get(lk.target, ())))
                    break
            else:
                todo.pop()
                done = path.pop()
                del at[done]
                state[done] = DONE
    if dropped:
        out.links = [lk for lk in out.links if id(lk) not in dropped]


class _Unreadable:
    """What the JSON reader puts where a number cannot be held; reported with its path."""

    __slots__ = ("message",)

    def __init__(self, message: str):
        self.message = message


def _number_text(text: str) -> str:
    return text if len(text) <= 24 else text[:20] + "…"


def _read_int(text: str) -> Any:
    digits = len(text) - text.startswith("-")
    if digits > MAX_NUMBER_DIGITS:
        return _Unreadable(f"a number of {digits} digits ({_number_text(text)}); numbers are at most "
                           f"{MAX_NUMBER_DIGITS} digits")
    return int(text)


def _read_float(text: str) -> Any:
    digits = len(text) - sum(text.count(c) for c in "+-.eE")
    if digits > MAX_NUMBER_DIGITS:
        return _Unreadable(f"a number of {digits} digits ({_number_text(text)}); numbers are at most "
                           f"{MAX_NUMBER_DIGITS} digits")
    value = float(text)
    if not math.isfinite(value):
        return _Unreadable(f"{_number_text(text)} is too large for a number (about +-1.8e308 at most)")
    return value


def _read_constant(text: str) -> Any:
    return _Unreadable(f"{text} is not a number a workflow may hold (JSON numbers are finite)")


def _decode(text: str) -> Any:
    return json.loads(text, parse_int=_read_int, parse_float=_read_float, parse_constant=_read_constant)


def _part(key: Any) -> str:
    return f"[{key}]" if isinstance(key, int) else json_key(key)


def _join(parts: list) -> str:
    return "".join(_part(k) for k in parts).lstrip(".")


def check_bounds(doc: Any) -> tuple[Any, list[Problem]]:
    """Bound a decoded document (:mod:`studio.graph.limits`): every value too big, too long,
    nested too deep or unreadable is reported with its JSON path and replaced by ``None``
    (a key too long is removed).  Iterative, so any depth is safe; returns the document."""
    problems: list[Problem] = []
    holder = [doc]
    # each entry: the container, an iterator over its (key, value) pairs, its key in its parent
    stack: list[tuple[Any, Any, Any]] = [(holder, iter(enumerate(holder)), None)]

    def path_to(key: Any) -> str:
        return _join([e[2] for e in stack[2:]] + ([key] if len(stack) > 1 else []))

    while stack:
        container, items, _ = stack[-1]
        for key, value in items:
            kind = type(value)
            if kind is str:
                if len(value) > MAX_STRING_CHARS:
                    problems.append(Problem(path_to(key), f"a text {shown(value, 30)}; texts are at most "
                                                          f"{MAX_STRING_CHARS} characters"))
                    container[key] = None
            elif kind is list or kind is dict:
                why = None
                if len(stack) > MAX_DEPTH:
                    why = f"nested more than {MAX_DEPTH} levels deep"
                elif len(value) > MAX_ITEMS:
                    why = (f"a list of {len(value)} items; lists are at most {MAX_ITEMS} items" if kind is list
                           else f"an object of {len(value)} keys; objects are at most {MAX_ITEMS} keys")
                if why:
                    problems.append(Problem(path_to(key), why))
                    container[key] = None
                elif value:
                    if kind is dict:
                        for k in [k for k in value if len(k) > MAX_KEY_CHARS]:
                            problems.append(Problem(path_to(key), f"a key {shown(k, 30)}; keys are at most "
                                                                  f"{MAX_KEY_CHARS} characters"))
                            del value[k]
                        pairs = iter(list(value.items()))
                    else:
                        pairs = iter(enumerate(value))
                    stack.append((value, pairs, key))
                    break
            elif kind is _Unreadable:
                problems.append(Problem(path_to(key), value.message))
                container[key] = None
        else:
            stack.pop()
    return holder[0], problems


_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},]')


def _too_deep_at(text: str) -> str | None:
    """The JSON path of the first list or object nested deeper than ``MAX_DEPTH`` in ``text``
    (for text too deep for the JSON reader itself), found by a scan without recursion."""
    stack: list[list] = []   # [opener, index or key, expecting a key]
    for m in _TOKEN.finditer(text):
        tok = m.group()
        c = tok[0]
        if c == '"':
            if stack and stack[-1][2]:
                try:
                    stack[-1][1] = json.loads(tok)
                except ValueError:
                    stack[-1][1] = tok[1:-1]
                stack[-1][2] = False
        elif c in "[{":
            if len(stack) >= MAX_DEPTH:
                return _join([e[1] for e in stack])
            stack.append([c, 0 if c == "[" else "", c == "{"])
        elif c in "]}":
            if stack:
                stack.pop()
        elif stack:   # ","
            if stack[-1][0] == "[":
                stack[-1][1] += 1
            else:
                stack[-1][2] = True
    return None


def _merge(bounds: list[Problem], others: list[Problem]) -> list[Problem]:
    """Bound problems first, then the others, less those that only repeat a bound problem
    (``nodes[0].pos: expected [x, y] numbers, got [None, 0]`` after ``nodes[0].pos[0]``):
    those at a bound problem's path or at the path of what holds it."""
    if not bounds or not others:
        return bounds + others
    paths = sorted({b.where for b in bounds})

    def repeats(where: str) -> bool:
        i = bisect_left(paths, where)
        if i < len(paths) and paths[i] == where:
            return True
        if not where:
            return False
        for sep in (".", "["):
            j = bisect_left(paths, where + sep)
            if j < len(paths) and paths[j].startswith(where + sep):
                return True
        return False

    return bounds + [p for p in others if not repeats(p.where)]


def _capped(problems: list[Problem]) -> list[Problem]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    rest = len(problems) - MAX_PROBLEMS
    return problems[:MAX_PROBLEMS] + [Problem("", f"… and {rest} more problem{'s' if rest > 1 else ''}")]


def read_document(text: str | bytes) -> tuple[Any, list[Problem]]:
    """Decode a workflow file's text into bounded JSON (see :func:`check_bounds`).

    Returns ``(document, problems)``; the document is None when the text is no JSON at all.
    """
    if len(text) > MAX_FILE_BYTES:
        return None, [Problem("", f"the file is larger than {MAX_FILE_BYTES // 2**20} MiB, the most a workflow may be")]
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            return None, [Problem("", f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
    if text.startswith("\ufeff"):      # a byte order mark, as some Windows editors write
        text = text[1:]
    if not text.strip():
        return None, [Problem("", "the file is empty")]
    try:
        doc = _decode(text)
    except json.JSONDecodeError as exc:
        return None, [Problem("", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")]
    except RecursionError:
        where = _too_deep_at(text)
        return None, [Problem(where or "", f"nested more than {MAX_DEPTH} levels deep")]
    return check_bounds(doc)


def loads(text: str | bytes, registry: Registry, base_dir: str | None = None, *, source: str = "<workflow>",
          strict: bool = True) -> tuple[Graph, list[Problem]]:
    """Load a workflow from text.  Strict mode raises :class:`WorkflowError` on any problem."""
    doc, problems = read_document(text)
    graph = Graph(registry)
    if doc is None and problems:
        if strict:
            raise WorkflowError(source, _capped(problems))
        return graph, _capped(problems)
    loaded = parse_document(doc, registry, base_dir)
    problems = _capped(_merge(problems, loaded.problems))
    if strict and problems:
        raise WorkflowError(source, problems)
    for node in loaded.nodes:
        graph._insert_node(node)
    for link in loaded.links:
        graph._insert_link(link)
    graph.ui = loaded.ui
    graph.extra = loaded.extra
    graph.sequence = loaded.sequence
    return graph, problems


def load(path: str | os.PathLike, registry: Registry | None = None, *, strict: bool = True
         ) -> tuple[Graph, list[Problem]]:
    """Load a ``.cgraph`` file; relative media paths resolve against the folder it really is in.

    A file larger than ``MAX_FILE_BYTES`` is refused after reading no more than that; a
    folder, FIFO or device is refused without reading it.
    """
    if registry is None:
        from studio.graph.registry import default_registry
        registry = default_registry()
    path = os.path.abspath(os.fspath(path))
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise WorkflowError(path, [Problem("", "file not found")]) from None
    except OSError as exc:
        raise WorkflowError(path, [Problem("", f"cannot read: {exc.strerror}")]) from None
    if not stat.S_ISREG(mode):
        what = ("a folder" if stat.S_ISDIR(mode) else "a FIFO (named pipe)" if stat.S_ISFIFO(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode)
                else "not a regular file")
        raise WorkflowError(path, [Problem("", f"this is {what}, not a workflow file")])
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise WorkflowError(path, [Problem("", "file not found")]) from None
    except OSError as exc:
        raise WorkflowError(path, [Problem("", f"cannot read: {exc.strerror}")]) from None
    return loads(data, registry, os.path.dirname(os.path.realpath(path)), source=path, strict=strict)
