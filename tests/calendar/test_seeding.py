"""Seeding the calendar from the chinese-calendar package: once, fast, race-safe."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from portal.calendar.models import CalendarDay, CalendarSource, CalendarYear
from portal.calendar.services import CalendarService, package_arrangement, package_years
from portal.core.db import make_session_factory
from portal.core.extensions import db
from tests.calendar.support import count_statements, day
from tests.integration.test_concurrency import race

PACKAGE_DAYS = sum(len(h) + len(w) for h, w in map(package_arrangement, package_years()))


def forget_years(session: Session, *years: int) -> None:
    """Remove stored years (all when none are named), as if an older package had seeded."""
    days, rows = sa.delete(CalendarDay), sa.delete(CalendarYear)
    if years:
        days, rows = (
            days.where(CalendarDay.year.in_(years)),
            rows.where(CalendarYear.year.in_(years)),
        )
    session.execute(days)
    session.execute(rows)
    session.commit()


def stored(session: Session) -> tuple[list[int], int]:
    years = list(session.scalars(sa.select(CalendarYear.year).order_by(CalendarYear.year)))
    return years, session.scalar(sa.select(sa.func.count()).select_from(CalendarDay)) or 0


def test_every_packaged_year_is_stored_at_start_up(session: Session) -> None:
    assert stored(session) == (list(range(2004, 2027)), PACKAGE_DAYS)
    sources = set(session.scalars(sa.select(CalendarYear.source)))
    assert sources == {CalendarSource.PACKAGE}
    october = session.scalars(
        sa.select(CalendarDay).where(CalendarDay.day.between(day("2026-10-01"), day("2026-10-10")))
    ).all()
    assert [(d.day.day, d.is_workday, d.name) for d in october] == [
        *[(n, False, "国庆节") for n in range(1, 8)],
        (10, True, "调休上班"),
    ]


def test_seeding_adds_missing_years_only(session: Session, service: CalendarService) -> None:
    forget_years(session, 2025, 2026)
    assert service.seed_from_package() == [2025, 2026]
    assert stored(session) == (list(range(2004, 2027)), PACKAGE_DAYS)
    assert service.seed_from_package() == []
    assert stored(session) == (list(range(2004, 2027)), PACKAGE_DAYS)


def test_seeding_leaves_an_entered_year_alone(session: Session, service: CalendarService) -> None:
    row = session.get(CalendarYear, 2026)
    assert row is not None
    row.source = CalendarSource.OFFICIAL
    session.commit()
    assert service.seed_from_package() == []
    assert session.get(CalendarYear, 2026).source is CalendarSource.OFFICIAL  # type: ignore[union-attr]


def test_nothing_missing_costs_one_query(session: Session, service: CalendarService) -> None:
    with count_statements(session) as statements:
        assert service.seed_from_package() == []
    assert len(statements) == 1


def test_machines_seeding_at_the_same_moment_store_each_year_once(app: Flask) -> None:
    with app.app_context():
        forget_years(db.session)
        sessions = make_session_factory(db.engine)

        def seed() -> list[int]:
            with sessions() as session:
                return CalendarService(session).seed_from_package()

        results = race([seed for _ in range(4)])
        assert sorted(year for years in results for year in years) == list(range(2004, 2027))
        assert stored(db.session) == (list(range(2004, 2027)), PACKAGE_DAYS)
