"""Fuzz run through the CLI: hostile workflows, media, outputs and faults (issue #19).

A reproducible corpus (:mod:`benchmarks.fuzz_corpus`, master seed 19, about 470 cases in
36 classes: byte flips, truncation, deleted keys, wrong types, 5000-digit numbers, deep
nesting, 10 MB strings, duplicate ids, bad links, cycles, unknown types, out-of-range
params, keyframe holds of 10**30, 8192-pixel generators, 200,000-point brushes, 3000-node
Retime chains; media that is a directory, empty, text, truncated, 1x1, 20000x20000, a FIFO,
a device, a PNG given to Load Video, an .mp4 without its moov atom; ``-o`` onto an input,
the workflow, a symbolic or hard link to an input, an existing directory, missing or
read-only folders, a full disk; SIGINT and SIGKILL mid-render) is run with
``python -m studio.cli validate`` and/or ``render`` in subprocesses, each case in its own
temporary folder with copies of the media it reads.

Each command runs in its own process group under an address-space limit
(``RLIMIT_AS``, ``--mem-limit-gb``, default 3) and a wall-clock limit (``--timeout``,
default 60 s; a signalled render gets 15 s to stop), with ``TMPDIR`` inside the case
folder and a marker in its environment.  After each case it checks:

* exit code: ``validate`` 0 or 2; ``render`` 0 or 2, or 1 with only ``error: node ...``
  lines; traps on ``-o`` must be refused with 2; SIGINT must give 130; a render exiting
  0 must have written its output;
* no ``Traceback`` in stderr, no stderr line over 2000 characters, no stderr over 1 MB,
  exit 2 with at least one line, and media problems named for what they are (a
  directory, a FIFO, a device, Load Video fed a picture);
* timeouts; kills (a signal death we did not send); memory blow-ups (a MemoryError or
  allocation failure under the limit, resident memory of the command and its children
  over the 2 GB goal (``--rss-goal-gb``), or over ``--watchdog-gb``, default 5, which
  kills it);
* overwritten inputs: every file, link, folder and FIFO present before the case must be
  unchanged after it (content hash, link target, type);
* leftovers: anything new in the case folder besides the output of a render that exited
  0 (a ``.partial`` file, an empty folder tree, a file next to exit 130, files in
  ``TMPDIR``); after a SIGKILL, only files named ``partial`` may appear, and the next
  render of the same output must remove them (after a timeout or watchdog kill, which is
  counted already, files named ``partial`` are not counted again);
* orphans: a process carrying the case's marker (ffmpeg, a worker) still alive 3 s after
  the command ended; it is killed and counted;
* validate missed: for media cases, ``render`` refusing (2) what ``validate`` passed, or
  failing at all on media that cannot be read (a directory, an empty or text file, a FIFO,
  a device, a picture given to Load Video, a clip without its index).

The table gives per class: cases, exit codes seen, tracebacks, timeouts, kills, memory
blow-ups, overwritten inputs, leftovers, orphans, message problems, the largest stderr and
the peak resident memory (the command and its children, sampled, and the largest single
process from ``wait4``).  Failing cases are listed with their seed and a stderr line;
``python -m benchmarks.bench_fuzz --case ID [--keep]`` reruns one and prints everything.

Run: ``python -m benchmarks.bench_fuzz`` (default corpus, 2 workers, ~15 min on 2 cores),
``--quick`` (about 60 cases), ``--cases N``, ``--class NAME``, ``--workers``, ``--timeout``.
Nothing is written outside a temporary folder, which is removed at the end; every child
process is killed.  Not part of the test suite.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import re
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.fuzz_corpus import CLASSES, MASTER_SEED, ROOT, Assets, Plan, Step, build_case, corpus, parse_id

PY = sys.executable
SIGNAL_GRACE = 15.0        # seconds a signalled render gets to stop
ORPHAN_GRACE = 3.0         # seconds children get to die after their parent
FAULT_WAIT = 20.0          # seconds to wait for ffmpeg before signalling anyway
LONG_LINE = 2000
LONG_STDERR = 1 << 20
COLUMNS = ("bad exit", "traceback", "timeout", "kill", "memory", "overwritten", "leftover", "orphan", "message",
           "missed")

# Sets the limits, then becomes the command (same pid, so the process group and wait4 see it).
_WRAPPER = r"""
import ctypes, os, resource, signal, sys
a, f, nodac = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
if a > 0:
    resource.setrlimit(resource.RLIMIT_AS, (a, a))
