"""What a benchmark report records about where it ran, and how a benchmark ends:
its report written, or its failure said."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


class BenchFailure(RuntimeError):
    """What was measured did not do the real work; the figures are void."""


def machine(*packages: str) -> dict[str, Any]:
    """Cores, platform, Python, the versions of ``packages``, the commit and the time."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        **{package.lower(): metadata.version(package) for package in packages},
        "commit": commit or None,
        "at": datetime.now().astimezone().isoformat(timespec="seconds"),
    }


def save_report(report: dict[str, Any], output: Path) -> None:
    """Write ``report`` as JSON to ``output`` (its folder created when missing)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")


def run_benchmark(
    measure: Callable[[], dict[str, Any]], output: Path, show: Callable[[dict[str, Any]], None]
) -> int:
    """Run ``measure``, save its report to ``output`` and ``show`` it; the exit status.

    A :class:`BenchFailure` is said on stderr, nothing is written, and the status is 1.
    """
    try:
        figures = measure()
    except BenchFailure as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    save_report(figures, output)
    show(figures)
    print(f"written to {output}")
    return 0
