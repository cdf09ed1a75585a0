"""Cinema codes 电影院编码: 8 digits, never given twice (000 §二(三)4)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from portal.core.numbering import NumbersExhausted, next_counter

CINEMA_SEQUENCE_LIMIT = 999_999


def cinema_code(session: Session, division_code: str) -> str:
    """The next cinema code 电影院编码: 8 digits, the first two the province.

    Codes come from a per-province counter that only increases, so a code is
    never given twice, not even after a cinema closes (000 §二(三)4).

    :raise NumbersExhausted: the province has used all 999,999 codes.
    """
    province = division_code[:2]
    sequence = next_counter(session, f"cinema_code:{province}")
    if sequence > CINEMA_SEQUENCE_LIMIT:
        raise NumbersExhausted(f"no cinema codes left for province {province}")
    return f"{province}{sequence:06d}"
