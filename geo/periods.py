"""Periods: presets, the previous period and the same period last year.

A period is ``[start, end]`` with both days included.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

REFORM_DATE = dt.date(2025, 7, 1)  # two-tier local government since this day


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The same number of days just before ``start``."""
        end = self.start - dt.timedelta(days=1)
        return Period(end - dt.timedelta(days=self.days - 1), end)

    def last_year(self) -> "Period":
        """The same calendar dates one year earlier (29 Feb becomes 28 Feb)."""
        return Period(shift_year(self.start, -1), shift_year(self.end, -1))

    def __str__(self) -> str:
        return f"{self.start:%d/%m/%Y} – {self.end:%d/%m/%Y}"


def shift_year(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def parse_date(text: str | dt.date) -> dt.date:
    if isinstance(text, dt.date):
        return text
    return dt.date.fromisoformat(str(text).strip()[:10])


# Preset codes, in the order the UI offers them.
PRESETS = ("last_7", "last_28", "this_month", "last_month", "this_quarter", "last_quarter",
           "ytd", "last_year", "custom")


def preset(code: str, today: dt.date | None = None) -> Period:
    """The period a preset stands for, relative to ``today``."""
    today = today or dt.date.today()
    if code == "last_7":
        return Period(today - dt.timedelta(days=6), today)
    if code == "last_28":
        return Period(today - dt.timedelta(days=27), today)
    if code == "this_month":
        return Period(today.replace(day=1), today)
    if code == "last_month":
        end = today.replace(day=1) - dt.timedelta(days=1)
        return Period(end.replace(day=1), end)
    if code == "this_quarter":
        return Period(_quarter_start(today), today)
    if code == "last_quarter":
        end = _quarter_start(today) - dt.timedelta(days=1)
        return Period(_quarter_start(end), end)
    if code == "ytd":
        return Period(today.replace(month=1, day=1), today)
    if code == "last_year":
        return Period(dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31))
    raise ValueError(f"unknown period preset {code!r}")


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
