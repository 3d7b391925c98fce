#!/usr/bin/env python3
"""Generate the Jalali (Solar Hijri) leap-year / Nowruz table for 1304..1498.

For every Jalali year from 1304 to 1498 inclusive this prints one CSV row:

    jalali_year,leap,nowruz_gregorian

* ``leap`` is 1 when the year has 366 days (Esfand has 30 days), else 0.
* ``nowruz_gregorian`` is the proleptic-Gregorian ISO date of 1 Farvardin.

Only two inputs are used, so the table is independent of any calendar library:

1. The arithmetic 33-year leap rule: year ``y`` is leap iff
   ``(25 * y + 11) % 33 < 8``.
2. The anchor ``1 Farvardin 1404 = 2025-03-21``.

Every other Nowruz date is reached from the anchor by adding (or subtracting)
whole year lengths of 365 / 366 days.  Iran's legal calendar is astronomical
(Nowruz is the day of the March equinox if it falls before noon in Tehran,
else the next day); the arithmetic rule is a close approximation of it over
this range.  If Iran's calendar authority ever publishes a different Nowruz,
the official date wins and the affected rows must be patched.

Usage::

    python3 tools/calendar/gen_jalali_table.py > firmware/core/data/jalali_1304_1498.csv
    python3 tools/calendar/gen_jalali_table.py --check   # self-test, prints to stderr

Standard library only.
"""

from __future__ import annotations

import sys
from datetime import date, timedelta

FIRST_YEAR = 1304
LAST_YEAR = 1498

ANCHOR_YEAR = 1404
ANCHOR_NOWRUZ = date(2025, 3, 21)


def is_leap(jy: int) -> bool:
    """True if Jalali year ``jy`` has 366 days under the 33-year rule."""
    return (25 * jy + 11) % 33 < 8


def year_length(jy: int) -> int:
    """Number of days in Jalali year ``jy``."""
    return 366 if is_leap(jy) else 365


def nowruz(jy: int) -> date:
    """Gregorian date of 1 Farvardin of Jalali year ``jy``, from the anchor."""
    d = ANCHOR_NOWRUZ
    if jy >= ANCHOR_YEAR:
        for y in range(ANCHOR_YEAR, jy):
            d += timedelta(days=year_length(y))
    else:
        for y in range(jy, ANCHOR_YEAR):
            d -= timedelta(days=year_length(y))
    return d


def table(first: int = FIRST_YEAR, last: int = LAST_YEAR) -> list[tuple[int, int, date]]:
    """Rows ``(jalali_year, leap, nowruz_gregorian)`` for ``first..last``."""
    return [(y, int(is_leap(y)), nowruz(y)) for y in range(first, last + 1)]


def write_csv(rows: list[tuple[int, int, date]], out=sys.stdout) -> None:
    out.write("jalali_year,leap,nowruz_gregorian\n")
    for y, leap, d in rows:
        out.write(f"{y},{leap},{d.isoformat()}\n")


def self_check(rows: list[tuple[int, int, date]]) -> int:
    """Check a few well-known facts; return the number of failures."""
    by_year = {y: (leap, d) for y, leap, d in rows}
    facts = [
        ("1 Farvardin 1304 = 1925-03-21", by_year[1304][1] == date(1925, 3, 21)),
        ("1399 is leap", by_year[1399][0] == 1),
        ("1403 is leap", by_year[1403][0] == 1),
        ("1 Farvardin 1403 = 2024-03-20", by_year[1403][1] == date(2024, 3, 20)),
        ("1 Farvardin 1404 = 2025-03-21 (anchor)", by_year[1404][1] == date(2025, 3, 21)),
        ("1404, 1405, 1406 are common years", all(by_year[y][0] == 0 for y in (1404, 1405, 1406))),
    ]
    # Consecutive Nowruz dates must be exactly one year length apart.
    contiguous = all(
        (rows[i + 1][2] - rows[i][2]).days == 365 + rows[i][1] for i in range(len(rows) - 1)
    )
    facts.append(("Nowruz dates are contiguous with year lengths", contiguous))
    # The 33-year rule gives 8 leap years in every 33 consecutive years.
    eight_per_33 = all(
        sum(is_leap(y) for y in range(s, s + 33)) == 8 for s in range(FIRST_YEAR, LAST_YEAR - 31)
    )
    facts.append(("8 leap years in every 33-year window", eight_per_33))
    failures = 0
    for text, ok in facts:
        print(f"{'ok  ' if ok else 'FAIL'} {text}", file=sys.stderr)
        failures += not ok
    return failures


def main(argv: list[str]) -> int:
    rows = table()
    if "--check" in argv:
        return 1 if self_check(rows) else 0
    write_csv(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
