"""Canvas edits as commands: paste, delete, duplicate, bypass, dropped files, new nodes.

Pure helpers (no widgets): each takes the graph and what the user pointed at and returns a
:class:`~studio.graph.commands.Command` for the undo stack, or ``None`` when there is nothing
to do.  The clipboard format is the workflow JSON of the selection (``to_document`` fragments
with absolute media paths), so a copy pastes into another window or a text editor.
"""

from __future__ import annotations

import json
import os

from studio.graph import workflow
from studio.graph.commands import AddNode, Command, Connect, Disconnect, InsertFragment, Macro, RemoveNodes, SetBypass
from studio.graph.params import FILE_FILTERS
from studio.graph.types import compatible
from studio.ui.backdrops import RemoveBackdrops

#: file kind -> (node type, path param) for files dropped on the canvas
DROP_TYPES = {"image": ("LoadImage", "path"), "video": ("LoadVideo", "path")}
DROP_SPACING = 200.0


def fragment_text(graph, node_ids: list[str]) -> str:
    """The workflow JSON of ``node_ids`` and the links among them (absolute media paths)."""
    return workflow.dumps(workflow.to_document(graph, None, node_ids))


def parse_fragment(text: str) -> dict | None:
    """The workflow document in ``text``, or None when it is not one."""
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError, TypeError):
        return None
    if not isinstance(doc, dict) or doc.get("format") != workflow.FORMAT or not isinstance(doc.get("nodes"), list):
        return None
    return doc


def fragment_origin(doc: dict) -> tuple[float, float]:
    """The top-left of the fragment's node positions."""
    xs, ys = [], []
    for nd in doc.get("nodes", []):
        pos = nd.get("pos") if isinstance(nd, dict) else None
        if isinstance(pos, list) and len(pos) == 2 and all(isinstance(v, (int, float)) for v in pos):
            xs.append(float(pos[0]))
            ys.append(float(pos[1]))
    return (min(xs), min(ys)) if xs else (0.0, 0.0)


def paste_command(doc: dict, at: tuple[float, float] | None, fallback_offset=(40.0, 40.0)) -> InsertFragment:
    """Insert ``doc`` with its top-left at ``at`` (or shifted by ``fallback_offset``)."""
    if at is None:
        offset = fallback_offset
    else:
        ox, oy = fragment_origin(doc)
        offset = (at[0] - ox, at[1] - oy)
    cmd = InsertFragment(doc, offset=offset)
    cmd.text = f"Paste {len(doc.get('nodes', []))} node(s)"
    return cmd


def delete_command(node_ids: list[str], backdrop_ids: list[str] = (), links=()) -> Command | None:
    cmds: list[Command] = []
    gone = set(node_ids)
    for link in links:
        if link.source not in gone and link.target not in gone:
            cmds.append(Disconnect(link.target, link.input))
    if backdrop_ids:
        cmds.append(RemoveBackdrops(list(backdrop_ids)))
    if node_ids:
        cmds.append(RemoveNodes(list(node_ids)))
    if not cmds:
        return None
    if len(cmds) == 1:
        return cmds[0]
    return Macro("Delete", cmds)


def bypass_command(graph, node_ids: list[str]) -> Command | None:
    """Toggle bypass: all on if any selected node is live, otherwise all off."""
    nodes = [graph.nodes[n] for n in node_ids if n in graph.nodes]
    if not nodes:
        return None
    on = any(not n.bypass for n in nodes)
    cmds = [SetBypass(n.id, on) for n in nodes if n.bypass != on]
    return cmds[0] if len(cmds) == 1 else Macro("Bypass" if on else "Enable", cmds)


def first_compatible(ports, port_type: str, ports_are_inputs: bool):
    """The first of ``ports`` that can link with a port of ``port_type`` (exact type first)."""
    def ok(p):
        return compatible(port_type, p.type)[0] if ports_are_inputs else compatible(p.type, port_type)[0]
    exact = [p for p in ports if p.type == port_type]
    if exact:
        return exact[0]
    return next((p for p in ports if ok(p)), None)


def add_and_connect(graph, type_id: str, pos: tuple[float, float], wire_from=None) -> tuple[Command, str]:
    """AddNode at ``pos``, connected to ``wire_from`` = (node_id, port, is_output, type) when given."""
    node_id = graph.new_id(type_id)
    add = AddNode(type_id, pos=pos, node_id=node_id)
    if wire_from is None:
        return add, node_id
    t = graph.registry.get(type_id)
    src_node, src_port, src_is_output, src_type = wire_from
    if t is None:
        return add, node_id
    if src_is_output:
        port = first_compatible(t.inputs, src_type, True)
        link = Connect(src_node, src_port, node_id, port.name) if port else None
    else:
        port = first_compatible(t.outputs, src_type, False)
        link = Connect(node_id, port.name, src_node, src_port) if port else None
    if link is None:
        return add, node_id
    return Macro(f"Add {type_id}", [add, link]), node_id


def fresh_id(graph, type_id: str, taken: set[str]) -> str:
    """A readable id like ``graph.new_id`` that also avoids ``taken`` (ids of one macro)."""
    base = "".join(ch for ch in type_id if ch.isalnum()) or "Node"
    i = 1
    while f"{base}{i}" in graph.nodes or f"{base}{i}" in taken:
        i += 1
    return f"{base}{i}"


def file_kind(path: str) -> str | None:
    """'cgraph', 'image', 'video' or None, from the file's suffix."""
    suffix = os.path.splitext(path)[1].lower()
    if suffix == workflow.SUFFIX:
        return "cgraph"
    for kind in ("image", "video"):
        if suffix in FILE_FILTERS[kind]:
            return kind
    return None


def file_drop_command(graph, paths: list[str], pos: tuple[float, float], target=None) -> tuple[Command | None, list[str], list[str]]:
    """Loader nodes for dropped media files, in a column from ``pos``.

    ``target`` = (node_id, input name, input type) of a port the files were dropped on: the
    first new node is connected to it.  Returns (command, new node ids, problems).
    """
    cmds: list[Command] = []
    ids: list[str] = []
    problems: list[str] = []
    taken: set[str] = set()
    y = pos[1]
    for path in paths:
        kind = file_kind(path)
        if kind not in DROP_TYPES:
            problems.append(f"{os.path.basename(path)}: not an image or video file")
            continue
        type_id, param = DROP_TYPES[kind]
        if graph.registry.get(type_id) is None:
            problems.append(f"{os.path.basename(path)}: the {type_id} node is not available")
            continue
        node_id = fresh_id(graph, type_id, taken)
        taken.add(node_id)
        cmds.append(AddNode(type_id, pos=(pos[0], y), params={param: os.path.abspath(path)}, node_id=node_id,
                            name=os.path.splitext(os.path.basename(path))[0]))
        ids.append(node_id)
        y += DROP_SPACING
    if target is not None and ids:
        t = graph.registry.get(cmds[0].type_id)
        out = first_compatible(t.outputs, target[2], False)
        if out is not None:
            cmds.append(Connect(ids[0], out.name, target[0], target[1]))
    if not cmds:
        return None, [], problems
    return (cmds[0] if len(cmds) == 1 else Macro(f"Add {len(ids)} file(s)", cmds)), ids, problems
