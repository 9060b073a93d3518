"""``{{ value|when }}``: a moment as the pages write it, 11月22日 14:05, with its year when
it is not this year's (12月1日 of last year reads as next month); ``{{ date|day }}`` the
same for a date, ``{{ "202612"|month }}`` a stored month as 2026年12月."""

from datetime import date, datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format

from shequ.core.numbers import month_label

register = template.Library()


@register.filter
def when(value: Any) -> str:
    if not isinstance(value, datetime):
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    this_year = timezone.localdate().year
    return date_format(local, "n月j日 H:i" if local.year == this_year else "Y年n月j日 H:i")


@register.filter
def day(value: Any) -> str:
    if isinstance(value, datetime) or not isinstance(value, date):
        return ""
    return date_format(value, "n月j日" if value.year == timezone.localdate().year else "Y年n月j日")


@register.filter
def month(value: Any) -> str:
    return month_label(str(value or ""))
