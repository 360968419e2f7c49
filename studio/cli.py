"""The ``cinegraph`` command.

* ``cinegraph [FILE]``: open the app (the GUI is imported only here, lazily).
* ``cinegraph render WORKFLOW -o OUT [--node ID] [--frames A:B] [--device auto|cpu|cuda]
  [--preset NAME] [--timecode HH:MM:SS:FF] [--reel NAME] [--sequence PATH ...]``: render
  headless; each ``--sequence`` also writes the cut as .otio, .edl, .xml or .fcpxml (see
  :func:`_write_sequences`).
* ``cinegraph validate WORKFLOW``: report every problem in a workflow.
* ``cinegraph nodes [--json | --markdown]``: the node library and its schema.
* ``cinegraph models [--models DIR] [--json]``: every video model found on disk, usable or not
  (see :func:`_models` and docs/models.md).
* ``cinegraph generate --model PATH [--prompt TEXT] [--negative TEXT] [--image IMG] [--last-image IMG] [--frames N]
  [--width W] [--height H] [--steps N] [--guidance G] [--shift S] [--seed N] [--fps R] -o OUT``:
  one generation without a workflow (see :func:`_generate`): the same engine and the same
  outputs as ``render``; a model that is missing, refused, unreadable or cannot honour the
  request exits 2 before anything runs.

Exit codes: 0 success; 2 bad input (unreadable or invalid workflow, unknown node type,
missing or unreadable media file, bad arguments, an output that would overwrite a file the
workflow reads or the workflow itself), one line per problem and no traceback, and no output
left behind; 1 a runtime failure, naming the node; 130 cancelled (Ctrl+C or SIGTERM).

Nothing here imports torch or Qt at module level, so ``cinegraph --help`` is instant.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from studio import __version__
from studio.errors import Problem, StudioError, WorkflowError

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_CANCELLED = 0, 1, 2, 130


def _short(text: str, limit: int = 2000) -> str:
    """``text`` cut to ``limit`` characters, saying how long it was (no 20 MB error lines)."""
    text = str(text)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def _terminate(signum, frame):  # SIGTERM cancels like Ctrl+C: clean stop, no partial file
    raise KeyboardInterrupt


class BadInput(Exception):
    def __init__(self, lines: list[str]):
        self.lines = lines
        super().__init__("\n".join(lines))


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 already; keep its message on one line
        self.print_usage(sys.stderr)
        raise BadInput([f"{self.prog}: {message}"])


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="cinegraph", description="Cinegraph Studio: direct generated video with a node graph.")
    p.add_argument("--version", action="version", version=f"cinegraph {__version__}")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    r = sub.add_parser("render", help="render a workflow's output headless")
    r.add_argument("workflow")
    r.add_argument("-o", "--output", required=True,
                   help=".mov (ProRes 422 HQ), .mp4 (H.264), a folder or a %%04d pattern (PNG sequence)")
    r.add_argument("--node", help="render this node's output instead of the WriteVideo node")
    r.add_argument("--frames", help="frame range A:B (inclusive, 0-based)")
    r.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"))
    r.add_argument("--preset", help="export preset (see docs/export.md); default from the suffix")
    r.add_argument("--timecode", help="start timecode HH:MM:SS:FF")
    r.add_argument("--reel", help="reel name written into the file")
    r.add_argument("--sequence", action="append", metavar="PATH",
                   help="also write the shot list (or, without one, the output as one shot) as an editorial "
                        "timeline: .otio, .edl, .xml (FCP 7 / Premiere / Resolve) or .fcpxml; repeatable")
    r.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    v = sub.add_parser("validate", help="check a workflow and list every problem")
    v.add_argument("workflow")

    n = sub.add_parser("nodes", help="list node types")
    g = n.add_mutually_exclusive_group()
    g.add_argument("--json", action="store_true", help="the full schema as JSON")
    g.add_argument("--markdown", action="store_true", help="the reference as Markdown (docs/nodes.md)")

    m = sub.add_parser("models", help="list the video models found on disk, usable or not")
    m.add_argument("--models", action="append", metavar="DIR",
                   help="search these folders (os.pathsep-separated, repeatable) instead of $CINEGRAPH_MODELS "
                        "or the per-user default")
    m.add_argument("--json", action="store_true", help="every entry in full, as JSON")

    gen = sub.add_parser("generate", help="generate one clip with a video model, without a workflow")
    gen.add_argument("--model", required=True, help="the model folder (a Wan or LTX-Video diffusers folder)")
    gen.add_argument("--prompt", default="", help="what the shot shows")
    gen.add_argument("--negative", default="", help="what to avoid")
    gen.add_argument("--image", help="the still to start from (image-to-video models)")
    gen.add_argument("--last-image", help="the last frame (with --image: first-last frames; Wan I2V/FLF2V, "
                                          "LTX-Video)")
    gen.add_argument("--frames", type=int, default=0, help="frame count (snapped to the model's, e.g. 4k+1); "
                                                           "0: the model's default")
    gen.add_argument("--width", type=int, default=0, help="0: the model's default (or the image's aspect)")
    gen.add_argument("--height", type=int, default=0, help="0: the model's default (or the image's aspect)")
    gen.add_argument("--steps", type=int, default=0, help="denoising steps; 0: the model's default")
    gen.add_argument("--guidance", type=float, default=0.0, help="prompt guidance; 0: the model's default")
    gen.add_argument("--shift", type=float, default=0.0, help="scheduler shift; 0: the model's default")
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--fps", default="24", help="frame rate of the output (24, 25, 23.976, ...)")
    gen.add_argument("-o", "--output", required=True,
                     help=".mov (ProRes 422 HQ), .mp4 (H.264), a folder or a %%04d pattern (PNG sequence)")
    gen.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"))
    gen.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    o = sub.add_parser("open", help="open the app (the default when a file is given)")
    o.add_argument("file", nargs="?")
    return p


def main(argv: list[str] | None = None) -> int:
    as_command = argv is None
    argv = sys.argv[1:] if argv is None else argv
    # `cinegraph FILE` and `cinegraph` open the app
    if not argv or (argv[0] not in ("render", "validate", "nodes", "models", "generate", "open") and not argv[0].startswith("-")):
        argv = ["open", *argv]
    if as_command and argv[0] in ("render", "generate"):  # as a command (not called in-process), SIGTERM cancels too
        import signal
        signal.signal(signal.SIGTERM, _terminate)
    try:
        args = build_parser().parse_args(argv)
        if args.command == "render":
            return _render(args)
        if args.command == "validate":
            return _validate(args)
        if args.command == "nodes":
            return _nodes(args)
        if args.command == "models":
            return _models(args)
        if args.command == "generate":
            return _generate(args)
        return _open(args)
    except BadInput as exc:
        for line in exc.lines:   # one line per problem, even when a value holds line breaks
            print(_short(line).replace("\r", "\\r").replace("\n", "\\n"), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("cancelled", file=sys.stderr)
        return EXIT_CANCELLED


# -- open ---------------------------------------------------------------------------------
def has_display() -> bool:
    """Whether a window can be shown (a desktop session, or a Qt platform chosen explicitly)."""
    if sys.platform in ("darwin", "win32") or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _open(args) -> int:
    reason = None
    if not has_display():
        reason = "no display"
    else:
        try:
            from studio.ui.app import run_app
        except ImportError as exc:
            reason = f"the desktop app is not available ({exc})"
    if reason is None:
        return run_app(args.file)
    if not args.file:
        raise BadInput([f"cinegraph: cannot open the app: {reason}; "
                        f"use `cinegraph render WORKFLOW -o OUT` to render headless"])
    # no window: render the workflow's WriteVideo output headless instead
    graph = _load(args.file)
    target = _pick_target(graph, None)
    out = graph.nodes[target].params.get("path")
    if not out:
        raise BadInput([f"{args.file}: {target} has no output path; use `cinegraph render {args.file} -o OUT`"])
    print(f"cinegraph: {reason}; rendering {args.file} headless to {out}", file=sys.stderr)
    return _render(argparse.Namespace(workflow=args.file, output=out, node=target, frames=None, device="auto",
                                      preset=None, timecode=None, reel=None, quiet=False, sequence=None))


# -- nodes --------------------------------------------------------------------------------
def _nodes(args) -> int:
    from studio.graph.registry import default_registry
    reg = default_registry()
    if args.json:
        print(json.dumps(reg.schema(), indent=2))
    elif args.markdown:
        from studio.docs import nodes_markdown
        sys.stdout.write(nodes_markdown(reg))
    else:
        for category, types in reg.categories().items():
            print(category)
            for t in types:
                print(f"  {t.type_id:<16} {t.description}")
    return EXIT_OK


# -- models -------------------------------------------------------------------------------
def _models(args) -> int:
    """Every model found in the models folders: a table, or with ``--json`` every entry in full.

    The folders are ``--models`` (each may hold several, ``os.pathsep``-separated), else
    ``$CINEGRAPH_MODELS``, else the per-user default (:mod:`studio.generators.neural.library.locations`).
    A ``--models`` folder that does not exist is bad input (exit 2); a missing environment
    or default folder is only noted on stderr.  Every model found is listed, usable or not,
    and the exit status is 0: an incomplete or refused model is information, not a failure.
    JSON: ``{"folders": [{"path", "source", "exists"}], "models": [entry, ...]}`` with the
    fields of :class:`~studio.generators.neural.library.entry.ModelEntry`.
    """
    from studio.generators.neural.library import discover_models, model_folders
    from studio.generators.neural.library.locations import split_folders
    if args.models is not None:
        bad = [f"--models {text!r}: names no folder" for text in args.models if not split_folders(text)]
        bad += [f"--models {p}: {'not a folder' if os.path.exists(p) else 'no such folder'}"
                for text in args.models for p in split_folders(text) if not os.path.isdir(p)]
        if bad:
            raise BadInput(bad)
    folders = model_folders(cli=args.models)
    entries = discover_models(folders.paths)
    if args.json:
        print(json.dumps({"folders": [{"path": p, "source": folders.source, "exists": os.path.isdir(p)}
                                      for p in folders.paths],
                          "models": [e.to_json() for e in entries]}, indent=2))
    else:
        missing = [p for p in folders.paths if not os.path.isdir(p)]
        for p in missing:
            print(f"cinegraph models: {p} ({folders.source}) does not exist; create it and put models there, or "
                  f"set CINEGRAPH_MODELS or --models (see docs/models.md)", file=sys.stderr)
        shown = _printable(", ".join(folders.paths))
        print(f"models in {shown} (from {folders.source}): {len(entries)} found")
        for line in _model_table(entries):
            print(line)
    return EXIT_OK


def _model_table(entries) -> list[str]:
    """Rows of STATUS KIND NAME MODEL PARAMS DTYPE SIZE, each followed by its message and path."""
    one_line = _printable
    rows = [("STATUS", "KIND", "NAME", "MODEL", "PARAMS", "DTYPE", "SIZE")]
    for e in entries:
        rows.append((e.status, e.kind, one_line(e.name, 48), one_line(e.label or "-", 36), _count(e.parameters),
                     e.dtype or "-", _bytes(e.size_bytes)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(rows[0], widths)).rstrip()]
    for e, row in zip(entries, rows[1:]):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
        lines.append(f"    {one_line(e.message)}")
        lines.append(f"    {one_line(e.path)}")
    return lines


def _printable(text: str, limit: int = 0) -> str:
    """``text`` on one line (line breaks and other control characters as ``?``), cut to ``limit``."""
    text = "".join(c if c.isprintable() else "?" for c in str(text))
    return text if not limit or len(text) <= limit else text[: limit - 1] + "…"


def _count(n) -> str:
    if n is None:
        return "-"
    for unit, size in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if n >= size:
            return f"{n / size:.1f}{unit}"
    return str(n)


def _bytes(n: int) -> str:
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


# -- validate -----------------------------------------------------------------------------
def _load(path: str):
    from studio.graph import workflow
    try:
        graph, _ = workflow.load(path)
    except WorkflowError as exc:
        raise BadInput([f"{exc.path}: {p}" for p in exc.problems]) from None
    return graph


def _problem_lines(path: str, problems: list[Problem]) -> list[str]:
    return [f"{path}: {p}" for p in problems]


def missing_media(graph, node_ids) -> list[Problem]:
    """Every input file named by the given nodes that cannot be read as the media it should be.

    Each file is probed without decoding it (:func:`studio.media.check.media_problem`):
    missing, a folder, a named pipe or a device, empty, unreadable, a picture given as video
    (or the other way round), an image over the pixel limit, a movie whose index is gone.
    """
    from studio.media.check import media_problem
    problems = []
    checked: dict[tuple[str, str], str | None] = {}

    def check(path: str, kind: str) -> str | None:
        if (path, kind) not in checked:
            checked[(path, kind)] = media_problem(path, kind)
        return checked[(path, kind)]

    for nid in node_ids:
        node = graph.nodes[nid]
        if node.node_type is None:
            continue
        for spec in node.node_type.params:
            value = node.params.get(spec.name)
            if spec.kind == "path" and not spec.save and isinstance(value, str) and value:
                why = check(value, spec.file_filter)
                if why:
                    problems.append(Problem(f"{nid}.{spec.name}", why, nid, spec.name))
            if spec.path_keys and isinstance(value, list):
                for i, item in enumerate(value):
                    for key in spec.path_keys:
                        p = item.get(key) if isinstance(item, dict) else None
                        why = check(p, "image") if isinstance(p, str) and p else None
                        if why:
                            problems.append(Problem(f"{nid}.{spec.name}[{i}].{key}", why, nid, spec.name))
    return problems


def _validate(args) -> int:
    graph = _load(args.workflow)
    problems = graph.validate() + missing_media(graph, list(graph.nodes))
    if problems:
        raise BadInput(_problem_lines(args.workflow, problems))
    print(f"{args.workflow}: OK ({len(graph.nodes)} nodes, {len(graph.links)} links)")
    return EXIT_OK


# -- render -------------------------------------------------------------------------------
def _parse_frames(text: str | None) -> tuple[int, int]:
    if text is None:
        return 0, -1
    parts = text.split(":")
    try:
        if len(parts) != 2:
            raise ValueError
        a = int(parts[0]) if parts[0] else 0
        b = int(parts[1]) if parts[1] else -1
    except ValueError:
        raise BadInput([f"--frames {text!r}: expected A:B, e.g. 0:47"]) from None
    if a < 0 or (b != -1 and b < a):
        raise BadInput([f"--frames {text!r}: expected 0 <= A <= B"])
    return a, b


def _pick_target(graph, node_id: str | None) -> str:
    if node_id:
        if node_id not in graph.nodes:
            raise BadInput([f"--node {node_id!r}: no such node (nodes: {', '.join(graph.nodes)})"])
        return node_id
    writers = [n.id for n in graph.nodes.values() if n.type_id == "WriteVideo"]
    if len(writers) == 1:
        return writers[0]
    if not writers:
        raise BadInput(["the workflow has no WriteVideo node: name the node to render with --node ID"])
    raise BadInput([f"the workflow has several WriteVideo nodes ({', '.join(writers)}): choose one with --node"])


def _setup_writer(graph, target: str, args) -> str:
    """Point a WriteVideo at OUT (adding one after the target when it is another node)."""
    from studio.graph.commands import AddNode, Connect, SetParam
    node = graph.nodes[target]
    if node.type_id != "WriteVideo":
        out_port = next((p for p in (node.node_type.outputs if node.node_type else ())
                         if p.type in ("Clip", "Image")), None)
        if out_port is None:
            raise BadInput([f"--node {target!r}: {node.type_id} has no image or clip output to render"])
        writer = graph.apply(AddNode("WriteVideo", node_id=graph.new_id("WriteVideo"))).node_id
        graph.apply(Connect(target, out_port.name, writer, "clip"))
        target = writer
    out = os.path.abspath(args.output)
    from studio.media.export import PRESETS, preset_for_path
    if args.preset:
        if args.preset not in PRESETS:
            raise BadInput([f"--preset {args.preset!r}: expected one of {', '.join(PRESETS)}"])
        preset = args.preset
    else:
        try:
            preset = preset_for_path(out)
        except StudioError as exc:
            raise BadInput([f"-o {args.output}: {exc}"]) from None
    first, last = _parse_frames(args.frames)
    settings = {"path": out, "preset": preset, "first": first, "last": last}
    if args.timecode is not None:
        settings["timecode"] = args.timecode
    if args.reel is not None:
        settings["reel"] = args.reel
    for name, value in settings.items():
        try:
            graph.apply(SetParam(target, name, value))
        except StudioError as exc:
            raise BadInput([f"{name}: {exc}"]) from None
    if args.timecode:
        from studio.timecode import parse_timecode, TimecodeError
        try:
            parse_timecode(args.timecode, 24)
        except TimecodeError as exc:
            raise BadInput([f"--timecode: {exc}"]) from None
    return target


def _output_checks(graph, target: str, args) -> None:
    """Refuse, before anything is written, outputs that would overwrite what the graph reads.

    The movie (or image sequence) and every ``--sequence`` file must not be any file the
    workflow reads, the workflow itself, an existing folder, or one another
    (:mod:`studio.graph.outputs`).
    """
    from studio.graph.outputs import output_problems
    from studio.media.presets import PRESETS
    out = graph.nodes[target].params["path"]
    preset = PRESETS.get(graph.nodes[target].params.get("preset"))
    problems = [f"-o {args.output}: {p}" for p in
                output_problems(out, graph, args.workflow, sequence=preset.is_sequence if preset else None)]
    written = [("the rendered movie", out)]
    for path in getattr(args, "sequence", None) or []:
        problems += [f"--sequence {path}: {p}" for p in
                     output_problems(path, graph, args.workflow, sequence=False, extra_inputs=written)]
        written.append(("another --sequence file", os.path.abspath(path)))
    for what, path, folder in _output_folders(graph, target, args):
        existing = _missing_folders(folder)[1]   # where writing starts
        if os.path.isdir(existing) and not os.access(existing, os.W_OK | os.X_OK):
            problems.append(f"{path}: cannot write in the folder {existing} (permission denied)")
    if problems:
        raise BadInput(problems)


def _output_folders(graph, target: str, args) -> list[tuple[str, str, str]]:
    """``(option, path, folder)`` for the render's output and each ``--sequence`` file: the folder
    each is written into (a sequence folder is itself the folder)."""
    from studio.graph.outputs import is_sequence_path
    from studio.media.presets import PRESETS
    out = graph.nodes[target].params["path"]
    preset = PRESETS.get(graph.nodes[target].params.get("preset"))
    is_seq = preset.is_sequence if preset else is_sequence_path(out)
    folders = [(f"-o {args.output}", out,
                os.path.abspath(out if is_seq and "%" not in os.path.basename(out) else os.path.dirname(out)))]
    for path in getattr(args, "sequence", None) or []:
        folders.append((f"--sequence {path}", path, os.path.dirname(os.path.abspath(path))))
    return folders


def _missing_folders(folder: str) -> tuple[list[str], str]:
    """The folders from ``folder`` up that do not exist (deepest first), and the nearest that does."""
    missing: list[str] = []
    folder = os.path.abspath(folder)
    while not os.path.exists(folder) and os.path.dirname(folder) != folder:
        missing.append(folder)
        folder = os.path.dirname(folder)
    return missing, folder


def _make_folders(path: str, what: str) -> list[str]:
    """Create the missing folders of ``path`` (the folder an output goes into).

    Returns the folders created, deepest first, so a failed render can remove them again.
    """
    created = _missing_folders(path)[0]
    try:
        for f in reversed(created):
            os.mkdir(f)
    except OSError as exc:
        _remove_folders(created)
        raise BadInput([f"{what}: cannot create folder {f}: {exc.strerror}"]) from None
    return created


def _remove_folders(created: list[str]) -> None:
    """Remove the folders :func:`_make_folders` made, where they are still empty."""
    for f in created:
        try:
            os.rmdir(f)
        except OSError:
            pass


class _ProgressBar:
    """Progress on stderr: one updating line on a terminal, one line per finished node otherwise."""

    def __init__(self, stream=None, enabled: bool = True):
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = self.stream.isatty()
        self.total = 0
        self.finished = 0
        self.last = 0.0

    def __call__(self, ev) -> None:
        if not ev.node_id:
            return
        if ev.kind == "queued":
            self.total += 1
            return
        final = ev.kind in ("done", "failed", "cancelled", "blocked", "cached")
        if final and ev.kind != "cached":
            self.finished += 1
        if not self.enabled:
            return
        if not self.tty:
            if final and ev.kind != "cached":
                detail = f" in {ev.seconds:.2f} s" if ev.kind == "done" else f": {ev.message}" if ev.message else ""
                self.stream.write(f"[{self.finished}/{max(self.total, 1)}] {ev.node_id} {ev.kind}{detail}\n")
            return
        now = time.monotonic()
        if ev.kind == "running" and now - self.last < 0.1:
            return
        self.last = now
        frac = ev.progress if ev.kind == "running" else 1.0
        filled = int(24 * frac)
        line = (f"\r[{'#' * filled}{'.' * (24 - filled)}] {int(frac * 100):3d}%  {ev.node_id} {ev.kind}"
                f"{': ' + ev.message if ev.message else ''}  ({self.finished}/{max(self.total, 1)} nodes)")
        self.stream.write(line[:119].ljust(119))
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.tty:
            self.stream.write("\n")
            self.stream.flush()


def _render(args) -> int:
    from studio.executor import DeviceManager
    graph = _load(args.workflow)
    _check_sequences(graph, args)
    target = _setup_writer(graph, _pick_target(graph, args.node), args)
    needed = graph.upstream([target])
    problems = [p for p in graph.validate() if p.node_id in needed or p.node_id is None]
    problems += missing_media(graph, needed)
    if problems:
        raise BadInput(_problem_lines(args.workflow, problems))
    _output_checks(graph, target, args)
    try:
        devices = DeviceManager(args.device)
        if args.device != "auto":
            devices.kind()
    except StudioError as exc:
        raise BadInput([f"--device: {exc}"]) from None
    return _render_creating_folders(graph, target, args)


def _render_creating_folders(graph, target: str, args) -> int:
    """Create the output's missing folders, render, and remove those folders unless it succeeded."""
    created: list[str] = []
    try:
        for what, _, folder in _output_folders(graph, target, args):
            created += _make_folders(folder, what)
    except BadInput:
        _remove_folders(created)
        raise
    status = EXIT_FAILED
    try:
        status = _run_render(graph, target, args)
        return status
    finally:
        if status != EXIT_OK:
            _remove_folders(created)


