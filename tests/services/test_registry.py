"""Registration is explicit: importing a process folder registers nothing; create_app
calls each folder's register(registry)."""

from __future__ import annotations

import importlib

from flask import Flask

from portal.applications import blocks
from portal.applications.registry import ProcessRegistry
from portal.core.extensions import processes
from portal.processes import package_names, registrations


def test_importing_a_process_folder_registers_nothing() -> None:
    registry = ProcessRegistry()
    for name in package_names():
        importlib.import_module(f"portal.processes.{name}.register")
    assert registry.services.names() == frozenset()
    assert registry.submit_checks == {}
    assert registry.packages == []


def test_each_folder_registers_its_own_part() -> None:
    registry = ProcessRegistry()
    blocks.register(registry)
    platform_blocks = registry.services.names()
    assert {"issue_certificate", "notify", "count_quota", "join_reviews"} <= platform_blocks
    for module in registrations():
        module.register(registry)
    assert registry.services.names() - platform_blocks == {
        "assign_cinema_code",
        "issue_testing_commission",
        "file_software",
    }
    assert [path.name for path in registry.packages] == package_names()
    assert set(registry.submit_checks) == {"refund_backfill", "software_filing"}


def test_the_app_has_one_registry_with_every_folder(app: Flask) -> None:
    with app.app_context():
        registry = processes.platform.registry
        assert processes.platform.issuing.types is registry.certificate_types
        assert {p.name for p in registry.packages} == set(package_names())
