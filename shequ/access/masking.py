"""How personal data is shown to someone not entitled to the full value."""

from __future__ import annotations

import re

# In free text (a problem's description, a note): an ID number (18 characters, the last
# may be X), a mobile number, or a landline with its area code, not inside a longer run
# of digits (an order number, a sum).
_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|1[3-9]\d{9}|0\d{2,3}-\d{7,8})(?![0-9A-Za-z])")


def mask_id_number(value: str) -> str:
    """110105194912310021 → 110***********0021: first 3 and last 4 kept."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_permit_number(value: str) -> str:
    """Residence permit numbers have no fixed layout (JZ1101052026001, 5201...): keep at
    most the last 4 characters and hide at least half. JZ55556666 → ******6666."""
    if not value:
        return ""
    keep = min(4, len(value) // 2)
    return "*" * (len(value) - keep) + value[len(value) - keep :]


def mask_phone(value: str) -> str:
    """13812341234 → 138****1234; 0571-87654321 → 0571-****4321."""
    if not value:
        return ""
    if "-" in value:
        area, _, number = value.partition("-")
        return f"{area}-{'*' * max(len(number) - 4, 0)}{number[-4:]}"
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str) -> str:
    """For public notices: 张三 → 张*, 欧阳娜娜 → 欧阳**, 王小明 → 王**."""
    if not value:
        return ""
    compound = {
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "轩辕",
        "令狐",
        "端木",
        "独孤",
        "南宫",
        "西门",
    }
    keep = 2 if value[:2] in compound and len(value) > 2 else 1
    return value[:keep] + "*" * (len(value) - keep)


def mask_free_text(value: str) -> str:
    """ID and phone numbers that someone typed into a text, masked as everywhere else:
    "电话18271818316" → "电话182****8316"."""
    if not value:
        return value

    def one(match: re.Match[str]) -> str:
        found = match.group(1)
        return mask_id_number(found) if len(found) == 18 else mask_phone(found)

    return _IN_TEXT.sub(one, value)
