"""Entries for ComfyUI-style single files: generators with the parts found around them.

Semantics and assumptions
-------------------------
* The files come from anywhere under the models folders except inside diffusers folders;
  the folder a file is in (``diffusion_models/``, ``unet/``, ``checkpoints/``, ``vae/``,
  ``text_encoders/``, ``clip/``, ``clip_vision/``, ``loras/``; see
  :data:`FOLDER_ROLES`) only sharpens messages: what a file is comes from its tensors.
* Every VAE, text encoder and image encoder found (in any of the folders searched) is
  available to every generator that needs that part; the first found is used (folders in
  the order given, names in sorted order).  A part
  inside a generator's own checkpoint (the VAE of an LTX-Video checkpoint) is used for that
  generator.  When a part is missing but a part of the same role that does not fit was
  found (a Wan 2.1 VAE for Wan 2.2 TI2V-5B), the problem names it.
* The two experts of a Wan 2.2 A14B model are paired by name: the same file name with
  ``high_noise`` in one and ``low_noise`` in the other make one entry, ``transformer``
  (high noise) and ``transformer_2`` (low noise).  A lone expert, or an expert whose name
  does not say which it is, is incomplete and says what to do.
* A generator's ``parameters``, ``size_bytes`` and ``dtype`` are those of its transformer
  file(s) only (a checkpoint's VAE tensors are left out of the parameter count; the parts
  have entries of their own).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from studio.generators.neural.library.entry import ModelEntry, add_counts, dominant_dtype
from studio.generators.neural.library.families import (NEEDS, PART_NAMES, Identity, other_expert_name,
                                                       without_expert)
from studio.generators.neural.library.safetensors_header import SafetensorsHeader
from studio.generators.neural.library.weights import LoadedSet, WeightSet

FOLDER_ROLES = {"diffusion_models": "generator", "unet": "generator", "checkpoints": "generator",
                "vae": "vae", "text_encoders": "text_encoder", "clip": "text_encoder",
                "clip_vision": "image_encoder", "loras": "lora"}
_EXPERT_NAMES = {"high": "high-noise", "low": "low-noise"}
_EXPERT_ROLES = {"high": "transformer", "low": "transformer_2"}


@dataclass
class Piece:
    """One weight set found outside diffusers folders, read and identified."""

    ws: WeightSet
    loaded: LoadedSet
    ident: Identity
    folder_role: str | None

    @property
    def usable_part(self) -> bool:
        return (self.loaded.status == "usable" and self.ident.unsupported is None
                and self.ident.provides is not None)


def piece_entries(pieces: list[Piece]) -> list[ModelEntry]:
    """One entry per generator (an A14B pair counts as one) and per other piece."""
    parts = [p for p in pieces if p.usable_part]
    entries: list[ModelEntry] = []
    pairs: dict[tuple, dict[str, Piece]] = {}
    for p in pieces:
        if p.ident.kind != "generator":
            entries.append(_part_entry(p))
        elif p.ident.expert in ("high", "low") and p.ident.unsupported is None:
            key = (p.ident.family, p.ident.variant, p.ws.folder, without_expert(p.ws.name).lower())
            group = pairs.setdefault(key, {})
            if p.ident.expert in group:       # two files claim the same expert: keep them apart
                entries.append(_generator_entry([p], parts))
            else:
                group[p.ident.expert] = p
        else:
            entries.append(_generator_entry([p], parts))
    for group in pairs.values():
        entries.append(_generator_entry([group[k] for k in ("high", "low") if k in group], parts))
    return entries


def _base_entry(p: Piece, kind: str) -> ModelEntry:
    e = ModelEntry(name=p.ws.name, path=p.ws.path, kind=kind, layout="single-file", family=p.ident.family,
                   variant=p.ident.variant, label=p.ident.label, size_bytes=p.loaded.size,
                   details=dict(p.ident.details))
    e.notes += p.ident.notes
    if p.loaded.problems:
        e.problems += p.loaded.problems
        e.status = p.loaded.status
    if p.folder_role and kind not in ("unknown", p.folder_role):
        e.notes.append(f"a {kind.replace('_', ' ')} found in a {p.folder_role.replace('_', ' ')} folder")
    return e


def _part_entry(p: Piece) -> ModelEntry:
    e = _base_entry(p, p.ident.kind)
    header = p.loaded.header
    if header is not None:
        e.parameters = header.parameter_count()
        e.dtypes = header.dtype_counts()
        e.dtype = dominant_dtype(e.dtypes)
    if p.ident.unsupported:
        e.status = "unsupported"
        e.problems.append(p.ident.unsupported)
    return e.finish()


def _generator_entry(group: list[Piece], parts: list[Piece]) -> ModelEntry:
    first = group[0]
    e = _base_entry(first, "generator")
    ident = first.ident
    if ident.unsupported:
        e.status = "unsupported"
        e.problems.append(ident.unsupported)
        return e.finish()
    e.parameters, e.size_bytes, counts = 0, 0, {}
    for p in group:
        e.components[_EXPERT_ROLES.get(p.ident.expert, "transformer")] = p.ws.path
        e.size_bytes += p.loaded.size
        if p is not first and p.loaded.problems:
            e.problems += p.loaded.problems
            if p.loaded.status == "unreadable":
                e.status = "unreadable"
        if p.loaded.header is not None:
            tensors = _transformer_tensors(p.loaded.header, p.ident)
            e.parameters += tensors.parameter_count()
            counts = add_counts(counts, tensors.dtype_counts())
    e.dtypes, e.dtype = counts, dominant_dtype(counts)
    if ident.expert is not None:
        _expert_problems(e, group)
    for need in ident.needs:
        role, missing = NEEDS[need]
        if need in ident.embedded:
            e.components[role] = first.ws.path
            continue
        match = next((p for p in parts if p.ident.provides == need), None)
        if match is not None:
            e.components[role] = match.ws.path
            continue
        other = next((p for p in parts if NEEDS[p.ident.provides][0] == role), None)
        if other is not None:
            missing += (f" ({os.path.basename(other.ws.path)} is {PART_NAMES[other.ident.provides]}, "
                        f"which does not fit this model)")
        e.problems.append(missing)
    return e.finish()


def _expert_problems(e: ModelEntry, group: list[Piece]) -> None:
    have = {p.ident.expert for p in group}
    if have == {"unknown"}:
        e.problems.append("cannot tell the high-noise expert from the low-noise one: put high_noise or low_noise "
                          "in the file name")
        return
    if len(group) == 2:
        e.name = without_expert(group[0].ws.name)
    e.notes.append("experts told apart by file name (high_noise, low_noise)")
    for want in ("high", "low"):
        if want not in have:
            path = group[0].ws.path
            e.problems.append(f"no {_EXPERT_NAMES[want]} expert: put {other_expert_name(os.path.basename(path))} "
                              f"beside {os.path.basename(path)}")


def _transformer_tensors(header: SafetensorsHeader, ident: Identity) -> SafetensorsHeader:
    """The header without the tensors of parts embedded in the same checkpoint (``vae.*``)."""
    if not ident.embedded:
        return header
    kept = {n: t for n, t in header.tensors.items() if not n.startswith("vae.")}
    return SafetensorsHeader(header.path, kept, header.metadata, header.file_size)
