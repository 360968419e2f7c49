"""Run every benchmark: ``python -m benchmarks [NAME ...]`` (NAME like ``executor``).

Each ``benchmarks/bench_*.py`` module has a ``main()`` that prints its figures.  Not part of
the test suite; record the figures with the machine description in BENCHMARKS.md.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import platform
import sys


def main(argv: list[str]) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    here = os.path.dirname(__file__)
    names = sorted(m.name for m in pkgutil.iter_modules([here]) if m.name.startswith("bench_"))
    wanted = [f"bench_{a.removeprefix('bench_')}" for a in argv]
    unknown = [w for w in wanted if w not in names]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; have: {', '.join(names)}", file=sys.stderr)
        return 2
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, python {platform.python_version()}")
    for name in wanted or names:
        print(f"\n== {name}")
        importlib.import_module(f"benchmarks.{name}").main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
