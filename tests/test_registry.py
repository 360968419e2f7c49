"""The node library: declarations validated at registration, schema, generated docs, lazy torch."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from studio.docs import nodes_markdown
from studio.errors import RegistryError
from studio.graph import Float, Input, NodeType, Output, Registry, default_registry
from tests.conftest import ROOT

BUILT_IN = {"LoadImage", "LoadVideo", "Prompt", "MotionBrush", "CameraMove", "Keyframes", "FlowGenerator",
            "WriteVideo"}


def test_the_built_in_library_is_discovered():
    assert BUILT_IN <= {t.type_id for t in default_registry()}


def test_every_declaration_problem_is_reported_at_once():
    bad = [
        NodeType("bad id!", "", "", None, description=""),
        NodeType("Dup", "Dup", "X", lambda ctx: {}, description="d",
                 inputs=(Input("a", "Nonsense"),), outputs=(Output("o", "Any"),),
                 params=(Float("a", 5.0, min=0, max=1),)),
        NodeType("Dup", "Dup again", "X", lambda ctx: {}, description="d"),
    ]
    with pytest.raises(RegistryError) as err:
        Registry(bad)
    text = str(err.value)
    for expected in ("bad id!", "display_name is empty", "evaluate is not callable", "unknown port type 'Nonsense'",
                     "same name as an input", "default 5.0 is invalid", "declared twice"):
        assert expected in text


def test_docs_nodes_md_is_in_sync_with_the_schema():
    expected = nodes_markdown(default_registry())
    actual = (ROOT / "docs" / "nodes.md").read_text("utf-8")
    assert actual == expected, "regenerate with: cinegraph nodes --markdown > docs/nodes.md"


def run_cli(*args, **kw):
    return subprocess.run([sys.executable, "-m", "studio.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, **kw)


def test_nodes_json_prints_the_full_schema():
    r = run_cli("nodes", "--json")
    assert r.returncode == 0, r.stderr
    schema = {t["type"]: t for t in json.loads(r.stdout)}
    assert BUILT_IN <= set(schema)
    gen = schema["FlowGenerator"]
    assert gen["category"] == "Generate"
    assert {p["name"] for p in gen["inputs"]} >= {"image", "keyframes", "motion", "camera", "prompt"}
    frames = next(p for p in gen["params"] if p["name"] == "frames")
    assert frames["kind"] == "int" and frames["default"] == 0 and frames["min"] == 0
    zoom = next(p for p in schema["CameraMove"]["params"] if p["name"] == "zoom")
    assert (zoom["min"], zoom["max"], zoom["animatable"]) == (-10, 10, True)


def test_nodes_lists_types_by_category():
    r = run_cli("nodes")
    assert r.returncode == 0 and "FlowGenerator" in r.stdout and "Generate" in r.stdout


def test_help_and_node_discovery_do_not_import_torch_or_qt():
    code = ("import sys, studio.cli, studio.executor, studio.generators.flow_engine;"
            "from studio.graph import default_registry; default_registry();"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'PySide6'));"
            "print(heavy)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"
