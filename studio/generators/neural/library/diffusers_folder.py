"""An entry for a diffusers folder: ``model_index.json`` and one subfolder per component.

Semantics and assumptions
-------------------------
* ``model_index.json`` names the pipeline (``_class_name``) and lists each component as
  ``"role": [library, class]`` (``[null, null]``: not used).  The pipelines run here are in
  :data:`PIPELINES`; Wan Animate and LTX's latent upsampler are listed as not supported, and
  any other pipeline as another family.
* The family and variant come from ``transformer/config.json`` (see :mod:`.wan`, :mod:`.ltx`)
  and, for Wan 2.2 A14B, ``model_index.json``'s ``boundary_ratio`` and ``transformer_2``.
* Every part the pipeline needs must be there: ``transformer`` (and ``transformer_2`` for
  A14B), ``vae``, ``text_encoder``, ``tokenizer``, ``scheduler``, plus ``image_encoder`` and
  ``image_processor`` for Wan 2.1 I2V and FLF2V.  A model part is a folder with a
  ``config.json`` and safetensors weights (one file, or shards with their index); a folder
  with only pickle weights (``.bin``, ``.pt``, ...) is refused; pickle files beside
  safetensors ones are never loaded, and a note says they were skipped.  When a part holds
  several weight sets (``diffusion_pytorch_model.safetensors`` and
  ``diffusion_pytorch_model.fp16.safetensors``), the one without a variant is used.
* Parts are checked against the transformer: the VAE's ``z_dim`` (48 for Wan 2.2 TI2V-5B, 16
  for the other Wan models) and the text encoder's ``model_type`` (``umt5`` for Wan, ``t5``
  for LTX-Video).
* The entry's ``parameters`` and ``dtype`` are the transformer's (both experts for A14B);
  ``size_bytes`` counts every safetensors file read for the parts.
* Nothing in the folder is imported or executed: ``auto_map``, custom pipeline code and
  ``trust_remote_code`` are never honoured.
"""

from __future__ import annotations

import os

from studio.generators.neural.library.entry import ModelEntry, add_counts, dominant_dtype
from studio.generators.neural.library.families import PART_NAMES
from studio.generators.neural.library.files import file_kind, pickle_message, read_json
from studio.generators.neural.library.ltx import identify_ltx_config
from studio.generators.neural.library.safetensors_header import ModelFileError
from studio.generators.neural.library.wan import identify_wan_config
from studio.generators.neural.library.weights import group_weight_files, read_weight_set

PIPELINES = {
    "WanPipeline": "wan", "WanImageToVideoPipeline": "wan", "WanVACEPipeline": "wan",
    "WanVideoToVideoPipeline": "wan",
    "LTXPipeline": "ltx-video", "LTXImageToVideoPipeline": "ltx-video", "LTXConditionPipeline": "ltx-video",
}
UNSUPPORTED_PIPELINES = {
    "WanAnimatePipeline": "Wan 2.2 Animate models are not supported",
    "LTXLatentUpsamplePipeline": "an LTX-Video latent upsampler, not a video generator: not supported yet",
}
MODEL_ROLES = ("transformer", "transformer_2", "vae", "text_encoder", "image_encoder")
AUX_FILES = {
    "tokenizer": ("tokenizer.json", "spiece.model", "tokenizer_config.json"),
    "scheduler": ("scheduler_config.json",),
    "image_processor": ("preprocessor_config.json",),
}
_STATUS_RANK = {"usable": 0, "incomplete": 1, "refused": 2, "unreadable": 3, "unsupported": 4}


