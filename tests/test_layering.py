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
