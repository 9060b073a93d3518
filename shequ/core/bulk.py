"""Helpers for bulk jobs (registry imports) that build ~100,000 rows in memory."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any, TypeVar

from django.db.models import Model, signals
from django.db.models.base import ModelState

M = TypeVar("M", bound=Model)


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a bulk job builds its rows.

    An import holds every checked row until it writes them in one transaction; each new
    object counts towards the collector's thresholds, so it walks the ever-growing heap
    again and again although none of these rows form cycles (about a tenth of an
    import's time at 100,000 rows). Reference counting still frees everything at once;
    the collector is switched back on (and run) when the job ends, also on error, and
    left alone if it was already off.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
            gc.collect()


def unsaved(model: type[M], **values: Any) -> M:
    """``model(**values)`` without Django's constructor, for bulk jobs.

    Django's keyword constructor looks every field up among the keywords (~30 µs for a
    resident on this machine, a fifth of an import's checking), and even its positional
    path passes each value through the field's descriptor (~12 µs). A new, unsaved
    instance is only its field values and a fresh ``_state``, so this sets them straight
    into the instance (~3 µs): the model's defaults, then ``values``. Values are by
    attribute name (``household_id``, not ``household``); an unknown name is an error. A
    model with its own ``__init__`` or with ``pre_init``/``post_init`` receivers (none
    here) goes through the constructor, so that they still run.
    """
    constant, computed = _defaults(model)
    unknown = values.keys() - constant.keys()
    if unknown:
        raise TypeError(f"{model.__name__} has no fields {sorted(unknown)}")
    if (
        model.__init__ is not Model.__init__
        or signals.pre_init.has_listeners(model)
        or signals.post_init.has_listeners(model)
    ):
        return model(**values)
    row = dict(constant)
    for attname, default in computed:
        if attname not in values:
            row[attname] = default()
    row.update(values)
    obj = model.__new__(model)
    obj._state = ModelState()
    obj.__dict__.update(row)
    return obj


@cache
def _defaults(model: type[Model]) -> tuple[dict[str, Any], tuple[tuple[str, Callable[[], Any]], ...]]:
    """A model's concrete fields by attribute name: the constant defaults, and the fields
    whose default is computed for each row (a callable, as ``Field.get_default`` calls it)."""
    constant: dict[str, Any] = {}
    computed = []
    for f in model._meta.concrete_fields:
        if f.has_default() and callable(f.default):
            computed.append((f.attname, f.get_default))
            constant[f.attname] = None  # replaced for each row
        else:
            constant[f.attname] = f.get_default()
    return constant, tuple(computed)
