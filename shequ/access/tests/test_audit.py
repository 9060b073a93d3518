import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client

from shequ.access import audit, triggers
from shequ.access.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_chain_is_intact_after_appends(world):
    audit.record(world.street_chen, "test.one", area_path="/370103003/", detail={"n": 1})
    audit.record(None, "test.two", detail={"中文": "值"})
    report = audit.verify_chain()
    assert report.intact and report.checked == AuditEvent.objects.count()


def test_a_changed_row_breaks_the_chain_at_that_row(world):
    row = audit.record(world.street_chen, "test.tamper", detail={"reason": "原因"})
    audit.record(world.street_chen, "test.after")
    AuditEvent.objects.filter(pk=row.pk).update(detail={"reason": "改过的"})
    report = audit.verify_chain()
    assert not report.intact
    assert report.first_broken_id == row.pk


def test_a_removed_row_breaks_the_chain(world):
    audit.record(world.street_chen, "test.a")
    gone = audit.record(world.street_chen, "test.b")
    after = audit.record(world.street_chen, "test.c")
    AuditEvent.objects.filter(pk=gone.pk).delete()
    report = audit.verify_chain()
    assert report.first_broken_id == after.pk


def test_the_database_refuses_update_and_delete(world):
    row = audit.record(world.street_chen, "test.locked")
    triggers.create(connection)
    try:
        for attempt in (
            lambda: AuditEvent.objects.filter(pk=row.pk).update(event="changed"),
            lambda: AuditEvent.objects.filter(pk=row.pk).delete(),
        ):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                attempt()
        assert AuditEvent.objects.get(pk=row.pk).event == "test.locked"
    finally:
        triggers.drop(connection)


def test_auditor_page_checks_the_chain(world):
    client = Client()
    client.force_login(world.users["auditor@A"])
    audit.record(world.street_chen, "test.page", area_path=world.areas["A1"].path)
    body = client.post("/audit/verify/").content.decode()
    assert "哈希链完整" in body
    first = AuditEvent.objects.earliest("id")
    AuditEvent.objects.filter(pk=first.pk).update(ip="6.6.6.6")
    body = client.post("/audit/verify/").content.decode()
    assert f"第 {first.pk} 条记录处断裂" in body


def test_audit_log_filters(world):
    client = Client()
    client.force_login(world.users["auditor@A"])
    audit.record(
        world.street_chen, "test.filter", area_path=world.areas["A1-1"].path, detail={"marker": "甲一"}
    )
    audit.record(
        world.secretary_zhang, "test.filter", area_path=world.areas["A2"].path, detail={"marker": "乙二"}
    )
    page = client.get("/audit/", {"event": "test.filter", "area": world.areas["A1"].code}).content.decode()
    assert "甲一" in page and "乙二" not in page
    page = client.get("/audit/", {"actor": world.secretary_zhang.username}).content.decode()
    assert "乙二" in page and "甲一" not in page
    page = client.get("/audit/", {"since": "2999-01-01"}).content.decode()
    assert "甲一" not in page and "没有符合条件的记录" in page
    page = client.get("/audit/", {"since": "昨天"}).content.decode()
    assert "开始日期格式应为" in page
    page = client.get("/audit/", {"area": "999999"}).content.decode()
    assert "区域编码“999999”不存在" in page


def test_logins_are_filed_under_the_users_area_so_the_auditor_sees_them(world):
    client = Client()
    from shequ.testing.world import PASSWORD

    client.post("/login/", {"username": world.secretary_zhang.username, "password": PASSWORD})
    row = AuditEvent.objects.filter(event="auth.login").latest("id")
    assert row.area_path == world.areas["A1"].path
    auditor = Client()
    auditor.force_login(world.users["auditor@A"])
    page = auditor.get("/audit/", {"event": "auth.login"}).content.decode()
    assert world.secretary_zhang.username in page


