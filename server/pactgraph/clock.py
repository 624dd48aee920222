"""What day it is: the system's date, unless the ``today`` setting fixes it (for tests and for
reproducible reports). Every answer that defaults to "today" asks here, never ``date.today()``."""

from __future__ import annotations

import datetime
from typing import Any


def today(settings: dict[str, Any]) -> str:
    """Today as YYYY-MM-DD, by the ``today`` setting if it is set."""
    fixed = settings.get("today")
    return str(fixed) if fixed else system_day()


def system_day() -> str:
    """The system's date as YYYY-MM-DD (the front cache's keys carry it: web/middleware)."""
    return datetime.date.today().isoformat()


def seconds_left_today(settings: dict[str, Any]) -> int | None:
    """How long an answer on "today" stays true: the seconds until the system's date changes, or
    None when the ``today`` setting fixes the day (then it never changes)."""
    if settings.get("today"):
        return None
    now = datetime.datetime.now()
    midnight = datetime.datetime.combine(now.date() + datetime.timedelta(days=1), datetime.time())
    return max(1, int((midnight - now).total_seconds()))
