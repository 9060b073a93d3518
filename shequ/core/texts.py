"""Texts longer than their column: refused with the field named, never cut short.

A form that saves the first hundred characters of a longer name has changed what the
user wrote without saying so (and two names that differ only after the cut then clash
as "the same name"). The services check each text against its column here."""

from __future__ import annotations


def too_long(errors: dict[str, str], checks: list[tuple[str, str, str, int]]) -> None:
    """For each (field, label, text, limit) whose stripped text is longer than ``limit``
    characters, name the field in ``errors`` (unless it already has a message)."""
    for field, label, text, limit in checks:
        length = len((text or "").strip())
        if length > limit and field not in errors:
            errors[field] = f"{label}不能超过 {limit} 个字（现在 {length} 个字）"


def one_line(text: str | None) -> str:
    """A one-line field (a title, a name) with its line breaks and runs of spaces (full-width
    ones too) made one space: a JSON client could send "更换\n灯泡", which the boards, the
    notices and the sheets then showed broken, and which a form can never send."""
    return " ".join((text or "").split())


# Written in a cell or a box to take a recorded value off: a blank keeps what is recorded
# (a re-import changes only what the file carries), so "无" is how 低保 ended, or a phone
# withdrawn, is said.
CLEAR_WORDS = frozenset({"无", "没有", "-", "--", "—", "——"})
