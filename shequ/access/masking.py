"""How personal data is shown to someone not entitled to the full value."""

from __future__ import annotations


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
