"""Academic terms, the dashboard's unit of time: September to February is
the autumn term of the year it starts in, March to August the spring term."""
import datetime


def term_of(day: datetime.date | str | None) -> str | None:
    """``term_of(date(2026, 10, 1)) == "2026-autumn"``; accepts a date, a
    datetime or an ISO date string; ``None`` for no date."""
    if day is None:
        return None
    if isinstance(day, str):
        day = datetime.date.fromisoformat(day[:10])
    if 3 <= day.month <= 8:
        return "%d-spring" % day.year
    start_year = day.year if day.month >= 9 else day.year - 1
    return "%d-autumn" % start_year
