"""The document store is a lower layer: it must not pull in the web layer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import storage

PROBE = """
import importlib, pkgutil, sys
import storage
for module in pkgutil.walk_packages(storage.__path__, "storage."):
    importlib.import_module(module.name)
web = {"flask", "portal", "werkzeug"}
leaked = sorted(name for name in sys.modules if name.split(".")[0] in web)
print(",".join(leaked))
"""


def test_storage_imports_neither_flask_nor_portal() -> None:
    root = Path(storage.__file__).parent.parent
    # A fresh interpreter: this test process has Flask loaded by other tests.
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=root, capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == ""
