"""docs/nodes.md, generated from the node schema (a test keeps the file in sync).

Regenerate with ``cinegraph nodes --markdown > docs/nodes.md``.
"""

from __future__ import annotations

from studio.graph.registry import Registry
from studio.graph.types import COERCIONS, PORT_TYPES


def _range(p: dict) -> str:
    if "choices" in p:
        return ", ".join(f"`{c}`" for c in p["choices"])
    lo, hi = p.get("min"), p.get("max")
    if lo is None and hi is None:
        return ""
    return f"{'' if lo is None else f'{lo:g}'} .. {'' if hi is None else f'{hi:g}'}"


def _default(value) -> str:
    if value == "" or value == []:
        return "(empty)"
    return f"`{value}`"


def nodes_markdown(registry: Registry) -> str:
    lines = ["# Node reference", "",
             "Generated from the node schema by `cinegraph nodes --markdown`; do not edit by hand.", "",
             "## Port types", "", "| type | carries |", "| --- | --- |"]
    lines += [f"| {name} | {desc} |" for name, desc in PORT_TYPES.items()]
    lines += ["", "Conversions: " + "; ".join(COERCIONS.values()) + ".", ""]
    for category, types in registry.categories().items():
        lines += [f"## {category}", ""]
        for t in types:
            s = t.schema()
            lines += [f"### {s['name']} (`{s['type']}`, version {s['version']})", "", s["description"], ""]
            if s["legacy_ids"]:
                lines += [f"Also loads from: {', '.join(s['legacy_ids'])}.", ""]
            if s["inputs"]:
                lines += ["Inputs:", ""]
                lines += [f"- `{p['name']}` ({p['type']}{', optional' if p.get('optional') else ''})"
                          f"{': ' + p['description'] if p.get('description') else ''}" for p in s["inputs"]]
                lines.append("")
            if s["outputs"]:
                lines += ["Outputs:", ""]
                lines += [f"- `{p['name']}` ({p['type']}){': ' + p['description'] if p.get('description') else ''}"
                          for p in s["outputs"]]
                lines.append("")
            if s["params"]:
                lines += ["| param | kind | default | range | unit | animatable | description |",
                          "| --- | --- | --- | --- | --- | --- | --- |"]
                for p in s["params"]:
                    lines.append(f"| `{p['name']}` | {p['kind']} | {_default(p['default'])} | {_range(p)} | "
                                 f"{p.get('unit', '')} | {'yes' if p.get('animatable') else ''} | "
                                 f"{p.get('description', '')} |")
                lines.append("")
    return "\n".join(lines).rstrip() + "\n"
