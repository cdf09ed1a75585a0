"""Refund and backfill approval 退票和补登 (P5, seed 000 §二(五)): wiring into the platform."""

from __future__ import annotations

from pathlib import Path

from portal.applications.registry import ProcessRegistry
from portal.processes.refund_backfill import checks, demo

HERE = Path(__file__).parent


def register(registry: ProcessRegistry) -> None:
    registry.add_package(HERE)
    registry.add_submit_check("refund_backfill", checks.only_what_needs_approval)
    registry.add_demo(demo.seed)
