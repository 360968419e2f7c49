"""Bounds on what a workflow file may hold: sizes no real workflow comes near.

A ``.cgraph`` file can come from anywhere, so loading never trusts its sizes: a bigger file,
a deeper nesting, a longer number or string is reported as a problem with its JSON path
(exit 2 in the CLI), never a traceback, a stall or a memory blow-up.  The whole-file bounds
(:data:`MAX_FILE_BYTES` to :data:`MAX_KEY_CHARS`) hold everywhere in the file, also in the
parts kept as read (unknown keys, node types this version does not know); the others are
checked by the param schemas and the shot list.  docs/workflow_files.md lists them for users.

Standard library only, like the rest of the graph core.
"""

from __future__ import annotations

#: a workflow file; a bigger one is refused after reading this much of it
MAX_FILE_BYTES = 16 * 1024 * 1024
#: levels of lists and objects inside each other (the file's top object is level 1)
MAX_DEPTH = 64
#: digits of one number as written in the file; fewer than a double's 309, so every whole
#: number the file holds converts to a float
MAX_NUMBER_DIGITS = 300
#: items of one list, or keys of one object
MAX_ITEMS = 100_000
#: characters of any text in the file
MAX_STRING_CHARS = 1_000_000
#: characters of a key of an object
MAX_KEY_CHARS = 256

#: characters of a multi-line text param (a prompt)
MAX_TEXT_CHARS = 100_000
#: characters of a one-line text, which holds no control character: ids, node types, link
#: ports, one-line params (reel, timecode), shot ids
MAX_LINE_CHARS = 256
#: characters of a name (free text): a node's title, a shot's name, the sequence's name
MAX_NAME_CHARS = 1000
#: characters of a file path
MAX_PATH_CHARS = 4096
#: a frame number, a hold, a keyframe chain's length (the Int params' max elsewhere)
MAX_FRAME = 100_000
#: keys of one animation curve
MAX_CURVE_KEYS = 100_000
#: size of a number that has no declared range (canvas positions, unbounded params, shot frames)
MAX_MAGNITUDE = 1e9
#: problems reported for one file; the rest are counted in one last line
MAX_PROBLEMS = 200

__all__ = ["MAX_CURVE_KEYS", "MAX_DEPTH", "MAX_FILE_BYTES", "MAX_FRAME", "MAX_ITEMS", "MAX_KEY_CHARS",
           "MAX_LINE_CHARS", "MAX_MAGNITUDE", "MAX_NAME_CHARS", "MAX_NUMBER_DIGITS", "MAX_PATH_CHARS", "MAX_PROBLEMS",
           "MAX_STRING_CHARS", "MAX_TEXT_CHARS"]
