"""The process packages the tests read: those of the process folders and the
data-only ones, with every form they ship."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from forms import load_builtin_forms, load_form_files

ROOT = Path(__file__).resolve().parent.parent
PROCESS_FOLDERS = ROOT / "portal" / "processes"
DATA_PACKAGES = ROOT / "processes"


def package_dir(key: str) -> Path:
    """The folder of process ``key``'s package (a process folder or a data package)."""
    for root in (PROCESS_FOLDERS, DATA_PACKAGES):
        if (root / key / "process.bpmn").exists():
            return root / key
    raise LookupError(f"no package {key!r}")


def bpmn_of(key: str) -> bytes:
    return (package_dir(key) / "process.bpmn").read_bytes()


def all_forms() -> dict[str, dict[str, Any]]:
    """The shared built-in forms and every form of the process folders' packages."""
    forms = dict(load_builtin_forms())
    for folder in sorted(PROCESS_FOLDERS.glob("*/forms")):
        forms.update(load_form_files(folder))
    return forms
