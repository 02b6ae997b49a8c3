"""Opening hours: whether a service is open at a moment (Europe/London), and how to say when it is open.

Bank holidays are the England and Wales dates published by GOV.UK, shipped in ``reference/`` (see SOURCES.md there).
"""

from __future__ import annotations

import csv
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from peolc.directory.models import WEEKDAYS

LONDON = ZoneInfo("Europe/London")
_DAY_NAMES = dict(zip(WEEKDAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
                      strict=True))
_REFERENCE = Path(__file__).parent / "reference" / "bank_holidays_england_and_wales.csv"


@cache
def bank_holidays() -> dict[date, str]:
    """England and Wales bank holidays: date to title."""
    with _REFERENCE.open(newline="", encoding="utf-8") as handle:
        return {date.fromisoformat(row["date"]): row["title"] for row in csv.DictReader(handle)}


def _applies(schedule, day: date) -> bool:
    if schedule.valid_from and day < schedule.valid_from:
        return False
    if schedule.valid_to and day > schedule.valid_to:
        return False
    if day in bank_holidays():
        return schedule.open_on_bank_holidays
    return WEEKDAYS[day.weekday()] in schedule.days


def _within(schedule, moment: time) -> bool:
    if schedule.all_day:
        return True
    if schedule.opens_at is None or schedule.closes_at is None:
        return False
    if schedule.closes_at <= schedule.opens_at:  # open through midnight: the evening part of this day
        return moment >= schedule.opens_at
    return schedule.opens_at <= moment < schedule.closes_at


def is_open(schedules, when: datetime) -> bool:
    """Whether any schedule has the service open at ``when`` (any timezone; judged in Europe/London).

    A schedule open through midnight also covers the early hours of the following day.
    """
    local = when.astimezone(LONDON)
    today, now = local.date(), local.time()
    for schedule in schedules:
        if _applies(schedule, today) and _within(schedule, now):
            return True
        overnight = (not schedule.all_day and schedule.opens_at is not None and schedule.closes_at is not None
                     and schedule.closes_at <= schedule.opens_at)
        yesterday = date.fromordinal(today.toordinal() - 1)
        if overnight and _applies(schedule, yesterday) and now < schedule.closes_at:
            return True
    return False


def is_24_7(schedules) -> bool:
    """Open every hour of every day, bank holidays included."""
    covered = set()
    for schedule in schedules:
        if schedule.all_day and schedule.open_on_bank_holidays and not schedule.valid_to:
            covered.update(schedule.days)
    return covered == set(WEEKDAYS)


def _days_text(days: list[str]) -> str:
    if days == list(WEEKDAYS):
        return "Every day"
    if days == list(WEEKDAYS[:5]):
        return "Monday to Friday"
    if days == list(WEEKDAYS[5:]):
        return "Saturday and Sunday"
    return ", ".join(_DAY_NAMES[d] for d in days)


def _clock(value: time) -> str:
    return value.strftime("%-I:%M%p").lower().replace(":00", "")


def describe(schedule) -> str:
    """One schedule in plain English, e.g. "Monday to Friday, 9am to 5pm; closed on bank holidays"."""
    days = _days_text(schedule.days)
    if schedule.all_day:
        hours = "24 hours"
    elif schedule.opens_at and schedule.closes_at:
        hours = f"{_clock(schedule.opens_at)} to {_clock(schedule.closes_at)}"
    else:
        hours = "times vary"
    bank = "open on bank holidays" if schedule.open_on_bank_holidays else "closed on bank holidays"
    return f"{days}, {hours}; {bank}"
