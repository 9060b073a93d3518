"""``{{ value|when }}``: a moment as the pages write it, 11月22日 14:05, with its year when
it is not this year's (12月1日 of last year reads as next month)."""

from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format

register = template.Library()


@register.filter
def when(value: Any) -> str:
    if not isinstance(value, datetime):
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    this_year = timezone.localdate().year
    return date_format(local, "n月j日 H:i" if local.year == this_year else "Y年n月j日 H:i")
