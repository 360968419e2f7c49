"""Neural video engines (Wan 2.x, LTX-Video) and what they stand on.

This package's ``__init__`` imports nothing: :mod:`studio.generators.neural.library` (finding
and identifying model files on disk) reads only file headers and JSON configs, so the CLI's
``cinegraph models`` and the app's model list never import torch.  The engines themselves,
when they land, import torch in their own modules, never here.
"""