if f > 0:
    resource.setrlimit(resource.RLIMIT_FSIZE, (f, f))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
if nodac:  # root without CAP_DAC_OVERRIDE/READ_SEARCH: read-only folders are read-only
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):
        libc.prctl(24, cap, 0, 0, 0)
os.execv(sys.argv[4], sys.argv[4:])
"""
_MEMORY = re.compile(r"MemoryError|Cannot allocate memory|std::bad_alloc|Insufficient memory|out of memory|"
                     r"Failed to allocate|cannot allocate", re.I)
_NODE_ERROR = re.compile(r"^error: ")


# -- processes ----------------------------------------------------------------------------
def _read(path: str, binary: bool = False):
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        return data if binary else data.decode("utf-8", "replace")
    except OSError:
        return b"" if binary else ""


def _children(pid: int) -> list[int]:
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            out += [int(c) for c in _read(f"/proc/{pid}/task/{tid}/children").split()]
    except OSError:
        pass
    return out


def _tree(pid: int) -> list[int]:
    seen, todo = [], [pid]
    while todo:
        p = todo.pop()
        if p not in seen:
            seen.append(p)
            todo += _children(p)
    return seen


def _rss(pid: int) -> int:
    parts = _read(f"/proc/{pid}/statm").split()
    return int(parts[1]) * os.sysconf("SC_PAGE_SIZE") if len(parts) > 1 else 0


def _comm(pid: int) -> str:
    return _read(f"/proc/{pid}/comm").strip()


def _state(pid: int) -> str:
    stat_ = _read(f"/proc/{pid}/stat")
    return stat_.rpartition(")")[2].split()[0] if ")" in stat_ else ""


def marked(marker: str) -> list[int]:
    """Live processes whose environment holds ``CINEGRAPH_FUZZ=marker...``."""
    needle = f"CINEGRAPH_FUZZ={marker}".encode()
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        env = _read(f"/proc/{entry}/environ", binary=True)
        if needle in env and _state(int(entry)) not in ("Z", "X", ""):
            found.append(int(entry))
    return found


class _Live:
    """Process groups and markers of running commands, so an interrupted run kills them all."""

    def __init__(self):
        self.lock = threading.Lock()
        self.groups: set[int] = set()
        self.stop = threading.Event()

    def add(self, pgid: int) -> None:
        with self.lock:
            self.groups.add(pgid)

    def discard(self, pgid: int) -> None:
        with self.lock:
            self.groups.discard(pgid)

    def kill_all(self, marker: str) -> None:
        with self.lock:
            groups = list(self.groups)
        for g in groups:
            try:
                os.killpg(g, signal.SIGKILL)
            except OSError:
                pass
        for pid in marked(marker):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


LIVE = _Live()


# -- results ------------------------------------------------------------------------------
@dataclass
class StepResult:
    argv: list[str]
    exit: int | None = None
    seconds: float = 0.0
    peak: int = 0                    # bytes: max(sampled sum over the process tree, wait4 max RSS)
    stderr_size: int = 0
    stderr: str = ""                 # the first 8 KB
    fault_sent: str | None = None
    timeout: bool = False
    watchdog: bool = False
    orphans: list[str] = field(default_factory=list)
    companion_ok: bool | None = None
    problems: dict[str, str] = field(default_factory=dict)   # column -> why

    @property
    def first_line(self) -> str:
        for line in self.stderr.splitlines():
            if line.strip():
                return line.strip()
        return ""


@dataclass
class CaseResult:
    case_id: str
    cls: str
    seed: int
    note: str = ""
    steps: list[StepResult] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    folder: str = ""

    def add(self, column: str, why: str) -> None:
        self.problems.setdefault(column, why)

    @property
    def peak(self) -> int:
        return max((s.peak for s in self.steps), default=0)


# -- snapshots ----------------------------------------------------------------------------
def snapshot(folder: Path) -> dict[str, tuple]:
    """Every entry under ``folder``: type and content hash (files), target (links)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, folder)
            try:
                st = os.lstat(full)
            except OSError:
                continue
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(full))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir",)
            elif stat.S_ISREG(st.st_mode):
                h = hashlib.sha256()
                try:
                    with open(full, "rb") as fh:
                        for block in iter(lambda: fh.read(1 << 20), b""):
                            h.update(block)
                except OSError:
                    pass
                out[rel] = ("file", st.st_size, h.hexdigest())
            else:
                out[rel] = ("special", stat.S_IFMT(st.st_mode))
    return out


