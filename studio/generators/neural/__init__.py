"""Neural video engines (Wan 2.x now, LTX-Video later) and what they stand on.

This package's ``__init__`` imports nothing, and no module here imports torch at module
level: :mod:`.library` finds and identifies model files from headers and configs;
:mod:`.wan_model` reads what a Wan folder can do; :mod:`.engine` checks a request and plans
it; :mod:`.client` talks to the generation worker.  Only :mod:`.worker`, which runs in its own
process, imports torch, diffusers and transformers (inside its functions), so the CLI, the
app and ``cinegraph models`` never do.  docs/models.md is the user's guide.
"""
