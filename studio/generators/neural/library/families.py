"""What a set of weights was identified as, and what each generator needs beside it.

Semantics and assumptions
-------------------------
* :class:`Identity` is the answer of every identifier (:mod:`.wan`, :mod:`.ltx`,
  :mod:`.components`): the kind of weights, the family and variant, a display label, the
  config facts read from shapes or configs, notes on how it was told, and, for generators,
  the parts it ``needs`` (keys of :data:`NEEDS`); for components, the part it ``provides``.
* A generator that cannot run here (a known architecture, but a variant this version does
  not run) says why in ``unsupported``.
* :data:`NEEDS` holds, for each part a generator may need, the role it fills and the one-line
  problem shown when it is missing.  The file names are those of the ComfyUI repackaged
  releases (``Comfy-Org/Wan_2.1_ComfyUI_repackaged``, ``Comfy-Org/Wan_2.2_ComfyUI_Repackaged``);
  docs/models.md lists where each comes from.
* The ``*_in_name`` helpers read what only a file or folder name can tell: which expert of a
  Wan 2.2 A14B pair a file is (``high_noise`` / ``low_noise``), that a file is Wan 2.2
  (``wan2.2``, ``wan2_2``), the resolution a Wan 2.1 I2V model was trained for (``480p``,
  ``720p``), the LTX-Video release (``0.9.7``) and distillation (``distilled``).  Entries
  say in their notes when a name decided something.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: part -> (role, problem when no file provides it)
NEEDS: dict[str, tuple[str, str]] = {
    "vae:wan2.1": ("vae", "no VAE: put wan_2.1_vae in vae/"),
    "vae:wan2.2": ("vae", "no VAE: put wan2.2_vae in vae/"),
    "vae:ltx-video": ("vae", "no VAE: put the LTX-Video VAE in vae/ or use a checkpoint that includes it"),
    "text:umt5-xxl": ("text_encoder", "no text encoder: put umt5-xxl in text_encoders/ or use the diffusers folder"),
    "text:t5-xxl": ("text_encoder", "no text encoder: put t5xxl (T5 v1.1 XXL) in text_encoders/ or use the "
                                    "diffusers folder"),
    "image:clip-vit-h": ("image_encoder", "no image encoder: put clip_vision_h (CLIP ViT-H/14) in clip_vision/"),
}

#: the text shown for a part when naming what was found instead
PART_NAMES = {
    "vae:wan2.1": "the Wan 2.1 VAE", "vae:wan2.2": "the Wan 2.2 VAE", "vae:ltx-video": "the LTX-Video VAE",
    "text:umt5-xxl": "umt5-xxl", "text:t5-xxl": "t5xxl", "image:clip-vit-h": "CLIP ViT-H/14",
}

FAMILY_NAMES = {"wan2.1": "Wan2.1", "wan2.2": "Wan2.2", "ltx-video": "LTX-Video"}


@dataclass
class Identity:
    kind: str                                   #: generator, vae, text_encoder, image_encoder, lora, unknown
    family: str | None = None
    variant: str | None = None
    label: str = ""
    details: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    needs: tuple[str, ...] = ()                 #: keys of NEEDS (generators)
    provides: str | None = None                 #: a key of NEEDS (components)
    embedded: tuple[str, ...] = ()              #: parts inside the same file, e.g. ("vae:ltx-video",)
    expert: str | None = None                   #: Wan 2.2 A14B: "high", "low" or "unknown"
    unsupported: str | None = None              #: why this cannot run here, if it cannot
    problems: list[str] = field(default_factory=list)


def label_for(family: str | None, variant: str | None) -> str:
    if family in FAMILY_NAMES and variant:
        return f"{FAMILY_NAMES[family]}-{variant}"
    return variant or family or ""


# -- what file and folder names say (only where the weights cannot tell) ------------------------
_HIGH = re.compile(r"high[_\- ]?noise", re.I)
_LOW = re.compile(r"low[_\- ]?noise", re.I)
_WAN22 = re.compile(r"wan[_\- ]?2[._\- ]?2(?!\d)", re.I)
_RESOLUTION = re.compile(r"(?<!\d)(480|720)p(?![a-z])", re.I)
_LTX_VERSION = re.compile(r"(?<![\d.])0\.9\.(\d+)(?![\d])")
_DISTILLED = re.compile(r"distill", re.I)


def expert_in_name(name: str) -> str | None:
    """``"high"`` or ``"low"`` when the name says which Wan 2.2 A14B expert this is."""
    high, low = bool(_HIGH.search(name)), bool(_LOW.search(name))
    return "high" if high and not low else "low" if low and not high else None


def without_expert(name: str) -> str:
    """The name with its high-noise / low-noise mark removed: the two experts' shared name."""
    stripped = _LOW.sub("", _HIGH.sub("", name))
    return re.sub(r"[_\- ]{2,}", "_", stripped).strip("_- ") or name


def says_wan22(name: str) -> bool:
    return bool(_WAN22.search(name))


def resolution_in_name(name: str) -> str | None:
    m = _RESOLUTION.search(name)
    return f"{m.group(1)}P" if m else None


def ltx_version_in_name(name: str) -> str | None:
    m = _LTX_VERSION.search(name)
    return f"0.9.{m.group(1)}" if m else None


def says_distilled(name: str) -> bool:
    return bool(_DISTILLED.search(name))


def count_blocks(names, prefix: str) -> int:
    """How many numbered blocks ``PREFIX<N>.`` the tensor names hold (the highest N plus one)."""
    top = -1
    n = len(prefix)
    for name in names:
        if name.startswith(prefix):
            digits = name[n:].split(".", 1)[0]
            if digits.isdigit():
                top = max(top, int(digits))
    return top + 1


def find_prefix(names, suffix: str) -> str | None:
    """The prefix before ``suffix`` in the tensor names (``""``, ``"model.diffusion_model."``, ...)."""
    for name in names:
        if name.endswith(suffix):
            prefix = name[: -len(suffix)]
            if prefix == "" or prefix.endswith("."):
                return prefix
    return None


def other_expert_name(name: str) -> str:
    """The name the other expert of a Wan 2.2 A14B pair would have (``high_noise`` <-> ``low_noise``)."""
    def swap(m: re.Match) -> str:
        text = m.group(0)
        pairs = (("high", "low"), ("High", "Low"), ("HIGH", "LOW")) if text[0] in "hH" else \
                (("low", "high"), ("Low", "High"), ("LOW", "HIGH"))
        for a, b in pairs:
            text = text.replace(a, b)
        return text
    return _LOW.sub(swap, name) if expert_in_name(name) == "low" else _HIGH.sub(swap, name)
