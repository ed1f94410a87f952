"""The times an AWS cron expression names: ``<minutes> <hours> <day-of-month> <month> <day-of-week> <year>``.

Every expression schedule.py accepts (AWS's dialect, as its validator checks it) is
understood here: lists, ranges (``*-5``, ``5-*``, and ranges that wrap, ``FRI-MON``), steps,
``L``, ``L-n``, ``W``, ``LW``, ``nL`` and ``n#k``. An expression whose times have all passed
(a past year, the 31st of February) has no next time: ``next_after`` answers None, never an
error. The search walks months and then days, so it ends by the last year AWS allows (2199).
"""

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

LAST_YEAR = 2199
_MONTHS = {name.upper(): n for n, name in enumerate(calendar.month_abbr) if name}
_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}

DayRule = Callable[[int, int], frozenset[int]]  # (year, month) -> the days of that month it names


def _number(text: str, names: dict[str, int]) -> int:
    return names[text.upper()] if text.upper() in names else int(text)


def _values(field: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int]:
    """The values of a field made of ``*``, values, ranges and steps, separated by commas."""
    names = names or {}
    if field == "*":
        return frozenset(range(low, high + 1))
    found: set[int] = set()
    for item in field.split(","):
        span, _, step = item.partition("/")
        if span == "*":
            start, end = low, high
        elif "-" in span:
            first, last = span.split("-")
            start = low if first == "*" else _number(first, names)
            end = high if last == "*" else _number(last, names)
        else:
            start = _number(span, names)
            end = high if step else start
        stride = int(step) if step else 1
        if start <= end:
            found.update(range(start, end + 1, stride))
        else:  # a range that wraps past the field's end (FRI-MON, 22-2)
            width = high - low + 1
            found.update(low + (start - low + k) % width for k in range(0, end - start + width + 1, stride))
    return frozenset(found)


def _aws_weekday(day: date) -> int:
    return day.isoweekday() % 7 + 1  # AWS counts SUN=1 ... SAT=7


def _nearest_weekday(year: int, month: int, day: int) -> int | None:
    """``nW``: the weekday nearest the day, without leaving the month."""
    length = calendar.monthrange(year, month)[1]
    if day > length:
        return None
    weekday = date(year, month, day).weekday()  # MON=0 ... SUN=6
    if weekday == 5:
        return day - 1 if day > 1 else day + 2
    if weekday == 6:
        return day + 1 if day < length else day - 2
    return day


def _day_of_month_rule(field: str) -> DayRule:
    def length(year: int, month: int) -> int:
        return calendar.monthrange(year, month)[1]

    if field == "L":
        return lambda y, m: frozenset({length(y, m)})
    if field == "LW":

        def last_weekday(y: int, m: int) -> frozenset[int]:
            last = length(y, m)
            return frozenset({last - max(0, date(y, m, last).weekday() - 4)})

        return last_weekday
    if field.endswith("W"):
        target = int(field[:-1])
        return lambda y, m: frozenset(d for d in (_nearest_weekday(y, m, target),) if d is not None)
    days = _values(field, 1, 31)
    return lambda y, m: frozenset(d for d in days if d <= length(y, m))


def _day_of_week_rule(field: str) -> DayRule:
    def dates(year: int, month: int, weekday: int) -> list[int]:
        """The days of the month that fall on an AWS weekday, in order."""
        first = _aws_weekday(date(year, month, 1))
        return list(range(1 + (weekday - first) % 7, calendar.monthrange(year, month)[1] + 1, 7))

    if field == "L":  # the last day of the week: every Saturday
        field = "7"
    if field.startswith("L-"):  # the validator's L-n: n days before the month's last day
        back = int(field[2:])
        return lambda y, m: frozenset({calendar.monthrange(y, m)[1] - back} - {0})
    if field.endswith("L"):  # nL: the month's last such weekday
        weekday = _number(field[:-1], _DAYS)
        return lambda y, m: frozenset(dates(y, m, weekday)[-1:])
    if "#" in field:  # n#k: the month's k-th such weekday, if it has one
        name, nth = field.split("#")
        weekday, index = _number(name, _DAYS), int(nth)
        return lambda y, m: frozenset(dates(y, m, weekday)[index - 1 : index])
    weekdays = _values(field, 1, 7, _DAYS)
    return lambda y, m: frozenset(d for w in weekdays for d in dates(y, m, w))


@dataclass(frozen=True)
class Cron:
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: DayRule
    months: frozenset[int]
    years: frozenset[int]

    @classmethod
    def parse(cls, expression: str) -> "Cron":
        """``cron(...)`` or its six fields, as schedule.py accepted them."""
        fields = expression.strip().removeprefix("cron(").removesuffix(")").split()
        minute, hour, day_of_month, month, day_of_week, year = fields
        days = _day_of_week_rule(day_of_week) if day_of_month == "?" else _day_of_month_rule(day_of_month)
        return cls(
            tuple(sorted(_values(minute, 0, 59))),
            tuple(sorted(_values(hour, 0, 23))),
            days,
            _values(month, 1, 12, _MONTHS),
            _values(year, 1970, LAST_YEAR),
        )

    def next_after(self, moment: datetime) -> datetime | None:
        """The first time strictly after ``moment`` (UTC) the expression names; None when none is left."""
        start = moment.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
        year, month = start.year, start.month
        while year <= LAST_YEAR:
            if year in self.years and month in self.months:
                first_day = start.day if (year, month) == (start.year, start.month) else 1
                for day in sorted(d for d in self.days(year, month) if d >= first_day):
                    found = self._time_on(date(year, month, day), start)
                    if found is not None:
                        return found
            year, month = (year, month + 1) if month < 12 else (year + 1, 1)
        return None

    def _time_on(self, day: date, start: datetime) -> datetime | None:
        earliest = (start.hour, start.minute) if day == start.date() else (0, 0)
        for hour in self.hours:
            for minute in self.minutes:
                if (hour, minute) >= earliest:
                    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
        return None
