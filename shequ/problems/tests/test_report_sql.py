"""The report's write on PostgreSQL (decision 0004): the problem, follower, timeline row,
notices and audit row sent as one batch, which outside a caller's transaction is its own
implicit transaction. It must store what the statement-by-statement path stores, commit
all of it or nothing, and leave the connection usable after a refusal."""

import pytest
from django.db import connection

from shequ.access import audit
from shequ.access.models import AuditEvent
from shequ.core import rawsql
from shequ.notifications.models import Notification
from shequ.problems import services
from shequ.problems.models import Problem, ProblemEvent
from shequ.problems.tests.helpers import grid_point
from shequ.testing.threads import in_own_connection

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the batch is sent on PostgreSQL only"),
]


def stored(problem_id):
    """What a report wrote, with the values that differ between two reports (ids, times,
    the number in the notice) left out."""
    p = Problem.objects.filter(pk=problem_id).values().get()
    number = Problem.objects.get(pk=problem_id).number
    audit_row = AuditEvent.objects.get(object_type="problem", object_id=str(problem_id))
    return {
        "problem": {
            k: v for k, v in p.items() if k not in ("id", "reported_at", "updated_at", "idempotency_key")
        },
        "followers": list(Problem.objects.get(pk=problem_id).followers.values_list("pk", flat=True)),
        "events": list(
            ProblemEvent.objects.filter(problem_id=problem_id).values_list(
                "action", "from_status", "to_status", "actor_id", "note", "data"
            )
        ),
        "notices": sorted(
            (n.user_id, n.text.replace(number, "N"), n.link.replace(str(problem_id), "ID"), n.read_at)
            for n in Notification.objects.filter(link=f"/problems/{problem_id}/")
        ),
        "audit": (
            audit_row.actor_id,
            audit_row.actor_name,
            audit_row.event,
            audit_row.area_path,
            audit_row.detail,
        ),
    }


def remove(problem_ids, audit_after):
    """Take the committed rows out again, so that the session's world stays as it was
    (the audit rows removed are the chain's last ones, so it stays intact)."""
    Notification.objects.filter(link__in=[f"/problems/{pk}/" for pk in problem_ids]).delete()
    AuditEvent.objects.filter(pk__gt=audit_after).delete()
    Problem.followers.through.objects.filter(problem_id__in=problem_ids).delete()
    Problem.objects.filter(pk__in=problem_ids).delete()


def test_the_batch_commits_what_the_statement_by_statement_path_commits(world, monkeypatch):
    lon, lat = grid_point(world)

    def report(key):
        data = services.ReportInput(
            category="garbage", description="垃圾三天没清运", lon=lon, lat=lat, idempotency_key=key
        )
        return services.report_problem(world.resident_wang, data, ip="10.0.0.1")

    audit_after = AuditEvent.objects.order_by("-id").values_list("pk", flat=True).first() or 0
    batched = in_own_connection(lambda: report("batch-1"))
    monkeypatch.setattr(rawsql, "batched", lambda: False)
    one_by_one = in_own_connection(lambda: report("single-1"))
    monkeypatch.undo()
    ids = [r["value"][0].pk for r in (batched, one_by_one) if "value" in r]
    try:
        assert batched["value"][1] is True and one_by_one["value"][1] is True
        problem = batched["value"][0]
        # The instance returned has what the database stored.
        assert (problem.pk, problem.reported_at) == Problem.objects.values_list("pk", "reported_at").get(
            pk=problem.pk
        )
        assert stored(problem.pk) == stored(one_by_one["value"][0].pk)
        assert stored(problem.pk)["notices"], "the triage staff of A1 were told"
        assert audit.verify_chain().intact
        # A repeated key: the batch fails on the idempotency index, is rolled back whole,
        # and the same connection then finds the first problem.
        counts = (Problem.objects.count(), Notification.objects.count(), AuditEvent.objects.count())
        again = in_own_connection(lambda: report("batch-1"))
        assert again["value"] == (problem, False)
        assert (Problem.objects.count(), Notification.objects.count(), AuditEvent.objects.count()) == counts
    finally:
        in_own_connection(lambda: remove(ids, audit_after))