def _allowed(folder: Path, output: str) -> set[str]:
    """What a successful render to ``output`` may create: the file (or sequence folder) and its new parents."""
    out = os.path.normpath(os.path.join(folder, output))
    sequence = "%" in os.path.basename(out) or not os.path.splitext(out)[1]
    top = os.path.dirname(out) if "%" in os.path.basename(out) else out
    allowed = set()
    p = top
    while True:
        rel = os.path.relpath(p, folder)
        if rel.startswith("..") or rel == ".":
            break
        allowed.add(rel)
        p = os.path.dirname(p)
    if sequence:
        allowed.add(os.path.relpath(top, folder) + os.sep)  # marks "everything under"
    return allowed


def _is_allowed(rel: str, allowed: set[str]) -> bool:
    return rel in allowed or any(a.endswith(os.sep) and rel.startswith(a) for a in allowed)


# -- running ------------------------------------------------------------------------------
@dataclass
class Options:
    timeout: float = 60.0
    mem_limit: int = 3 << 30
    watchdog: int = 5 << 30
    rss_goal: int = 2 << 30
    marker: str = ""
    logs: Path = Path()
    verbose: bool = False


class _Proc:
    def __init__(self, argv: list[str], folder: Path, step: Step, opts: Options, marker: str, err: Path):
        nodac = step.drop_dac
        cmd = [PY, "-S", "-c", _WRAPPER, str(opts.mem_limit), str(step.fsize or 0), "1" if nodac else "0",
               PY, "-m", "studio.cli", *argv]
        env = dict(os.environ)
        env.update(PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
                   TMPDIR=str(folder / "tmp"), CINEGRAPH_FUZZ=marker, PYTHONDONTWRITEBYTECODE="1",
                   QT_QPA_PLATFORM="offscreen")
        self.argv = argv
        self.err = err
        self.errfh = open(err, "wb")
        self.t0 = time.monotonic()
        self.popen = subprocess.Popen(cmd, cwd=folder, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                      stderr=self.errfh, process_group=0)
        self.pid = self.popen.pid
        LIVE.add(self.pid)
        self.status: int | None = None
        self.maxrss = 0
        self.peak = 0
        self.seconds = 0.0

    def poll(self) -> bool:
        if self.status is not None:
            return True
        pid, status, ru = os.wait4(self.pid, os.WNOHANG)
        if pid == 0:
            self.peak = max(self.peak, sum(_rss(p) for p in _tree(self.pid)))
            return False
        self.status = os.waitstatus_to_exitcode(status)
        self.popen.returncode = self.status
        self.maxrss = ru.ru_maxrss * 1024
        self.seconds = time.monotonic() - self.t0
        self.errfh.close()
        return True

    def kill(self, sig=signal.SIGKILL, group=True) -> None:
        try:
            os.killpg(self.pid, sig) if group else os.kill(self.pid, sig)
        except OSError:
            pass

    def finish(self) -> tuple[int, str]:
        LIVE.discard(self.pid)
        size = self.err.stat().st_size if self.err.exists() else 0
        with open(self.err, "rb") as fh:
            head = fh.read(8192).decode("utf-8", "replace")
        long_line = False
        with open(self.err, "rb") as fh:
            for line in fh:
                if len(line) > LONG_LINE:
                    long_line = True
                    break
        tail = ""
        if size > 8192:
            with open(self.err, "rb") as fh:
                fh.seek(max(8192, size - 4096))
                tail = fh.read().decode("utf-8", "replace")
        self.err.unlink()
        self.long_line = long_line
        self.tail = tail
        return size, head


def _wait_orphans(marker: str) -> list[str]:
    """Processes still carrying ``marker`` after ORPHAN_GRACE: killed, and named."""
    deadline = time.monotonic() + ORPHAN_GRACE
    while True:
        alive = marked(marker)
        if not alive or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    names = []
    for pid in alive:
        names.append(_comm(pid) or str(pid))
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return names


