"""The generated window, calendar arithmetic and the calendar effects on product activity.

Inside the generator every point in time is a day number or a second count relative to the
window start (day 0 = window start 00:00 UTC); the writer turns them into dates and timestamps.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np

from .config import Mechanism

SECONDS_PER_DAY = 86_400
EPOCH = date(1970, 1, 1)


def add_months(day: date, months: int) -> date:
    """The same day of month `months` later (clamped to the month's last day)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


@dataclass(frozen=True)
class Window:
    """The months of history that end on `end` (exclusive of end 00:00 for timestamps)."""

    start: date
    end: date

    @classmethod
    def ending(cls, end: date, months: int) -> Window:
        """The window of `months` months that ends on `end`."""
        return cls(start=add_months(end, -months), end=end)

    @property
    def days(self) -> int:
        """Number of days with data: day numbers 0 .. days - 1."""
        return (self.end - self.start).days

    @property
    def start_epoch_day(self) -> int:
        """Days from 1970-01-01 to the window start."""
        return (self.start - EPOCH).days

    def date_of(self, day: int) -> date:
        """The calendar date of a day number."""
        return self.start + timedelta(days=int(day))

    def day_of(self, value: date) -> int:
        """The day number of a calendar date."""
        return (value - self.start).days

    def add_months_day(self, day: int, months: int) -> int:
        """Day number of the date `months` calendar months after day number `day`."""
        return self.day_of(add_months(self.date_of(day), months))


def utc_today() -> date:
    """Today's date in UTC."""
    return datetime.now(UTC).date()


def day_logit_offsets(window: Window, mechanism: Mechanism) -> np.ndarray:
    """Per day of the window: the calendar term added to every user's activity logit.

    Weekends, August and the last two weeks of December dip; the last ten days of each
    quarter rise a little.
    """
    days = np.arange(window.days)
    dates = np.datetime64(window.start.isoformat(), "D") + days
    weekday = (dates.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday: Monday = 0
    months = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day_of_month = (dates - dates.astype("datetime64[M]").astype("datetime64[D]")).astype(
        np.int64
    ) + 1
    offsets = np.zeros(window.days)
    offsets[weekday >= 5] += mechanism.weekend_offset
    offsets[months == 8] += mechanism.august_offset
    offsets[(months == 12) & (day_of_month >= 18)] += mechanism.late_december_offset
    offsets[quarter_end_mask(months, day_of_month)] += mechanism.quarter_end_offset
    return offsets


def quarter_end_mask(months: np.ndarray, day_of_month: np.ndarray) -> np.ndarray:
    """True on the last ten days of March, June, September and December."""
    return (months % 3 == 0) & (day_of_month >= 21)


def day_volume_multipliers(window: Window, mechanism: Mechanism) -> np.ndarray:
    """Per day: multiplier on feature events per active user-day (quarter-end pushes)."""
    dates = np.datetime64(window.start.isoformat(), "D") + np.arange(window.days)
    months = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day_of_month = (dates - dates.astype("datetime64[M]").astype("datetime64[D]")).astype(
        np.int64
    ) + 1
    multipliers = np.ones(window.days)
    multipliers[quarter_end_mask(months, day_of_month)] = mechanism.quarter_end_volume
    return multipliers


def business_seconds(rng: np.random.Generator, size: int) -> np.ndarray:
    """Seconds into a UTC day, concentrated on working hours across European and US time
    zones (a wrapped normal around 14:30 UTC)."""
    hours = rng.normal(14.5, 3.5, size) % 24.0
    return np.minimum((hours * 3600.0).astype(np.int64), SECONDS_PER_DAY - 1)
