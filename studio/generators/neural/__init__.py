"""Neural video engines (Wan 2.x and LTX-Video) and what they stand on.

This package's ``__init__`` imports nothing, and no module here imports torch at module
level: :mod:`.library` finds and identifies model files from headers and configs;
:mod:`.models` reads a model folder as the family the library identified
(:mod:`.wan_model`, :mod:`.ltx_model`: what each can do and its size rules); :mod:`.engine` checks a request and plans
it; :mod:`.client` talks to the generation worker.  Only :mod:`.worker`, which runs in its own
process, imports torch, diffusers and transformers (inside its functions), so the CLI, the
app and ``cinegraph models`` never do.  docs/models.md is the user's guide.
"""