def run_step(step: Step, index: int, folder: Path, plan: Plan, opts: Options) -> StepResult:
    res = StepResult(step.argv)
    marker = f"{opts.marker}:{plan.case_id}:{index}"
    rnd = random.Random(plan.seed + index)
    comp = None
    if step.companion:
        comp = _Proc(step.companion, folder, Step(step.companion, frozenset({0})), opts, marker + ":companion",
                     opts.logs / f"{plan.case_id}.{index}.companion.err")
    proc = _Proc(step.argv, folder, step, opts, marker + ":main", opts.logs / f"{plan.case_id}.{index}.err")
    deadline = proc.t0 + opts.timeout
    fire_at = None
    ffmpeg_seen = False
    sent: set[int] = set()
    interval = 0.05
    while not proc.poll():
        now = time.monotonic()
        if LIVE.stop.is_set():
            proc.kill()
        if step.fault and not res.fault_sent:
            if fire_at is None:
                if any(_comm(p).startswith("ffmpeg") for p in _tree(proc.pid)[1:]):
                    ffmpeg_seen = True
                    fire_at = now + rnd.uniform(0.2, 1.5)
                elif now - proc.t0 > FAULT_WAIT:
                    fire_at = now
            elif now >= fire_at:
                sig = signal.SIGINT if step.fault.startswith("sigint") else signal.SIGKILL
                proc.kill(sig, group=step.fault.endswith("group"))
                sent.add(int(sig))
                res.fault_sent = f"{step.fault} at {now - proc.t0:.1f} s" + ("" if ffmpeg_seen else " (no ffmpeg seen)")
                deadline = min(deadline, now + SIGNAL_GRACE)
        if proc.peak > opts.watchdog and not res.watchdog:
            res.watchdog = True
            proc.kill()
            sent.add(int(signal.SIGKILL))
        if now > deadline and not res.timeout:
            res.timeout = True
            proc.kill()
            sent.add(int(signal.SIGKILL))
        time.sleep(interval)
        interval = min(0.25, interval * 1.2)
    if comp is not None:
        cdeadline = comp.t0 + opts.timeout
        while not comp.poll():
            if time.monotonic() > cdeadline or LIVE.stop.is_set():
                comp.kill()
            time.sleep(0.1)
    res.exit, res.seconds = proc.status, proc.seconds
    res.peak = max(proc.peak, proc.maxrss)
    res.stderr_size, res.stderr = proc.finish()
    res.orphans = _wait_orphans(marker + ":main")
    _judge(step, res, proc, sent, folder, opts.rss_goal)
    if comp is not None:
        csize, chead = comp.finish()
        corphans = _wait_orphans(marker + ":companion")
        if comp.status != 0:
            res.problems.setdefault("bad exit", f"the companion render exited {comp.status}: {_first(chead)}")
        if "Traceback (most recent call last)" in chead:
            res.problems.setdefault("traceback", "in the companion render")
        if corphans:
            res.orphans += [f"{n} (companion)" for n in corphans]
        res.companion_ok = comp.status == 0
    if res.orphans:
        res.problems["orphan"] = ", ".join(res.orphans)
    return res


def _first(text: str) -> str:
    return next((ln.strip() for ln in text.splitlines() if ln.strip()), "")


