"""One model found on disk, as ``cinegraph models`` and the app's model list show it.

Semantics and assumptions
-------------------------
* An entry is made for every generator (a diffusers folder, or a single-file transformer
  with the files it needs around it), every component file (VAE, text encoder, image
  encoder), every LoRA, and every weight file that cannot be used: nothing found is hidden.
* ``status`` is one of :data:`STATUSES`:

  - ``usable``: the weights are all there and their headers and configs check out;
  - ``incomplete``: identified, but a part is missing (a VAE, a text encoder, the other
    expert of a pair, a shard); ``problems`` says what, and where to put it;
  - ``refused``: a pickle weight file (``.ckpt``, ``.pt``, ``.pth``, ``.bin``, ``.pkl``),
    never opened, or a diffusers component that only has pickle weights;
  - ``unreadable``: a corrupt or truncated file, or a broken config; the message names the
    file;
  - ``unsupported``: readable weights of a model family, variant or format this version
    does not run (another family's checkpoint, GGUF, LTX-2, Wan Animate, ...).

* ``message`` is one line for people: ``"LABEL: problem; problem"`` when something is
  wrong, ``"LABEL: ready"`` otherwise (with notes on how the variant was told, where that
  was from the file name rather than the weights).
* ``parameters`` counts the elements of the generator's denoising transformer(s) (both
  experts of a Wan 2.2 A14B pair), or of the component's file, from the tensor shapes;
  fp8 scale tensors are not counted.  ``size_bytes`` is the size on disk of the weight
  files the entry itself reads: for a diffusers folder, the safetensors files of all its
  parts; for a single-file generator, its transformer file(s) (the shared parts have entries
  of their own).  ``dtype`` is the dtype holding most of the parameters; ``dtypes`` counts
  parameters per dtype.
* ``kind`` of a file that cannot be read (a pickle, a corrupt file) is the role of the
  ComfyUI folder it is in (``vae/`` gives ``vae``), or ``unknown``.
* ``components`` maps each part's role (``transformer``, ``transformer_2``, ``vae``,
  ``text_encoder``, ``image_encoder``, ``tokenizer``, ``scheduler``) to the file or folder
  found for it; a VAE inside an all-in-one checkpoint maps to the checkpoint itself.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

STATUSES = ("usable", "incomplete", "refused", "unreadable", "unsupported")
KINDS = ("generator", "vae", "text_encoder", "image_encoder", "lora", "unknown")


@dataclass
class ModelEntry:
    name: str                       #: folder name, or file name without suffix (an A14B pair: the shared part)
    path: str                       #: absolute path of the folder or the (first) file
    kind: str                       #: one of KINDS
    layout: str                     #: "diffusers" or "single-file"
    status: str = "usable"
    message: str = ""
    family: str | None = None       #: "wan2.1", "wan2.2", "ltx-video", or another family's name
    variant: str | None = None      #: "T2V-1.3B", "TI2V-5B", "T2V-A14B", "0.9.7-13B-distilled", ...
    label: str = ""                 #: "Wan2.2-TI2V-5B", "LTX-Video-0.9.7-13B-distilled", "umt5-xxl", ...
    parameters: int | None = None
    size_bytes: int = 0
    dtype: str | None = None
    dtypes: dict[str, int] = field(default_factory=dict)
    components: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    details: dict = field(default_factory=dict)   #: config facts: channels, layers, width, ...

    def finish(self) -> "ModelEntry":
        """Set ``status`` from the problems (unless already decided) and compose ``message``."""
        if self.problems and self.status == "usable":
            self.status = "incomplete"
        who = self.label or self.name
        if self.problems:
            self.message = f"{who}: " + "; ".join(self.problems)
        else:
            self.message = f"{who}: ready" + "".join(f"; {n}" for n in self.notes)
        return self

    def to_json(self) -> dict:
        return asdict(self)


def dominant_dtype(counts: dict[str, int]) -> str | None:
    """The dtype with the most elements (the first on a tie), or ``None`` for no tensors."""
    return max(counts, key=counts.get) if counts else None


def add_counts(total: dict[str, int], more: dict[str, int]) -> dict[str, int]:
    for k, v in more.items():
        total[k] = total.get(k, 0) + v
    return dict(sorted(total.items(), key=lambda kv: -kv[1]))