def _run_render(graph, target: str, args) -> int:
    from studio.executor import DeviceManager, Executor
    executor = Executor(devices=DeviceManager(args.device))
    bar = _ProgressBar(enabled=not args.quiet)
    executor.subscribe(bar)
    out = graph.nodes[target].params["path"]
    try:
        result, interrupted = _wait_cancellable(executor, graph, target)
    finally:
        executor.shutdown()
    bar.close()
    if result.status == "cancelled":
        print("cancelled: no output written", file=sys.stderr)
        return EXIT_CANCELLED
    if not result.ok:
        for nid in result.failed or list(result.errors):
            node = graph.nodes.get(nid)
            label = f"{nid} ({node.type_id})" if node else nid or "executor"
            print(f"error: node {label} failed: {_short(result.errors[nid])}", file=sys.stderr)
        return EXIT_CANCELLED if interrupted else EXIT_FAILED
    if interrupted:  # the output was complete before the cancel reached it: say so, keep it
        print(f"cancel came too late: the render had finished; wrote {out}", file=sys.stderr)
    print(f"wrote {out} in {result.seconds:.1f} s", file=sys.stderr)
    return _write_sequences(graph, target, args)


def _wait_cancellable(executor, graph, target: str):
    """Run ``target``; Ctrl+C (or SIGTERM) cancels the run and waits for it to stop.

    Returns ``(result, interrupted)``.  After the first Ctrl+C further ones are ignored
    until the worker has stopped (within the cancel budget), so the result reported is the
    one on disk: cancelled (nothing written) or, when the cancel came after the output was
    complete, done.
    """
    import signal
    handle = executor.submit(graph, [target])
    interrupted = False
    try:
        while not handle.done:
            handle.wait(0.05)
    except KeyboardInterrupt:
        interrupted = True
        handle.cancel()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            handle.wait()
        finally:
            signal.signal(signal.SIGINT, previous)
    return handle.result, interrupted


