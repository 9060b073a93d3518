"""Days as people type them into forms.

A date box is a picker in today's browsers, which send 2026-11-22; in a browser without
one (an office PC's older browser, a compatibility mode) it is a plain text box, and
people type the day as they write it: 2026/11/22, 2026.11.22, 2026-11-3, 2026年11月22日,
with full-width digits from a Chinese input method. The registry's import reads these
already (registry.cells.a_date); the forms read them here, and name the field themselves
when a text is not a day."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time

# ASCII digits only (after NFKC has folded the full-width ones): "١٢" is no day.
_DAY = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$", re.ASCII)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$", re.ASCII)
_TIME = re.compile(r"^(\d{1,2})\s*[:时点]\s*(\d{1,2})\s*分?(?::(\d{1,2}))?$", re.ASCII)


def day_typed(raw: object) -> date | None:
    """``raw`` as a day, if it is one written in any of the ways above; else None (an
    empty text too: the caller decides whether a day is needed)."""
    text = unicodedata.normalize("NFKC", str(raw if raw is not None else "")).strip()
    found = _DAY.match(text) or _COMPACT.match(text)
    if found is None:
        return None
    try:
        return date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    except ValueError:
        return None


def moment_typed(raw: object) -> datetime | None:
    """A day and a time of day typed as one text ("2026/12/2 18:00", "2026年12月2日
    18:00"), naive; None when it is not both. ISO texts are left to the caller."""
    text = unicodedata.normalize("NFKC", str(raw if raw is not None else "")).strip()
    parts = re.split(r"(?<=日)\s*(?=\d)|(?<=\d)(?:\s+|T)(?=\d)", text, maxsplit=1, flags=re.ASCII)
    if len(parts) != 2:
        return None
    day, clock = day_typed(parts[0]), _TIME.match(parts[1].strip())
    if day is None or clock is None:
        return None
    try:
        at = time(int(clock.group(1)), int(clock.group(2)), int(clock.group(3) or 0))
    except ValueError:
        return None
    return datetime.combine(day, at)
