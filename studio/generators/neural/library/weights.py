"""Weight sets: one safetensors file, or the shards of one checkpoint, read as one header.

Semantics and assumptions
-------------------------
* Large checkpoints are split into shards (``diffusion_pytorch_model-00001-of-00003.safetensors``)
  with an index, ``diffusion_pytorch_model.safetensors.index.json``, whose ``weight_map``
  maps each tensor to the shard that holds it.  :func:`group_weight_files` groups the files of
  one folder into sets: each index with its shards (those it names, and those named like
  ``BASE-NNNNN-of-NNNNN.safetensors``), shards without an index by their shared name, and each
  other safetensors file alone.
* :func:`read_weight_set` reads every header of a set and merges them into one
  :class:`~.safetensors_header.SafetensorsHeader` (its path is the index, or the single file).
  It returns a :class:`LoadedSet` with a status:

  - ``unreadable``: an index that is not JSON or names a shard outside its folder, a shard
    that is corrupt or truncated, an index that places a tensor in a shard that does not hold
    it, or a tensor in two shards; the problem names the file;
  - ``incomplete``: a shard is missing (``missing shard NAME``), the rest is read;
  - ``usable`` otherwise.

* Shard names in an index must be plain file names: a name with a folder part (``../x``) is
  refused rather than followed.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from studio.generators.neural.library.files import SAFETENSORS_SUFFIXES, read_json
from studio.generators.neural.library.safetensors_header import (ModelFileError, SafetensorsHeader, TensorInfo,
                                                                 read_header)

_SHARD = re.compile(r"^(?P<base>.+)-(?P<i>\d{5})-of-(?P<n>\d{5})\.safetensors$")
INDEX_SUFFIX = ".safetensors.index.json"


@dataclass
class WeightSet:
    name: str                  #: the file's name without suffix, or the shards' shared name
    folder: str
    files: list[str]           #: file names (in ``folder``) of the data
    index: str | None = None   #: the index file's name, if any
    expected: int | None = None  #: shards the names promise (``-of-00003``), without an index

    @property
    def path(self) -> str:
        return os.path.join(self.folder, self.index or (self.files[0] if self.files else self.name))


@dataclass
class LoadedSet:
    header: SafetensorsHeader | None
    status: str = "usable"
    problems: list[str] = field(default_factory=list)
    size: int = 0
    files: list[str] = field(default_factory=list)  #: absolute paths of the data files read


def group_weight_files(folder: str, names: list[str]) -> list[WeightSet]:
    """The weight sets among the file ``names`` of ``folder`` (safetensors and shard indexes)."""
    claimed: set[str] = set()
    sets: list[WeightSet] = []
    for index in sorted(n for n in names if n.endswith(INDEX_SUFFIX)):
        base = index[: -len(INDEX_SUFFIX)]
        shards = {n for n in names if (m := _SHARD.match(n)) and m.group("base") == base}
        try:
            listed = _weight_map(os.path.join(folder, index))
            shards |= {s for s in listed.values() if s in names}
        except ModelFileError:
            pass
        claimed |= shards | {index}
        sets.append(WeightSet(base, folder, sorted(shards), index))
    loose: dict[str, list[str]] = {}
    for n in sorted(names):
        if n in claimed or not n.lower().endswith(SAFETENSORS_SUFFIXES):
            continue
        m = _SHARD.match(n)
        if m:
            loose.setdefault(f"{m.group('base')}|{m.group('n')}", []).append(n)
        else:
            sets.append(WeightSet(os.path.splitext(n)[0], folder, [n]))
    for key, files in loose.items():
        base, total = key.rsplit("|", 1)
        sets.append(WeightSet(base, folder, files, expected=int(total)))
    return sorted(sets, key=lambda s: s.path)


def _weight_map(index_path: str) -> dict[str, str]:
    doc = read_json(index_path)
    wmap = doc.get("weight_map")
    if not isinstance(wmap, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in wmap.items()):
        raise ModelFileError(f"{index_path}: no weight_map of tensor names to shard files")
    for shard in set(wmap.values()):
        if os.path.basename(shard) != shard or "/" in shard or "\\" in shard or shard in (".", ".."):
            raise ModelFileError(f"{index_path}: names a shard outside its folder ({shard[:80]!r}); refused")
    return wmap


def read_weight_set(ws: WeightSet) -> LoadedSet:
    """Every header of the set, merged; see the module docstring for the statuses."""
    loaded = LoadedSet(None)
    wmap: dict[str, str] | None = None
    wanted = list(ws.files)
    if ws.index:
        try:
            wmap = _weight_map(os.path.join(ws.folder, ws.index))
        except ModelFileError as exc:
            return LoadedSet(None, "unreadable", [str(exc)])
        wanted = sorted(set(wmap.values()))
    elif ws.expected and len(ws.files) < ws.expected:
        found = {int(_SHARD.match(f).group("i")) for f in ws.files}
        digits = len(f"{ws.expected:05d}")
        for i in range(1, ws.expected + 1):
            if i not in found:
                _add(loaded, "incomplete", f"missing shard {ws.name}-{i:0{digits}d}-of-{ws.expected:05d}.safetensors")
    headers: dict[str, SafetensorsHeader] = {}
    for shard in wanted:
        path = os.path.join(ws.folder, shard)
        if not os.path.exists(path):
            _add(loaded, "incomplete", f"missing shard {shard}" + (f" (listed in {ws.index})" if ws.index else ""))
            continue
        try:
            headers[shard] = read_header(path)
        except ModelFileError as exc:
            _add(loaded, "unreadable", str(exc))
            continue
        loaded.size += headers[shard].file_size
        loaded.files.append(path)
    tensors: dict[str, TensorInfo] = {}
    for shard, header in headers.items():
        for name, info in header.tensors.items():
            if name in tensors:
                _add(loaded, "unreadable", f"{os.path.join(ws.folder, shard)}: tensor {name[:80]!r} is in two shards")
            tensors[name] = info
    if wmap is not None:
        for name, shard in wmap.items():
            if shard in headers and name not in headers[shard].tensors:
                _add(loaded, "unreadable", f"{os.path.join(ws.folder, ws.index)}: places tensor {name[:80]!r} in "
                                           f"{shard}, which does not hold it")
                break
    if headers:
        first = next(iter(headers.values()))
        loaded.header = SafetensorsHeader(ws.path, tensors, first.metadata, loaded.size)
    return loaded


_RANK = {"usable": 0, "incomplete": 1, "unreadable": 2}


def _add(loaded: LoadedSet, status: str, problem: str) -> None:
    loaded.problems.append(problem)
    if _RANK[status] > _RANK[loaded.status]:
        loaded.status = status