# -- generate -----------------------------------------------------------------------------
def _generate(args) -> int:
    """One generation without a workflow: a graph of [Load Image] -> Flow Generator (neural) -> Write Video.

    The model is checked before anything runs: missing, refused (pickle), unreadable or
    incomplete models, and requests it cannot honour (an image for a text-to-video model, none
    for an image-to-video one, a last frame for a model that cannot take one), exit 2 with one
    line each.  With ``--last-image`` the two stills go through a Keyframes node (frame 0 and
    the last frame: the frame count snapped to the model's) to the generator's keyframes input.
    Then it renders like ``render``.
    """
    import argparse as _argparse
    from studio.graph import Graph
    from studio.graph.commands import AddNode, Connect, SetParam
    from studio.generators.neural.models import read_model
    from studio.media.check import media_problem
    try:
        model = read_model(args.model)
    except StudioError as exc:
        raise BadInput([f"--model: {exc}"]) from None
    last = getattr(args, "last_image", None)
    problems = []
    if args.image and not model.takes_image:
        problems.append(f"--image: {model.label} is text-to-video and takes no image")
    if not args.image and model.needs_image:
        problems.append(f"--image: {model.label} is image-to-video: give a still with --image")
    if args.image and media_problem(args.image, "image"):
        problems.append(f"--image: {media_problem(args.image, 'image')}")
    if args.shift and model.runtime == "ltx":
        problems.append(f"--shift: {model.label} sets its schedule's shift from the video's size; leave --shift out")
    if last:
        if not args.image:
            problems.append("--last-image: give the first frame with --image too")
        if not (model.first_last or model.keyframe_positions):
            problems.append(f"--last-image: {model.label} cannot take a last frame (first-last needs Wan FLF2V, a "
                            f"Wan I2V model or LTX-Video)")
        if media_problem(last, "image"):
            problems.append(f"--last-image: {media_problem(last, 'image')}")
    if problems:
        raise BadInput(problems)
    graph = Graph()
    gen = graph.apply(AddNode("FlowGenerator", node_id="generator")).node_id
    prompt = graph.apply(AddNode("Prompt", node_id="prompt")).node_id
    settings = [(prompt, "text", args.prompt), (prompt, "negative", args.negative), (gen, "engine", "neural"),
                (gen, "model", model.path), (gen, "frames", 0 if last else args.frames), (gen, "width", args.width),
                (gen, "height", args.height), (gen, "steps", args.steps), (gen, "guidance", args.guidance),
                (gen, "shift", args.shift), (gen, "seed", args.seed), (gen, "fps", args.fps)]
    if args.image:
        image = graph.apply(AddNode("LoadImage", node_id="image")).node_id
        settings.append((image, "path", os.path.abspath(args.image)))
        if last:
            end = graph.apply(AddNode("LoadImage", node_id="last_image")).node_id
            keys = graph.apply(AddNode("Keyframes", node_id="keyframes")).node_id
            settings += [(end, "path", os.path.abspath(last)),
                         (keys, "last_frame", max(1, model.snap_frames(args.frames) - 1))]
            graph.apply(Connect(image, "image", keys, "first"))
            graph.apply(Connect(end, "image", keys, "last"))
            graph.apply(Connect(keys, "keyframes", gen, "keyframes"))
        else:
            graph.apply(Connect(image, "image", gen, "image"))
    graph.apply(Connect(prompt, "prompt", gen, "prompt"))
    bad = []
    for node_id, name, value in settings:
        try:
            graph.apply(SetParam(node_id, name, value))
        except StudioError as exc:
            flag = {"text": "prompt", "path": "last-image" if node_id == "last_image" else "image",
                    "last_frame": "frames"}.get(name, name)
            bad.append(f"--{flag}: {exc}")
    if bad:
        raise BadInput(bad)
    wargs = _argparse.Namespace(output=args.output, preset=None, frames=None, timecode=None, reel=None,
                                sequence=None, workflow=None, node=None, device=args.device, quiet=args.quiet)
    target = _setup_writer(graph, gen, wargs)
    _output_checks(graph, target, wargs)
    return _render_creating_folders(graph, target, wargs)


