"""Two staff merging two duplicates into each other at the same moment (PostgreSQL, where
writers do not queue for the whole database): each held its own problem and waited for
the other's (the target's timeline row), and the server broke the deadlock by failing
one of them with a 500. One merge goes through; the other is told another colleague was
merging the target into its problem at that moment, and nothing of it is written."""

import threading

import pytest
from django.db import connection

from shequ.access.models import AuditEvent
from shequ.core.errors import DomainError
from shequ.notifications.models import Notification
from shequ.problems import services
from shequ.problems.models import Problem
from shequ.problems.tests.helpers import report
from shequ.testing.threads import in_own_connection

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's writers run one at a time"),
]


def remove(problem_ids, audit_after):
    Notification.objects.filter(link__in=[f"/problems/{pk}/" for pk in problem_ids]).delete()
    AuditEvent.objects.filter(pk__gt=audit_after).delete()
    Problem.followers.through.objects.filter(problem_id__in=problem_ids).delete()
    Problem.objects.filter(pk__in=problem_ids).update(merged_into=None)
    Problem.objects.filter(pk__in=problem_ids).delete()


def test_two_duplicates_merged_into_each_other_at_once_leave_one_open(world, monkeypatch):
    audit_after = AuditEvent.objects.order_by("-id").values_list("pk", flat=True).first() or 0
    made = [in_own_connection(lambda: report(world)) for _ in range(2)]
    ids = [m["value"].pk for m in made if "value" in m]
    try:
        assert len(ids) == 2
        first, second = ids
        both_read = threading.Barrier(2, timeout=10)
        get_problem = services.get_problem

        def read_together(actor, pk):
            found = get_problem(actor, pk)
            if connection.in_atomic_block:  # the target, read under the actor's own lock
                both_read.wait()
            return found

        monkeypatch.setattr(services, "get_problem", read_together)
        outcomes: dict[int, dict] = {}

        def merge(actor, pk, into):
            data = services.TransitionInput(action="merge", into=into)
            outcomes[pk] = in_own_connection(lambda: services.transition(actor, pk, data))

        threads = [
            threading.Thread(target=merge, args=(world.secretary_zhang, first, second)),
            threading.Thread(target=merge, args=(world.users["community_staff@A1"], second, first)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        statuses = sorted(Problem.objects.filter(pk__in=ids).values_list("status", flat=True))
        assert statuses == ["merged", "reported"], outcomes
        refused = [o["error"] for o in outcomes.values() if "error" in o]
        assert len(refused) == 1 and isinstance(refused[0], DomainError), refused
        assert "合并" in refused[0].message
    finally:
        monkeypatch.undo()
        in_own_connection(lambda: remove(ids, audit_after))
