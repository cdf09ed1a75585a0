"""Python code that BPMN service tasks call by name.

Each handler receives a :class:`ServiceContext` (the open database session,
the application, the acting user), the task's evaluated parameters and the
task data, and returns the value stored in the task's result variable. The
portal copies every result variable into the application's ``result``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from portal.models import Application, Cinema
from portal.services import history, numbering
from portal.services.actor import Actor
from workflows.services import ServiceRegistry

SERVICES = ServiceRegistry()


@dataclass(frozen=True)
class ServiceContext:
    session: Session
    application: Application
    actor: Actor | None


@SERVICES.register("assign_cinema_code")
def assign_cinema_code(
    ctx: ServiceContext, params: Mapping[str, Any], data: Mapping[str, Any]
) -> str:
    """Give the approved cinema its code and enter it in the cinema register."""
    division = str(params.get("division_code") or ctx.application.division_code)
    code = numbering.cinema_code(ctx.session, division)
    ctx.session.add(
        Cinema(
            code=code,
            name=str(data.get("name") or ctx.application.data.get("name")),
            organization_id=ctx.application.organization_id,
            division_code=division,
            application_id=ctx.application.id,
        )
    )
    history.record(
        ctx.session,
        ctx.actor,
        "cinema_code_assigned",
        application_id=ctx.application.id,
        details={"cinema_code": code},
    )
    return code
