"""Fixtures of the points tests."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

# The middle of a quarter, far from its ends: earnings posted and rankings read in one
# test always fall in the same quarter and year, whenever the suite runs.
MID_QUARTER = (2030, 5, 15, 10, 0)


@pytest.fixture
def mid_quarter(monkeypatch: Any) -> datetime:
    """Freeze 'now' at MID_QUARTER (local time), one second later at each call so that
    the order of events is kept. Every service reads the time through timezone.now."""
    start = datetime(*MID_QUARTER, tzinfo=ZoneInfo(settings.TIME_ZONE))
    ticks = itertools.count()
    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(seconds=next(ticks)))
    return start