def _judge(step: Step, res: StepResult, proc: _Proc, sent: set[int], folder: Path, rss_goal: int) -> None:
    code, err = res.exit, res.stderr + getattr(proc, "tail", "")
    p = res.problems
    if res.timeout:
        p["timeout"] = (f"no exit {SIGNAL_GRACE:g} s after {res.fault_sent}" if res.fault_sent
                        else f"still running after {res.seconds:.0f} s")
    if res.watchdog:
        p["memory"] = f"{res.peak / 2**30:.1f} GB resident, killed"
    elif res.peak > rss_goal:
        p["memory"] = f"{res.peak / 2**30:.1f} GB resident, over the {rss_goal / 2**30:g} GB goal"
    elif code is not None and code not in (0, 2, 130) and _MEMORY.search(err):
        p["memory"] = _MEMORY.search(err).group(0)
    if code is not None and code < 0 and -code not in sent:
        p["kill"] = f"killed by {signal.Signals(-code).name}"
    if "Traceback (most recent call last)" in err:
        p["traceback"] = _last_exception(err)
    if proc.long_line:
        p["message"] = f"a stderr line over {LONG_LINE} characters"
    elif res.stderr_size > LONG_STDERR:
        p["message"] = f"{res.stderr_size / 2**20:.1f} MB of stderr"
    elif code == 2 and not err.strip():
        p["message"] = "exit 2 without a message"
    elif code not in (0, None) and step.mention and not re.search(step.mention, err):
        p["message"] = f"does not say what the media is (want /{step.mention}/)"
    ok = code in step.ok
    out_exists = step.output is not None and _output_exists(folder, step.output)
    if code == 1 and step.allow_node_error and step.kind == "render":
        lines = [ln for ln in err.splitlines() if ln.strip()]
        ok = any(_NODE_ERROR.match(ln) for ln in lines)
        noise = [ln for ln in lines if not _NODE_ERROR.match(ln)]
        if ok and noise and "Traceback (most recent call last)" not in err:
            p.setdefault("message", f"{len(noise)} line(s) besides the error: {noise[0][:100]}")
    if step.fault and step.fault.startswith("sigint") and code == 0 and out_exists:
        ok = True  # finished before the signal took effect
    if step.fault and not res.fault_sent:
        ok = code == 0
    if code == 0 and step.kind == "render" and step.output and not out_exists:
        ok, why = False, "exit 0 but no output"
    else:
        why = f"exit {code}" + (f" (expected {'/'.join(map(str, sorted(step.ok)))})" if not ok else "")
    if not ok and not res.timeout and not res.watchdog:
        p["bad exit"] = why + (f": {_first(err)[:120]}" if _first(err) else "")


def _last_exception(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln and not ln.startswith((" ", "Traceback"))]
    return lines[-1][:160] if lines else "Traceback"


def _output_exists(folder: Path, output: str) -> bool:
    out = os.path.normpath(os.path.join(folder, output))
    if "%" in os.path.basename(out):
        d = os.path.dirname(out)
        return os.path.isdir(d) and bool(os.listdir(d))
    if not os.path.splitext(out)[1]:
        return os.path.isdir(out) and bool(os.listdir(out))
    return os.path.isfile(out)


def run_case(case_id: str, root: Path, assets: Assets, opts: Options, master: int, keep: bool = False) -> CaseResult:
    cls, _ = parse_id(case_id)
    folder = Path(tempfile.mkdtemp(prefix="case-", dir=root / "cases"))  # no class name: messages are matched
    res = CaseResult(case_id, cls, 0, folder=str(folder))
    t0 = time.monotonic()
    try:
        plan = build_case(case_id, folder, assets, master)
        res.seed, res.note = plan.seed, plan.note
        (folder / "tmp").mkdir()
        for d in plan.readonly:
            os.chmod(folder / d, 0o555)
        before = snapshot(folder)
        allowed: set[str] = set()
        for i, step in enumerate(plan.steps):
            if LIVE.stop.is_set():
                break
            sr = run_step(step, i, folder, plan, opts)
            res.steps.append(sr)
            for col, why in sr.problems.items():
                res.add(col, f"{step.kind}: {why}")
            if sr.exit == 0 and step.output:
                allowed |= _allowed(folder, step.output)
            if step.companion and sr.companion_ok:
                allowed |= _allowed(folder, step.companion[step.companion.index("-o") + 1])
            if step.fault and step.fault.startswith("sigkill") and i + 1 < len(plan.steps):
                now = snapshot(folder)
                bad = [rel for rel in now if rel not in before and "partial" not in rel
                       and not _is_allowed(rel, allowed) and now[rel][0] != "dir"]
                if bad:
                    res.add("leftover", f"after SIGKILL, not named partial: {', '.join(sorted(bad)[:3])}")
        after = snapshot(folder)
        changed = [rel for rel, v in before.items() if after.get(rel) != v]
        if changed:
            res.add("overwritten", "changed: " + ", ".join(sorted(changed)[:4]))
        new = sorted(rel for rel in after if rel not in before and not _is_allowed(rel, allowed))
        if any(s.timeout or s.watchdog for s in res.steps):  # we killed it: a partial file may stay, named so
            new = [rel for rel in new if "partial" not in rel]
        if new:
            res.add("leftover", ", ".join(new[:4]) + (f" (+{len(new) - 4})" if len(new) > 4 else ""))
        if plan.validate_must_catch and len(res.steps) >= 2 and res.steps[0].exit == 0 and res.steps[1].exit != 0:
            if plan.broken_media or res.steps[1].exit == 2:
                res.add("missed", f"validate passed, render exited {res.steps[1].exit}: "
                                  f"{res.steps[1].first_line[:120]}")
    except Exception as exc:  # a bug of the benchmark itself: report it as such, keep going
        res.add("bad exit", f"benchmark error: {type(exc).__name__}: {exc}")
    finally:
        res.seconds = time.monotonic() - t0
        if not keep:
            _rmtree(folder)
    return res


