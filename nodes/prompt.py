"""Prompt: text and negative text for generators."""

from __future__ import annotations

from dataclasses import dataclass

from studio.graph import NodeType, Output, Text


@dataclass(frozen=True)
class PromptValue:
    text: str = ""
    negative: str = ""


def _prompt(ctx, *, text, negative):
    return {"prompt": PromptValue(text.strip(), negative.strip())}


NODES = [
    NodeType(
        "Prompt", "Prompt", "Conditioning", _prompt,
        outputs=(Output("prompt", "Prompt"),),
        params=(Text("text", "", description="what the shot shows"),
                Text("negative", "", description="what to avoid")),
        icon="fa5s.comment-alt",
        description="Text and negative text for generators (the flow engine records but does not read it)."),
]
