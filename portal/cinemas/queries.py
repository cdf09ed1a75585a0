"""Reading the cinema register."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.cinemas.models import Cinema, CinemaStatus


def active_cinemas(session: Session, organization_id: int | None) -> list[Cinema]:
    """The active cinemas an organisation runs, by name then code; none without one."""
    if organization_id is None:
        return []
    return list(
        session.scalars(
            sa.select(Cinema)
            .where(Cinema.organization_id == organization_id, Cinema.status == CinemaStatus.ACTIVE)
            .order_by(Cinema.name, Cinema.code)
        )
    )
