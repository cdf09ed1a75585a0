"""Processes that need Python of their own: one folder each, ``portal/processes/<key>/``.

Every folder holds the same few modules: ``register.py`` (``register(registry)``
wires the process's building blocks, checks, labels, demo data and pages into
the platform), ``models.py`` when it keeps tables of its own, ``checks.py``,
``blocks.py``, ``services.py``, ``routes.py`` and ``templates/`` where it has
them, and its BPMN, forms and ``manifest.json``. The platform lists this folder;
importing a process registers nothing, ``create_app`` calls each ``register``.
Processes that need no Python are data only, in the top-level ``processes/``.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).parent


def package_names() -> list[str]:
    """The keys of the process folders, sorted."""
    return sorted(info.name for info in pkgutil.iter_modules([str(HERE)]) if info.ispkg)


def registrations() -> list[ModuleType]:
    """Each process folder's ``register`` module (whose ``register(registry)`` wires it)."""
    return [importlib.import_module(f"{__name__}.{name}.register") for name in package_names()]


def load_models() -> None:
    """Import the ``models`` module of every process folder that has one, so that
    their tables join the metadata (migrations, the schema check)."""
    for name in package_names():
        if (HERE / name / "models.py").exists():
            importlib.import_module(f"{__name__}.{name}.models")
