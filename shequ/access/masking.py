"""How personal data is shown to someone not entitled to the full value."""

from __future__ import annotations

import re
from typing import Any

# In free text (a problem's description, a note): an ID number (18 characters, the last
# may be X, with or without spaces, dashes or dots between them, as in "110101 19900307
# 8515"; or the old 15 digits), a mobile number (with or without +86, with or without
# spaces, dashes or dots between its groups), or a landline with its area code (after a
# dash, a space or a dot, or in brackets; its number whole or in two groups, as in
# "0571-8765 4321"), not inside a longer run of letters and digits (an order number, a
# sum). A mobile is also read as 4-3-4 ("1391 234 5678"), and right after Latin letters
# ("vx13812345678", "Tel13812345678") when no digit follows it: a label typed without a
# colon is likelier than an order number of exactly a mobile's shape. Full-width digits,
# dashes and brackets typed with a Chinese input method are read as ASCII (the match runs
# on a copy, character for character, and masks the same span of the original).
_IN_TEXT = re.compile(
    r"(?:(?<![0-9A-Za-z+])|(?<=[A-Za-z])(?=1[3-9]\d))("
    r"\d(?:[-\s.]?\d){16}[-\s.]?[\dXx]|\d{15}"
    r"|(?:\+?86[-\s.]?)?1[3-9]\d(?:[-\s.]?\d{4}){2}|1[3-9]\d{2}[-\s.]\d{3}[-\s.]\d{4}"
    r"|(?:\(0\d{2,3}\)\s?|0\d{2,3}[-. \u3000]?)\d{3,4}[-\s.]?\d{4}"
    r")(?![0-9A-Za-z])"
)
_ASCII_DIGITS = str.maketrans("０１２３４５６７８９＋（）－—–Ｘｘ", "0123456789+()---Xx")


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
    "电话18271818316" → "电话182****8316", "１３８ １２３４ ５６７８" → "138****5678"."""
    if not value:
        return value
    out, last = [], 0
    for start, end, masked in _numbers_in(value):
        out.append(value[last:start])
        out.append(masked)
        last = end
    out.append(value[last:])
    return "".join(out)


def _numbers_in(value: str) -> list[tuple[int, int, str]]:
    """Where ID and phone numbers are in ``value`` (start, end) and each one masked."""
    plain = value.translate(_ASCII_DIGITS)  # the same length, position for position
    found_at = []
    for match in _IN_TEXT.finditer(plain):
        found = match.group(1)
        digits = "".join(ch for ch in found if ch.isdigit() or ch in "Xx")
        if len(digits) == 18 or (len(found) == 15 and found.isdigit()):
            masked = mask_id_number(digits)
        elif found[0] in "0(":  # a landline: its area code shown, as mask_phone does
            masked = _landline_masked(found)
        else:
            masked = mask_phone(digits[-11:] if digits.startswith("86") and len(digits) > 11 else digits)
        found_at.append((match.start(1), match.end(1), masked))
    return found_at


# Where a landline's area code ends: in brackets, or before a dash, a space or a dot.
_AREA_CODE = re.compile(r"\((0\d{2,3})\)\s?|(0\d{2,3})[-. \u3000]")


def _landline_masked(found: str) -> str:
    """A landline found in a text, as mask_phone shows a stored one: "0571-****4321",
    whether its number was typed whole or in groups ("0571-8765 4321"). With nothing
    between the area code and the number, where one ends cannot be told: masked whole."""
    split = _AREA_CODE.match(found)
    if split is None:
        return mask_phone(re.sub(r"\D", "", found))
    number = re.sub(r"\D", "", found[split.end() :])
    return mask_phone(f"{split.group(1) or split.group(2)}-{number}")


def shown_to(viewer: Any, writer_id: int | None, text: str) -> str:
    """Free text as ``viewer`` sees it: in full to whoever wrote it, with the ID and phone
    numbers typed into it masked for everyone else (staff who need to reach the person
    find them in the registry, where the full number is a recorded read)."""
    if writer_id is not None and writer_id == getattr(viewer, "pk", None):
        return text
    return mask_free_text(text)


def kept_if_echoed(sent: str, stored: str, viewer: Any, writer_id: int | None) -> str:
    """The text to save for a free-text field sent back by someone who read it masked. The
    numbers were hidden from them, not deleted: each masked number of the stored text
    that comes back as it was shown is put back as stored, whether the rest of the text
    is unchanged or edited around it (a masked form two different numbers share is left,
    since which one is meant cannot be told). A number typed anew is saved as typed."""
    if shown_to(viewer, writer_id, stored) == stored:
        return sent  # the reader saw it whole
    hidden: dict[str, set[str]] = {}
    for start, end, masked in _numbers_in(stored):
        hidden.setdefault(masked, set()).add(stored[start:end])
    for masked, originals in hidden.items():
        if len(originals) == 1 and masked != next(iter(originals)):
            sent = sent.replace(masked, next(iter(originals)))
    return sent
