"""What day it is: the system's date, unless the ``today`` setting fixes it (for tests and for
reproducible reports). Every answer that defaults to "today" asks here, never ``date.today()``."""

from __future__ import annotations

import datetime
from typing import Any


def today(settings: dict[str, Any]) -> str:
    """Today as YYYY-MM-DD, by the ``today`` setting if it is set."""
    fixed = settings.get("today")
    return str(fixed) if fixed else datetime.date.today().isoformat()
