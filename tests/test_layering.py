"""Lower layers never import the web layer (style guide; the pre-stop hook checks it too)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import importlib, pkgutil, sys
package = importlib.import_module({package!r})
for module in pkgutil.walk_packages(package.__path__, {package!r} + "."):
    importlib.import_module(module.name)
web = {{"flask", "flask_wtf", "flask_login", "flask_babel", "portal"}}
print(",".join(sorted(n for n in sys.modules if n.split(".")[0] in web)))
"""


@pytest.mark.parametrize("package", ["workflows", "forms", "storage", "certificates"])
def test_lower_layer_imports_neither_flask_nor_portal(package: str) -> None:
    # A fresh interpreter: this test process has Flask loaded by other tests.
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(package=package)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "", f"{package} pulls in {result.stdout.strip()}"


PROCESS_KEYS = ("software_filing", "refund_backfill", "cinema_registration", "pilot_admission")


def test_a_process_is_named_only_in_its_own_folder() -> None:
    """The platform names no process: a process's Python lives in its folder."""
    offenders = []
    for package in ("portal", "workflows", "forms", "storage", "certificates"):
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            text = path.read_text(encoding="utf-8")
            for key in PROCESS_KEYS:
                own = relative.parts[:3] == ("portal", "processes", key)
                if key in text and not own:
                    offenders.append(f"{relative}: {key}")
    assert offenders == []


def test_data_only_packages_hold_no_python() -> None:
    packages = [p for p in (ROOT / "processes").iterdir() if p.is_dir()]
    assert packages, "no data-only process package"
    for package in packages:
        assert list(package.rglob("*.py")) == [], package
        assert (package / "process.bpmn").is_file()
        assert (package / "manifest.json").is_file()
