"""What a benchmark report records about where it ran."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


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
