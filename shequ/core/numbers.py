"""Whole numbers as people type them into forms, and the limits the database keeps.

``str.isdigit`` is not a test for "a number Python and the database can take": it is true
for "²" and "١٢", and a twenty-digit number passes it and then fails in the database
(SQLite cannot bind it, PostgreSQL's integer columns overflow), as a server error. Forms
read their numbers here: full-width digits typed with a Chinese input method are taken
(NFKC), anything else that is not a whole number in range is None, and the caller names
the field."""

from __future__ import annotations

import unicodedata

INT_MAX = 2_147_483_647  # an IntegerField on PostgreSQL
ID_MAX = 9_223_372_036_854_775_807  # a BigAutoField, and SQLite's INTEGER


def whole(raw: object, *, low: int = 0, high: int = INT_MAX) -> int | None:
    """``raw`` as an int if it is a whole number from ``low`` to ``high``, else None."""
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    digits = text[1:] if text.startswith("-") else text
    if not digits or not digits.isascii() or not digits.isdigit() or len(digits) > 19:
        return None
    value = int(text)
    return value if low <= value <= high else None


def _month_text(raw: object) -> str:
    """A month as typed, full-width digits folded and the picker's dash dropped."""
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    return text[:4] + text[5:] if len(text) == 7 and text[4] == "-" else text


def month_param(raw: object) -> str | None:
    """A month as typed (``2026-11`` from a month picker, ``202611``, full-width digits
    taken) as ``YYYYMM``, if its year is 2000 to 2100 and its month 1 to 12; else None."""
    text = _month_text(raw)
    if len(text) != 6 or not text.isascii() or not text.isdigit():
        return None
    return text if 2000 <= int(text[:4]) <= 2100 and 1 <= int(text[4:]) <= 12 else None


def month_error(raw: object) -> str:
    """Why ``raw`` is not a month ``month_param`` takes: its year or its month out of
    range, or not a month at all; with what was typed (at most 20 characters)."""
    said = str(raw).strip()[:20]
    text = _month_text(raw)
    if month_param(raw) is not None:  # a month, written as the form shows it, not as YYYYMM
        return f"月份格式应为 YYYYMM（例如 202611），您填写的是“{said}”"
    if len(text) == 6 and text.isascii() and text.isdigit():
        if not 1 <= int(text[4:]) <= 12:
            return f"月份“{said}”不存在：月份须在 1 到 12 月之间"
        return f"月份“{said}”的年份须在 2000 到 2100 年之间"
    return f"月份格式为 2026-11 或 202611，您填写的是“{said}”"


def number_error(raw: object, label: str, *, low: int = 0, high: int = INT_MAX) -> str:
    """Why ``raw`` is not a whole number from ``low`` to ``high``, naming the field."""
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    digits = text[1:] if text.startswith("-") else text
    if not digits or not digits.isascii() or not digits.isdigit():
        return f"{label}必须是整数"
    if len(digits) <= 19 and int(text) < low:
        return f"{label}不能小于 {low}"
    return f"{label}必须在 {low} 到 {high} 之间"


def days_param(raw: object, default: int = 90) -> int:
    """A "not visited for N days" filter: 1 to 3650, or ``default`` when not given;
    anything else is refused with the field named (never silently replaced)."""
    from shequ.core.errors import ValidationFailed

    text = str(raw if raw is not None else "").strip()
    if not text:
        return default
    found = whole(text, low=1, high=3650)
    if found is None:
        raise ValidationFailed({"days": number_error(text, "天数", low=1, high=3650)})
    return found


def month_label(month: str) -> str:
    """A stored month as users read it: "202612" → "2026年12月" (as typed otherwise)."""
    if len(month) == 6 and month.isdigit() and 1 <= int(month[4:]) <= 12:
        return f"{month[:4]}年{int(month[4:])}月"
    return month
