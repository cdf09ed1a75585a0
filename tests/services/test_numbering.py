"""Counters, acceptance numbers and cinema codes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.cinemas import codes as cinema_codes
from portal.core import numbering
from portal.core.models import Counter
from portal.core.numbering import NumbersExhausted


def test_counters_start_at_one_and_only_increase(session: Session) -> None:
    values = [numbering.next_counter(session, "a") for _ in range(3)]
    session.commit()
    assert values == [1, 2, 3]
    assert numbering.next_counter(session, "b") == 1
    assert numbering.next_counter(session, "a") == 4


def test_a_rolled_back_value_is_given_again(session: Session) -> None:
    """A value is only taken when the transaction that drew it commits."""
    assert numbering.next_counter(session, "a") == 1
    session.commit()
    assert numbering.next_counter(session, "a") == 2
    session.rollback()
    assert numbering.next_counter(session, "a") == 2


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (datetime(2026, 6, 1, 12, 0, tzinfo=UTC), "YYZC-2026-000001"),
        # 15:59 UTC on 31 December is 23:59 in China: still 2026.
        (datetime(2026, 12, 31, 15, 59, tzinfo=UTC), "YYZC-2026-000001"),
        # 16:00 UTC on 31 December is already 1 January 2027 in China.
        (datetime(2026, 12, 31, 16, 0, tzinfo=UTC), "YYZC-2027-000001"),
    ],
)
def test_acceptance_number_uses_the_china_year(
    session: Session, when: datetime, expected: str
) -> None:
    assert numbering.acceptance_number(session, "YYZC", when) == expected


def test_acceptance_numbers_are_sequential_per_prefix_and_year(session: Session) -> None:
    june, next_year = datetime(2026, 6, 1, tzinfo=UTC), datetime(2027, 6, 1, tzinfo=UTC)
    numbers = [
        numbering.acceptance_number(session, "YYZC", june),
        numbering.acceptance_number(session, "YYZC", june),
        numbering.acceptance_number(session, "PJBA", june),
        numbering.acceptance_number(session, "YYZC", next_year),
        numbering.acceptance_number(session, "YYZC", june),
    ]
    assert numbers == [
        "YYZC-2026-000001",
        "YYZC-2026-000002",
        "PJBA-2026-000001",
        "YYZC-2027-000001",
        "YYZC-2026-000003",
    ]


def test_cinema_codes_are_per_province(session: Session) -> None:
    codes = [
        cinema_codes.cinema_code(session, "430102"),
        cinema_codes.cinema_code(session, "430104"),
        cinema_codes.cinema_code(session, "110101"),
        cinema_codes.cinema_code(session, "431002"),
    ]
    session.commit()
    assert codes == ["43000001", "43000002", "11000001", "43000003"]
    assert all(len(code) == 8 and code.isdigit() for code in codes)


def test_cinema_codes_are_never_given_twice(session: Session) -> None:
    seen = {cinema_codes.cinema_code(session, "430102") for _ in range(50)}
    session.commit()
    assert len(seen) == 50
    assert cinema_codes.cinema_code(session, "430102") == "43000051"


def test_a_province_can_run_out_of_codes(session: Session) -> None:
    session.add(Counter(name="cinema_code:43", value=cinema_codes.CINEMA_SEQUENCE_LIMIT - 1))
    session.commit()

    assert cinema_codes.cinema_code(session, "430102") == "43999999"
    with pytest.raises(NumbersExhausted):
        cinema_codes.cinema_code(session, "430102")
    assert cinema_codes.cinema_code(session, "110101") == "11000001"


def test_counters_are_stored(session: Session) -> None:
    cinema_codes.cinema_code(session, "430102")
    numbering.acceptance_number(session, "YYZC", datetime(2026, 6, 1, tzinfo=UTC))
    session.commit()
    stored = {
        name: value for name, value in session.execute(sa.select(Counter.name, Counter.value))
    }
    assert stored == {"cinema_code:43": 1, "acceptance:YYZC:2026": 1}
