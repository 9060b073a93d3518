"""List filters as typed into an address: a value that is none of the choices is named,
never answered with an empty list (which reads as "nothing there") or quietly dropped."""

from __future__ import annotations

from collections.abc import Iterable


def unknown_choices(checks: Iterable[tuple[str, str, str, Iterable[str]]]) -> dict[str, str]:
    """For each (field, label, value, choices) whose value is not blank and not one of
    the choices, the field and a message naming it and what was typed."""
    errors: dict[str, str] = {}
    for field, label, value, choices in checks:
        if value and value not in choices:
            errors[field] = f"{label}“{value[:20]}”不在可选范围内"
    return errors
