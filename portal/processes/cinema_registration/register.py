"""Cinema registration 电影院注册 (P4, seed 000 §二(一)): wiring into the platform."""

from __future__ import annotations

from pathlib import Path

from portal.applications.blocks import OPTIONAL
from portal.applications.registry import ProcessRegistry
from portal.core.i18n import N_
from portal.processes.cinema_registration import blocks, demo

HERE = Path(__file__).parent


def register(registry: ProcessRegistry) -> None:
    registry.add_package(HERE)
    registry.block("assign_cinema_code", parameters={"division_code": OPTIONAL})(
        blocks.assign_cinema_code
    )
    registry.add_labels(actions={"cinema_code_assigned": N_("Cinema code assigned")})
    registry.add_demo(demo.seed)
