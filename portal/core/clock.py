"""China time, in one place.

Legal deadlines, certificate validity and acceptance numbers are counted in
China Standard Time (``Asia/Shanghai``, UTC+8, no daylight saving). The portal
stores UTC and converts with :data:`CHINA` wherever a civil day or year counts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """The current time, timezone-aware, from the real clock."""
    return datetime.now(UTC)


def china_now() -> datetime:
    """The current time in China."""
    return utcnow().astimezone(CHINA)


def china_today() -> date:
    """Today's date in China."""
    return china_now().date()
