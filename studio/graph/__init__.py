"""The graph core: model, port types, param schemas, node declarations, commands, files.

Standard library only; no Qt.  See the module docstrings for semantics.
"""

from studio.graph.commands import (AddNode, Command, Connect, ConnectionRefused, Disconnect, History,
                                   InsertFragment, Macro, MoveNodes, RemoveNodes, RenameNode, SetBypass, SetParam)
from studio.graph.model import (Event, Graph, Link, LinkAdded, LinkRemoved, Node, NodeAdded, NodeBypassed, NodeMoved,
                                NodeRemoved, NodeRenamed, ParamChanged, Verdict)
from studio.graph.nodetype import Input, NodeType, Output, Port
from studio.graph.params import Bool, Choice, Color, Data, FilePath, Float, Int, Param, String, Text
from studio.graph.registry import Registry, default_registry

__all__ = [
    "AddNode", "Bool", "Choice", "Color", "Command", "Connect", "ConnectionRefused", "Data", "Disconnect", "Event",
    "FilePath", "Float", "Graph", "History", "Input", "InsertFragment", "Int", "Link", "LinkAdded", "LinkRemoved",
    "Macro", "MoveNodes", "Node", "NodeAdded", "NodeBypassed", "NodeMoved", "NodeRemoved", "NodeRenamed", "NodeType",
    "Output", "Param", "ParamChanged", "Port", "Registry", "RemoveNodes", "RenameNode", "SetBypass", "SetParam",
    "String", "Text", "Verdict", "default_registry",
]