def _rmtree(folder: Path) -> None:
    def fix(func, path, exc):
        try:
            os.chmod(os.path.dirname(path), 0o755)
            os.chmod(path, 0o755)
        except OSError:
            pass
        try:
            func(path)
        except OSError:
            pass
    for dirpath, dirnames, _ in os.walk(folder):
        for d in dirnames:
            try:
                if not os.path.islink(os.path.join(dirpath, d)):
                    os.chmod(os.path.join(dirpath, d), 0o755)
            except OSError:
                pass
    shutil.rmtree(folder, onerror=fix)


# -- report -------------------------------------------------------------------------------
def _mb(n: int) -> str:
    return f"{n / 2**20:.0f}" if n else "-"


def table(results: list[CaseResult]) -> str:
    by: dict[str, list[CaseResult]] = {}
    for r in results:
        by.setdefault(r.cls, []).append(r)
    head = ["case class", "cases", "exit codes seen"] + list(COLUMNS) + ["stderr max KB", "peak RSS MB"]
    rows = []

    def row(name, rs):
        codes = Counter(s.exit for r in rs for s in r.steps)
        seen = " ".join(f"{c}:{n}" for c, n in sorted(codes.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)))
        counts = [sum(1 for r in rs if col in r.problems) for col in COLUMNS]
        err = max((s.stderr_size for r in rs for s in r.steps), default=0)
        return [name, str(len(rs)), seen] + [str(c) if c else "0" for c in counts] + \
            [f"{err / 1024:.0f}", _mb(max((r.peak for r in rs), default=0))]

    for cls in CLASSES:
        if cls in by:
            rows.append(row(cls, by[cls]))
    total = row("TOTAL", results)
    widths = [max(len(x) for x in col) for col in zip(head, *rows, total)]
    widths[2] = min(widths[2], 34)

    def fmt(cells):
        return " | ".join(c.ljust(w) if i in (0, 2) else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    line = "-+-".join("-" * w for w in widths)
    return "\n".join([fmt(head), line] + [fmt(r) for r in rows] + [line, fmt(total)])


def failures(results: list[CaseResult]) -> list[str]:
    out = []
    for r in sorted(results, key=lambda r: (list(CLASSES).index(r.cls), r.case_id)):
        if not r.problems:
            continue
        cols = ", ".join(f"{c}: {w}" for c, w in r.problems.items())
        line = next((s.first_line for s in r.steps if s.problems and s.first_line), "")
        out.append(f"{r.case_id:<24} seed {r.seed:<20} {r.note[:90]}\n    {cols[:300]}"
                   + (f"\n    stderr: {line[:160]}" if line else ""))
    return out


# -- main ---------------------------------------------------------------------------------
def _parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.bench_fuzz", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="about 60 cases (each class at least once)")
    p.add_argument("--cases", type=int, help="about this many cases, spread over the classes like the default")
    p.add_argument("--case", action="append", default=[], metavar="ID",
                   help="run only this case (repeatable), verbosely")
    p.add_argument("--class", dest="classes", action="append", default=[], metavar="NAME", help="only this class")
    p.add_argument("--seed", type=int, default=MASTER_SEED)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per command (default 60)")
    p.add_argument("--mem-limit-gb", type=float, default=3.0, help="address-space limit per process (default 3)")
    p.add_argument("--watchdog-gb", type=float, default=5.0, help="kill a command whose processes pass this RSS")
    p.add_argument("--rss-goal-gb", type=float, default=2.0, help="count a command whose processes pass this RSS")
    p.add_argument("--keep", action="store_true", help="keep the case folders (with --case) and print where")
    p.add_argument("--list", action="store_true", help="list the case ids and exit")
    return p.parse_args(argv)


def _cost(case_id: str) -> float:
    return CLASSES[parse_id(case_id)[0]][1]


def main(argv: list[str] | None = None) -> dict:
    args = _parse(list(argv or []))
    if args.case:
        ids = args.case
        for cid in ids:
            parse_id(cid)
    else:
        ids = corpus(45 if args.quick else args.cases)
        if args.classes:
            unknown = [c for c in args.classes if c not in CLASSES]
            if unknown:
                raise SystemExit(f"unknown class(es) {', '.join(unknown)}; have: {', '.join(CLASSES)}")
            ids = [i for i in ids if parse_id(i)[0] in args.classes]
    if args.list:
        print("\n".join(ids))
        return {}
    verbose = bool(args.case)
    root = Path(tempfile.mkdtemp(prefix="cinegraph-fuzz-"))
    os.chmod(root, 0o755)
    (root / "cases").mkdir()
    (root / "logs").mkdir()
    (root / "assets").mkdir()
    opts = Options(timeout=args.timeout, mem_limit=int(args.mem_limit_gb * 2**30),
                   watchdog=int(args.watchdog_gb * 2**30), rss_goal=int(args.rss_goal_gb * 2**30),
                   marker=f"{os.getpid()}-{time.time_ns()}", logs=root / "logs", verbose=verbose)
    assets = Assets(root / "assets")
    print(f"fuzz corpus: {len(ids)} cases in {len({parse_id(i)[0] for i in ids})} classes, seed {args.seed}, "
          f"{args.workers} workers, {args.timeout:g} s per command, RLIMIT_AS {args.mem_limit_gb:g} GB, "
          f"watchdog {args.watchdog_gb:g} GB; code under test: {ROOT}", flush=True)
    ids = sorted(ids, key=_cost, reverse=True)
    results: list[CaseResult] = []
    t0 = time.monotonic()
    pool = ThreadPoolExecutor(max_workers=max(1, args.workers))
    try:
        futures = {pool.submit(run_case, cid, root, assets, opts, args.seed, args.keep): cid for cid in ids}
        for n, fut in enumerate(as_completed(futures), 1):
            res = fut.result()
            results.append(res)
            if verbose:
                _print_case(res, root)
            elif res.problems:
                print(f"  [{n}/{len(ids)}] {res.case_id}: {', '.join(res.problems)}", flush=True)
            elif n % 50 == 0:
                print(f"  [{n}/{len(ids)}] {time.monotonic() - t0:.0f} s", flush=True)
    finally:  # also on Ctrl+C: stop the workers, kill every command, then clean up
        LIVE.stop.set()
        LIVE.kill_all(opts.marker)
        pool.shutdown(wait=True, cancel_futures=True)
        LIVE.kill_all(opts.marker)
        if not args.keep:
            _rmtree(root)
        else:
            print(f"kept: {root}")
    seconds = time.monotonic() - t0
    print()
    print(table(results))
    fails = failures(results)
    print(f"\n{len(results)} cases in {seconds:.0f} s; {len(fails)} failing"
          + (" (rerun one: python -m benchmarks.bench_fuzz --case ID)" if fails else ""))
    for f in fails:
        print(f)
    totals = {col: sum(1 for r in results if col in r.problems) for col in COLUMNS}
    return {"cases": len(results), "seconds": seconds, "failing": len(fails), **totals,
            "peak_rss_mb": max((r.peak for r in results), default=0) / 2**20}


def _print_case(res: CaseResult, root: Path) -> None:
    print(f"\n{res.case_id} (seed {res.seed}): {res.note}")
    print(f"  folder: {res.folder}")
    for s in res.steps:
        print(f"  $ cd {shlex.quote(res.folder)} && python -m studio.cli {shlex.join(s.argv)}")
        print(f"    exit {s.exit} in {s.seconds:.1f} s, peak {s.peak / 2**20:.0f} MB, stderr {s.stderr_size} bytes"
              + (f", fault {s.fault_sent}" if s.fault_sent else "") + (", TIMEOUT" if s.timeout else ""))
        for line in s.stderr[:3000].splitlines()[:30]:
            print(f"    | {line[:300]}")
    print("  problems: " + ("; ".join(f"{c}: {w}" for c, w in res.problems.items()) or "none"))


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except KeyboardInterrupt:   # every command was killed and the temporary folder removed
        print("interrupted", file=sys.stderr)
        sys.exit(130)
