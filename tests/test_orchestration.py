"""The small date rules of the DAG task bodies."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from narrmon.orchestration import previous_iso_week, report_day

pytestmark = pytest.mark.clock  # date-sensitive: CI runs it again with the clock moved ahead


def test_daily_run_reports_on_the_interval_day_unless_a_day_is_chosen() -> None:
    start = datetime(2026, 11, 20, tzinfo=UTC)
    assert report_day(start) == date(2026, 11, 20)
    assert report_day(start, "2026-11-18") == date(2026, 11, 18)
    # A manual run without a data interval reports on the day before it ran.
    assert report_day(None, None, datetime(2026, 11, 25, 3, 45, tzinfo=UTC)) == date(2026, 11, 24)
    with pytest.raises(ValueError):
        report_day(None)


@pytest.mark.parametrize(
    ("run", "week"),
    [
        (datetime(2026, 11, 23, 6, tzinfo=UTC), "2026-W47"),
        (datetime(2026, 1, 5, 6, tzinfo=UTC), "2026-W01"),
        (datetime(2027, 1, 4, 6, tzinfo=UTC), "2026-W53"),
    ],
)
def test_weekly_run_reports_on_the_previous_iso_week(run: datetime, week: str) -> None:
    assert previous_iso_week(run) == week
