"""The building block only cinema registration needs: the cinema code."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from portal.applications.blocks import BlockContext
from portal.cinemas.codes import cinema_code
from portal.cinemas.models import Cinema
from portal.core import history


def assign_cinema_code(
    ctx: BlockContext, params: Mapping[str, Any], data: Mapping[str, Any]
) -> str:
    """Give the approved cinema its code (from ``division_code``, default the
    application's) and enter it in the cinema register. Returns the code."""
    division = str(params.get("division_code") or ctx.application.division_code)
    code = cinema_code(ctx.session, division)
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
