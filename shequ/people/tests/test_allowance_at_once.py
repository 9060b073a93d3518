"""Two reads of a full number (or two searches by one) at the same moment (PostgreSQL,
where writers do not queue for the whole database), with one read left of the hour's
allowance: each counted the rows before either had written its own, both passed, and the
allowance was overshot. The count and the append now run one request at a time: one read
goes through, the other is refused."""

import contextlib
import threading

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from shequ.access import audit
from shequ.access.models import AuditEvent
from shequ.core import fieldcrypt
from shequ.core.errors import RateLimited
from shequ.people import services
from shequ.testing.threads import in_own_connection

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's writers run one at a time"),
]


def test_two_reads_at_once_with_one_left_let_one_through(world, monkeypatch):
    audit_after = AuditEvent.objects.order_by("-id").values_list("pk", flat=True).first() or 0
    resident = world.residents["A1-2-h1-r1"]
    viewer = world.secretary_zhang
    both_past = threading.Barrier(2, timeout=3)
    decrypt = fieldcrypt.decrypt

    def decrypt_together(token, field):
        # Each read, once past the allowance, waits (a little) for the other to get there
        # too: before the lock both got there; with it the second is still waiting to count.
        with contextlib.suppress(threading.BrokenBarrierError):
            both_past.wait()
        return decrypt(token, field)

    monkeypatch.setattr(fieldcrypt, "decrypt", decrypt_together)
    outcomes: list[dict] = []

    def read():
        outcomes.append(in_own_connection(lambda: services.unmask(viewer, resident.pk, "phone", "电话回访")))

    try:
        with override_settings(UNMASK_PER_HOUR=services.unmask_reads_this_hour(viewer) + 1):
            threads = [threading.Thread(target=read) for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        reads = in_own_connection(
            lambda: AuditEvent.objects.filter(pk__gt=audit_after, event="resident.unmask").count()
        )
        assert reads == {"value": 1}, outcomes
        refused = [o["error"] for o in outcomes if "error" in o]
        assert len(refused) == 1 and isinstance(refused[0], RateLimited), outcomes
    finally:
        monkeypatch.undo()
        in_own_connection(lambda: AuditEvent.objects.filter(pk__gt=audit_after).delete())


def test_two_number_searches_at_once_with_one_left_let_one_through(world, monkeypatch):
    audit_after = AuditEvent.objects.order_by("-id").values_list("pk", flat=True).first() or 0
    viewer = world.secretary_zhang
    both_counted = threading.Barrier(2, timeout=3)
    record = audit.record

    def record_together(*args, **kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):
            both_counted.wait()
        return record(*args, **kwargs)

    monkeypatch.setattr(audit, "record", record_together)
    outcomes: list[dict] = []

    def search(digest):
        outcomes.append(in_own_connection(lambda: services.note_number_lookups(viewer, [digest])))

    try:
        left = services.number_searches_left(viewer)
        with override_settings(NUMBER_SEARCH_PER_HOUR=settings.NUMBER_SEARCH_PER_HOUR - left + 1):
            threads = [threading.Thread(target=search, args=(d * 64,)) for d in "ab"]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        searches = in_own_connection(
            lambda: AuditEvent.objects.filter(pk__gt=audit_after, event=services.NUMBER_SEARCH).count()
        )
        assert searches == {"value": 1}, outcomes
        refused = [o["error"] for o in outcomes if "error" in o]
        assert len(refused) == 1 and isinstance(refused[0], services.NumberSearchesSpent), outcomes
    finally:
        monkeypatch.undo()
        in_own_connection(lambda: AuditEvent.objects.filter(pk__gt=audit_after).delete())
