"""Moments on the pages carry their year when it is not this year's."""

from datetime import datetime, timedelta

from django.utils import timezone

from shequ.core.templatetags.when import when


def test_a_moment_of_another_year_is_written_with_its_year():
    now = timezone.localtime()
    assert when(now) == f"{now.month}月{now.day}日 {now:%H:%M}"
    last_year = timezone.make_aware(datetime(now.year - 1, 12, 1, 9, 5))
    assert when(last_year) == f"{now.year - 1}年12月1日 09:05"
    assert when(now - timedelta(days=400)).startswith(f"{(now - timedelta(days=400)).year}年")
    assert when(None) == ""