def test_every_audit_event_and_object_is_named_in_chinese():
    """The audit log showed most events as codes (problem.dispatch, store.pack…) to the
    auditors who read it. Every code the project writes, literal or from a lifecycle
    table, has its Chinese name; so has every kind of object a row points at."""
    import re
    from pathlib import Path

    from django.apps import apps

    from shequ.access.models import EVENT_LABELS, OBJECT_LABELS
    from shequ.points.lifecycle import TRANSITIONS as ORDER
    from shequ.problems.lifecycle import TRANSITIONS as PROBLEM
    from shequ.tasks.lifecycle import CLAIM_TRANSITIONS, LIST_TRANSITIONS, TASK_TRANSITIONS

    root = Path(__file__).resolve().parents[2]
    written = set()
    for path in root.glob("**/*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        # audit.record(actor, "x.y", …), and the services' own audit helpers (_audit_…).
        for call in re.finditer(r"_?audit(?:\.record|_\w+)\(\s*[\w.\[\]]+,\s*\"([a-z_]+\.[a-z_]+)\"", text):
            written.add(call.group(1))
        # A resource's edits, audited by _save_resource under the event its caller names.
        for call in re.finditer(r"_save_resource\([^)]*?\"([a-z_]+\.[a-z_]+)\"", text):
            written.add(call.group(1))
    assert {
        "problem.report",
        "points.service",
        "store.window",
        "visit.export",
        "resource.unit_offer",
    } <= written  # the scan finds them
    written |= {f"problem.{a}" for a in PROBLEM} | {f"store.{a}" for a in ORDER} | {"store.redeem"}
    written |= {f"task.{a}" for a in TASK_TRANSITIONS} | {f"task.claim_{a}" for a in CLAIM_TRANSITIONS}
    written |= {f"task.list_{a}" for a in LIST_TRANSITIONS}
    assert sorted(written - set(EVENT_LABELS)) == []
    # Each app's models that audit rows point at are named too.
    for app in ("problems", "tasks", "points"):
        for model in apps.get_app_config(app).get_models():
            name = model._meta.model_name
            if name not in {"problemevent", "problemphoto", "reopenedclosing", "claimevent", "prooffile"} | {
                "taskattachment",
                "entry",
                "account",
                "earningtotal",
                "orderevent",
                "teammember",
            }:
                assert name in OBJECT_LABELS, name


def _detail_keys_written() -> set[str]:
    """The keys the project's own code writes into an audit row's details."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    found: set[str] = set()
    literal = re.compile(r"detail(?:: dict\[str, Any\])?\s*=\s*\{([^}]*)\}")
    for path in root.glob("**/*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for body in literal.finditer(text):
            found |= set(re.findall(r"\"(\w+)\":", body.group(1)))
        found |= set(re.findall(r"(?:detail|changed|changes|counts)\[\"(\w+)\"\]\s*=", text))
    return found


def test_every_detail_the_log_shows_is_named_in_chinese(world):
    """The log showed its details under their code names (note, from, to, published…),
    with True/False and role codes, and numbers typed into a reason in full."""
    from shequ.access.models import DETAIL_LABELS
    from shequ.registry.importing import Plan

    keys = _detail_keys_written()
    assert {"note", "from", "published", "claims_withdrawn", "price"} <= keys  # the scan finds them
    keys |= set(Plan().summary())
    keys |= {"rows", "full_id_number", "full_phone"}  # registry.exporting.write's counts
    keys |= {"name", "handling_level", "ledger_type", "deadline_class", "responsible_role", "active", "sort"}
    assert sorted(keys - set(DETAIL_LABELS)) == []

    audit.record(
        world.street_chen,
        "task.list_return",
        area_path=world.areas["A1"].path,
        detail={
            "note": "联系13812345678",
            "published": True,
            "role": "grid_worker",
            "changed": {"price": [10, 12], "level": ["community", "street"]},
            "expired": ["清扫楼道", "看望独居老人"],  # two tasks, not a change from one to the other
        },
    )
    client = Client()
    client.force_login(world.users["auditor@A"])
    page = client.get("/audit/", {"event": "task.list_return"}).content.decode()
    # Each detail by its name (PostgreSQL's jsonb keeps keys in an order of its own).
    for shown in (
        "说明：联系138****5678",
        "同时发布：是",
        "角色：网格员",
        "单价：10 → 12",
        "处置层级：社区 → 街道",
        "清扫楼道、看望独居老人",
    ):
        assert shown in page, shown
    assert "13812345678" not in page


def test_the_audit_page_reads_a_page_of_rows_not_the_whole_log(world):
    """The event menu was read with SELECT DISTINCT event, id over every row in scope (the
    model's ordering added id), and on SQLite the page sorted the whole scope by id."""
    from django.test.utils import CaptureQueriesContext

    from shequ.access.selectors import audit_events

    auditor = world.users["auditor@A"]
    for _ in range(5):
        audit.record(world.street_chen, "auth.login", area_path=world.areas["A1"].path)
    client = Client()
    client.force_login(auditor)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/audit/").content.decode()
    assert not [q["sql"] for q in queries.captured_queries if "DISTINCT" in q["sql"].upper()]
    assert "兑换" in page  # every event can be chosen, not only those that occurred
    rows, _names = audit_events(auditor)
    if connection.vendor == "sqlite":
        sql, params = rows[:50].query.sql_with_params()
        with connection.cursor() as cursor:
            plan = " ".join(str(r[-1]) for r in cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params))
        assert "TEMP B-TREE" not in plan, plan
