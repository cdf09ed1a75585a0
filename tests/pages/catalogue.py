"""The Simplified Chinese message catalogue: compiled for the test app before pages render."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from portal.core.extensions import babel

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "portal" / "translations"
PO_FILE = TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po"
MO_FILE = PO_FILE.with_suffix(".mo")


def compile_catalogue(po_file: Path = PO_FILE, mo_file: Path = MO_FILE) -> None:
    """Compile ``po_file`` to ``mo_file`` atomically (test workers may race)."""
    with po_file.open("rb") as handle:
        catalog = read_po(handle, locale="zh")
    fd, temp = tempfile.mkstemp(dir=mo_file.parent, suffix=".mo.tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            write_mo(handle, catalog)
        os.replace(temp, mo_file)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def ensure_compiled() -> None:
    """Compile the catalogue when its .mo is missing or older than the .po."""
    if not MO_FILE.exists() or MO_FILE.stat().st_mtime < PO_FILE.stat().st_mtime:
        compile_catalogue()


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogue() -> None:
    """Pages need the compiled catalogue (``make translations`` builds it too)."""
    ensure_compiled()
    # Flask-Babel caches catalogues per process; drop any loaded before compiling.
    domain = vars(babel).get("domain_instance")
    if domain is not None:
        domain.cache.clear()
