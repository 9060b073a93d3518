"""The row of a lifecycle table: problems, tasks, claims, monthly lists and orders each
write theirs as ``{action: Transition(...)}`` beside their models (DESIGN.md: one
transition table per model, checked by one service function)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Transition:
    label: str
    sources: tuple[str, ...]
    target: str | None  # None: the status stays (a problem's urge)
    permissions: tuple[str, ...]
    note_required: bool = False
