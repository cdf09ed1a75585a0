"""The statutory holidays (全国年节及纪念日放假办法) and the package's data."""

from __future__ import annotations

import chinese_calendar
import pytest

from portal.calendar.services import package_arrangement, package_years
from portal.calendar.workdays import statutory_holidays
from tests.calendar.support import day

EXPECTED = {
    2025: [
        ("2025-01-01", "元旦"),
        ("2025-01-28", "春节"),  # 除夕
        ("2025-01-29", "春节"),  # 正月初一
        ("2025-01-30", "春节"),
        ("2025-01-31", "春节"),
        ("2025-04-04", "清明节"),
        ("2025-05-01", "劳动节"),
        ("2025-05-02", "劳动节"),
        ("2025-05-31", "端午节"),
        ("2025-10-01", "国庆节"),
        ("2025-10-02", "国庆节"),
        ("2025-10-03", "国庆节"),
        ("2025-10-06", "中秋节"),
    ],
    2026: [
        ("2026-01-01", "元旦"),
        ("2026-02-16", "春节"),
        ("2026-02-17", "春节"),
        ("2026-02-18", "春节"),
        ("2026-02-19", "春节"),
        ("2026-04-05", "清明节"),
        ("2026-05-01", "劳动节"),
        ("2026-05-02", "劳动节"),
        ("2026-06-19", "端午节"),
        ("2026-09-25", "中秋节"),
        ("2026-10-01", "国庆节"),
        ("2026-10-02", "国庆节"),
        ("2026-10-03", "国庆节"),
    ],
    2027: [
        ("2027-01-01", "元旦"),
        ("2027-02-05", "春节"),  # 除夕: 正月初一 is 6 February
        ("2027-02-06", "春节"),
        ("2027-02-07", "春节"),
        ("2027-02-08", "春节"),
        ("2027-04-05", "清明节"),
        ("2027-05-01", "劳动节"),
        ("2027-05-02", "劳动节"),
        ("2027-06-09", "端午节"),
        ("2027-09-15", "中秋节"),
        ("2027-10-01", "国庆节"),
        ("2027-10-02", "国庆节"),
        ("2027-10-03", "国庆节"),
    ],
    # 中秋 on National Day: one day, both names.
    2028: [
        ("2028-01-01", "元旦"),
        ("2028-01-25", "春节"),
        ("2028-01-26", "春节"),
        ("2028-01-27", "春节"),
        ("2028-01-28", "春节"),
        ("2028-04-04", "清明节"),
        ("2028-05-01", "劳动节"),
        ("2028-05-02", "劳动节"),
        ("2028-05-28", "端午节"),
        ("2028-10-01", "国庆节"),
        ("2028-10-02", "国庆节"),
        ("2028-10-03", "中秋节、国庆节"),
    ],
    # Before the 2024 amendment: 春节 初一 to 初三, 劳动节 1 May only.
    2024: [
        ("2024-01-01", "元旦"),
        ("2024-02-10", "春节"),
        ("2024-02-11", "春节"),
        ("2024-02-12", "春节"),
        ("2024-04-04", "清明节"),
        ("2024-05-01", "劳动节"),
        ("2024-06-10", "端午节"),
        ("2024-09-17", "中秋节"),
        ("2024-10-01", "国庆节"),
        ("2024-10-02", "国庆节"),
        ("2024-10-03", "国庆节"),
    ],
}


@pytest.mark.parametrize("year", sorted(EXPECTED))
def test_statutory_holidays(year: int) -> None:
    assert statutory_holidays(year) == [(day(d), name) for d, name in EXPECTED[year]]


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_statutory_holiday_is_a_holiday_in_the_package(year: int) -> None:
    holidays, workdays = package_arrangement(year)
    stored = dict(holidays)
    for holiday, name in statutory_holidays(year):
        assert holiday in stored, (holiday, name)
        assert stored[holiday] == name
    assert not {d for d, _ in workdays} & set(stored)


@pytest.mark.parametrize("year", range(2004, 2027))
def test_no_statutory_holiday_is_a_working_day_in_any_packaged_year(year: int) -> None:
    """The earlier versions of the law (1999, 2007, 2013) agree with the package too."""
    worked = [d for d, _ in statutory_holidays(year) if chinese_calendar.is_workday(d)]
    assert worked == []


def test_the_package_covers_2004_to_2026() -> None:
    assert package_years() == tuple(range(2004, 2027))


def test_the_package_names_are_chinese() -> None:
    holidays, workdays = package_arrangement(2015)
    names = {name for _, name in holidays}
    assert names == {
        "元旦",
        "春节",
        "清明节",
        "劳动节",
        "端午节",
        "中秋节",
        "国庆节",
        "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
    }
    assert (day("2015-09-03"), "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日") in holidays
    assert {name for _, name in workdays} == {"调休上班"}
    assert all(d.weekday() >= 5 for d, _ in workdays)


def test_years_beyond_the_lunar_tables_keep_the_fixed_holidays() -> None:
    assert [d.isoformat() for d, _ in statutory_holidays(2100)] == [
        "2100-01-01",
        "2100-05-01",
        "2100-05-02",
        "2100-10-01",
        "2100-10-02",
        "2100-10-03",
    ]