# -- editorial timelines (--sequence) --------------------------------------------------------
def _check_sequences(graph, args) -> None:
    """Refuse bad --sequence requests before anything is rendered or created."""
    paths = getattr(args, "sequence", None) or []
    if not paths:
        return
    from studio.media.editorial import format_for_path
    from studio.graph.sequence import check_reel
    for path in paths:
        try:
            format_for_path(path)
        except StudioError as exc:
            raise BadInput([f"--sequence {exc}"]) from None
    from studio.media.presets import PRESETS, preset_for_path
    try:
        preset = args.preset or preset_for_path(os.path.abspath(args.output))
    except StudioError:
        preset = None  # _setup_writer reports a bad -o
    if preset in PRESETS and PRESETS[preset].is_sequence:
        raise BadInput([f"--sequence needs a movie output (.mov or .mp4), not an image sequence: -o {args.output}"])
    if not graph.sequence.shots and args.reel is not None and check_reel(args.reel):
        raise BadInput([f"--reel {args.reel!r}: {check_reel(args.reel)}"])


def _write_sequences(graph, target: str, args) -> int:
    """Write each --sequence file after a successful render.

    With a shot list in the workflow, that list is written, and the shots whose source node
    is the rendered one (the WriteVideo, the node it writes, or ``--node``) refer to the new
    file (keeping their in/out when they fit; see ``studio.graph.sequence.relinked``); the
    workflow file itself is not changed.  Without one, the output is a one-shot sequence:
    the whole file, reel ``--reel`` or ``AX``, source timecode from the file, record start
    01:00:00:00 (``01:00:00;00`` at drop-frame rates).
    """
    paths = getattr(args, "sequence", None) or []
    if not paths:
        return EXIT_OK
    from studio.graph.sequence import Sequence, Shot, relinked
    from studio.timecode import parse_timecode, rate_text
    from studio.media.editorial import write_sequence
    from studio.media.probe import probe
    out = graph.nodes[target].params["path"]
    try:
        info = probe(out, count="packets")
        fps = rate_text(info.fps)
        tc = info.timecode or "00:00:00:00"
        parse_timecode(tc, info.fps)
    except (StudioError, ValueError, TypeError) as exc:
        print(f"error: --sequence: cannot read the rendered file {out}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    new = dict(media=out, media_frames=info.frames, fps=fps, timecode=tc, width=info.width, height=info.height,
               audio=info.has_audio)
    sources = {target, *(lk.source for lk in graph.links_to(target))} | ({args.node} if args.node else set())
    try:
        if graph.sequence.shots:
            seq = relinked(graph.sequence, sources, **new)
        else:
            stem = os.path.splitext(os.path.basename(args.workflow))[0]
            drop = ";" in tc
            seq = Sequence(name=stem, fps=fps, start="01:00:00;00" if drop else "01:00:00:00",
                           shots=[Shot("shot1", graph.nodes[args.node].name if args.node else stem, source_in=0,
                                       source_out=info.frames, reel=args.reel or "AX", source_node=target, **new)])
        for path in paths:
            written = write_sequence(seq, path)
            print(f"wrote {written} ({len(seq.shots)} shot{'s' if len(seq.shots) != 1 else ''})", file=sys.stderr)
    except StudioError as exc:
        print(f"error: --sequence: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