def scan_diffusers_folder(folder: str, name: str) -> ModelEntry:
    """The entry for the diffusers folder ``folder`` (shown as ``name``)."""
    e = ModelEntry(name=name, path=folder, kind="generator", layout="diffusers")
    try:
        index = read_json(os.path.join(folder, "model_index.json"))
    except ModelFileError as exc:
        return _mark(e, "unreadable", str(exc)).finish()
    cls = index.get("_class_name")
    listed = {role: spec for role, spec in index.items()
              if not role.startswith("_") and isinstance(spec, list) and len(spec) == 2}
    present = [role for role, spec in listed.items() if spec[0] is not None and spec[1] is not None]
    family = PIPELINES.get(cls if isinstance(cls, str) else "")
    if family is None:
        why = UNSUPPORTED_PIPELINES.get(cls) if isinstance(cls, str) else None
        return _mark(e, "unsupported", why or f"a diffusers pipeline of another family ({str(cls)[:60]}); this "
                                              f"version runs Wan 2.x and LTX-Video").finish()
    configs = {}
    for role in present:
        if role in MODEL_ROLES and os.path.isdir(os.path.join(folder, role)):
            try:
                configs[role] = read_json(os.path.join(folder, role, "config.json"))
            except ModelFileError as exc:
                _mark(e, "incomplete" if str(exc).endswith(": missing") else "unreadable", str(exc))
    main = configs.get("transformer") or configs.get("transformer_2")
    if main is None:
        if "transformer" not in present:
            _mark(e, "incomplete", "model_index.json lists no transformer")
        elif not os.path.isdir(os.path.join(folder, "transformer")):
            _mark(e, "incomplete", "no transformer/ folder")
        return e.finish()
    if family == "wan":
        ident = identify_wan_config(main, index, name)
    else:
        ident = identify_ltx_config(main, configs.get("vae"), name)
    e.family, e.variant, e.label, e.details = ident.family, ident.variant, ident.label, dict(ident.details)
    e.details["pipeline"] = cls
    e.notes += ident.notes
    if ident.unsupported:
        return _mark(e, "unsupported", ident.unsupported).finish()
    required = ["transformer", "vae", "text_encoder", "tokenizer", "scheduler"]
    if "image:clip-vit-h" in ident.needs:
        required += ["image_encoder", "image_processor"]
    if ident.variant and ident.variant.endswith("A14B"):
        required.insert(1, "transformer_2")
    for role in required:
        if role not in present:
            _mark(e, "incomplete", f"no {role}: model_index.json does not list one")
    counts: dict[str, int] = {}
    e.parameters = 0
    for role in present:
        sub = os.path.join(folder, role)
        if role in MODEL_ROLES:
            header = _check_model_part(e, role, sub, listed[role][1])
            if header is not None and role.startswith("transformer"):
                e.parameters += header.parameter_count()
                counts = add_counts(counts, header.dtype_counts())
        elif role in AUX_FILES:
            _check_aux_part(e, role, sub)
    e.dtypes, e.dtype = counts, dominant_dtype(counts)
    _check_fit(e, ident.needs, configs)
    return e.finish()


def _mark(e: ModelEntry, status: str, problem: str) -> ModelEntry:
    e.problems.append(problem)
    if _STATUS_RANK[status] > _STATUS_RANK[e.status]:
        e.status = status
    return e


def _check_model_part(e: ModelEntry, role: str, sub: str, cls):
    if not os.path.isdir(sub):
        _mark(e, "incomplete", f"no {role}/ folder (model_index.json lists {str(cls)[:60]})")
        return None
    try:
        names = sorted(n for n in os.listdir(sub) if os.path.isfile(os.path.join(sub, n)))
    except OSError as exc:
        _mark(e, "unreadable", f"{sub}: cannot list: {exc.strerror or exc}")
        return None
    pickles = [n for n in names if file_kind(n) == "pickle"]
    sets = group_weight_files(sub, names)
    if not sets:
        if pickles:
            _mark(e, "refused", f"{role}/ has only pickle weights ({', '.join(pickles[:3])}): "
                                f"{pickle_message(pickles[0])}")
        else:
            _mark(e, "incomplete", f"{role}/ holds no weights (*.safetensors)")
        return None
    if pickles:
        e.notes.append(f"pickle files never loaded: {', '.join(f'{role}/{p}' for p in pickles[:3])}"
                       + (f" and {len(pickles) - 3} more" if len(pickles) > 3 else ""))
    chosen = next((s for s in sets if "." not in s.name), sets[0])
    if len(sets) > 1:
        e.notes.append(f"{role}/ holds {len(sets)} weight sets; using {os.path.basename(chosen.path)}")
    loaded = read_weight_set(chosen)
    for problem in loaded.problems:
        _mark(e, loaded.status, problem)
    e.size_bytes += loaded.size
    e.components[role] = sub
    return loaded.header


def _check_aux_part(e: ModelEntry, role: str, sub: str) -> None:
    if not os.path.isdir(sub):
        _mark(e, "incomplete", f"no {role}/ folder")
    elif not any(os.path.isfile(os.path.join(sub, n)) for n in AUX_FILES[role]):
        _mark(e, "incomplete", f"{role}/ has none of {', '.join(AUX_FILES[role])}")
    else:
        e.components[role] = sub


def _check_fit(e: ModelEntry, needs: tuple[str, ...], configs: dict) -> None:
    """The VAE and text encoder are the ones this transformer was trained with."""
    vae, text = configs.get("vae") or {}, configs.get("text_encoder") or {}
    want_z = 48 if "vae:wan2.2" in needs else 16 if "vae:wan2.1" in needs else None
    if want_z and isinstance(vae.get("z_dim"), int) and vae["z_dim"] != want_z:
        need = "vae:wan2.2" if want_z == 48 else "vae:wan2.1"
        _mark(e, "incomplete", f"vae/ has {vae['z_dim']} latent channels; {e.label} needs {PART_NAMES[need]} "
                               f"({want_z})")
    want_type = "umt5" if "text:umt5-xxl" in needs else "t5" if "text:t5-xxl" in needs else None
    got = text.get("model_type")
    if want_type and isinstance(got, str) and got != want_type:
        need = "text:umt5-xxl" if want_type == "umt5" else "text:t5-xxl"
        _mark(e, "incomplete", f"text_encoder/ is a {got[:40]} model; {e.label} needs {PART_NAMES[need]}")
