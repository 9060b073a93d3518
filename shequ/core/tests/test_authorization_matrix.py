"""Every URL and API operation, tried by every role against in-scope and out-of-scope
records. The expected answer comes from the personas world's own layout (which area each
user was given), not from the scope queries under test."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from shequ.access.roles import GRANTS, Permission
from shequ.access.services import add_open311_key
from shequ.api import api
from shequ.notifications.models import Notification
from shequ.people.models import Resident
from shequ.points.models import Transaction
from shequ.registry.services import template_bytes
from shequ.testing.world import PASSWORD

pytestmark = pytest.mark.django_db

# Each page (by URL name) and API operation (method, path) with what it needs.
PAGES = {
    "login": "public",
    "logout": "public",
    "password_change": "own",
    "home": "list",
    "area": ("object", "area", Permission.AREA_VIEW),
    "residents": ("list", Permission.RESIDENT_VIEW),
    "resident": ("object", "resident", Permission.RESIDENT_VIEW),
    "resident_unmask": ("unmask",),
    "resident_rename": ("object", "resident", Permission.REGISTRY_IMPORT),
    "resident_party": ("object", "resident", Permission.REGISTRY_IMPORT),
    # registry.import too: every role granted unmask_id_number holds it.
    "resident_id_number": ("object", "resident", Permission.UNMASK_ID_NUMBER),
    "tasks_unit_unmask": ("unmask", "a partner unit's contact phone"),
    "tasks_team_members": ("object", "service team", Permission.RESOURCE_VIEW),
    "tasks_unit_offer": ("object", "partner unit", "a member of the unit"),
    "household": ("object", "household", Permission.RESIDENT_VIEW),
    "audit_log": ("list", Permission.AUDIT_VIEW),
    "audit_verify": ("action", Permission.AUDIT_VIEW),
    "problems": ("list", Permission.PROBLEM_VIEW),
    "problems_mine": "own",
    "problems_overview": ("object", "area", Permission.PROBLEM_VIEW),
    "problems_inbox": ("list", Permission.PROBLEM_HANDLE),
    "problems_report": ("form", Permission.PROBLEM_REPORT),
    "problems_nearby": ("lookup", "own communities"),
    "problem_follow": ("action", "own communities"),
    "problems_map": ("list", Permission.PROBLEM_VIEW),
    "problem": ("object", "problem", Permission.PROBLEM_VIEW),
    "problem_act": ("action", "lifecycle table"),
    "problem_photo": ("object", "problem", Permission.PROBLEM_VIEW),
    "problems_ledgers": ("list", Permission.PROBLEM_EXPORT),
    "problems_categories": ("list", Permission.PROBLEM_CATALOGUE),
    "problems_counts": ("list", Permission.PROBLEM_VIEW),
    "problems_agenda": ("list", Permission.PROBLEM_TRIAGE),
    "problems_ledgers_export": ("export", Permission.PROBLEM_EXPORT),
    "problems_reports": ("list", Permission.PROBLEM_EXPORT),
    "problems_report_progress": ("object", "report run", Permission.PROBLEM_EXPORT),
    "problems_report_download": ("object", "report run", Permission.PROBLEM_EXPORT),
    "problems_report_submit": ("action", "problem.export over the community's finished report"),
    "residents_export": ("export", Permission.REGISTRY_EXPORT),
    "registry_import": ("form", Permission.REGISTRY_IMPORT),
    "registry_import_template": ("form", Permission.REGISTRY_IMPORT),
    "registry_import_run": ("object", "import run", Permission.REGISTRY_IMPORT),
    "registry_import_progress": ("object", "import run", Permission.REGISTRY_IMPORT),
    "registry_import_confirm": ("object", "import run", Permission.REGISTRY_IMPORT),
    "registry_import_errors": ("object", "import run", Permission.REGISTRY_IMPORT),
    "visit_new": ("object", "household", Permission.VISIT_RECORD),
    "visits": ("list", Permission.VISIT_RECORD),
    "visits_coverage": ("list", Permission.VISIT_RECORD),
    "visits_unvisited": ("list", Permission.VISIT_RECORD),
    "visit": ("object", "visit", Permission.VISIT_RECORD),
    "visit_need_problem": ("object", "visit", Permission.VISIT_RECORD),
    "floating": ("list", Permission.FLOATING_MANAGE),
    "floating_landlords": ("list", Permission.FLOATING_MANAGE),
    "floating_edit": ("object", "resident", Permission.FLOATING_MANAGE),
    "care": ("list", Permission.CARE_MANAGE),
    "floating_export": ("export", Permission.FLOATING_MANAGE),
    "care_export": ("export", Permission.CARE_MANAGE),
    "visits_export": ("export", Permission.VISIT_RECORD),
    "visits_unvisited_export": ("export", Permission.VISIT_RECORD),
    "floating_landlords_export": ("export", Permission.FLOATING_MANAGE),
    "care_records": ("object", "resident", Permission.CARE_MANAGE),
    "notifications": "own",
    "notifications_read": "own",
    "notification_open": "own",
    # Task list and points (issue 4): claimers see published tasks open to them.
    "tasks": ("list", "task.view scope, or the tasks open to a claimer"),
    "tasks_mine": "own",
    "tasks_new": ("form", Permission.TASK_MANAGE),
    "tasks_queue": ("list", Permission.TASK_ACCEPT),
    "tasks_monthly": ("list", Permission.TASK_VIEW),
    "tasks_monthly_act": ("action", "lifecycle table"),
    "tasks_resources": ("list", Permission.RESOURCE_VIEW),
    "party_dual": ("list", Permission.TASK_VIEW),
    "party_dual_end": ("action", "task.manage over the community"),
    "task": ("object", "task", "task.view, or open to the claimer"),
    "task_edit": ("form", "task", Permission.TASK_MANAGE),
    "task_act": ("action", "lifecycle table"),
    "task_attachments": ("action", Permission.TASK_MANAGE),
    "task_claim": ("object", "claim", "the claimant, or task.view"),
    "task_claim_act": ("action", "lifecycle table"),
    "task_proof": ("object", "claim", "the claimant, or task.view"),
    "task_attachment": ("object", "task", "task.view, or open to the claimer"),
    "points": "own",
    "points_store": "own",
    "points_redeem": "own",
    "points_orders": "own",
    "points_order": ("object", "order", "the buyer, or store.manage"),
    "points_order_act": ("action", "lifecycle table"),
    "points_fulfil": ("list", Permission.STORE_MANAGE),
    "points_fulfil_bulk": ("action", "store.manage, then the lifecycle table for each order"),
    "points_catalogue": ("list", Permission.STORE_MANAGE),
    "points_item_stock": ("action", Permission.STORE_MANAGE),
    "points_window_act": ("action", Permission.STORE_MANAGE),
    "points_service": ("form", Permission.POINTS_MANAGE),
    "points_reversals": ("list", Permission.POINTS_MANAGE),
    "points_accounts": ("list", Permission.POINTS_VIEW),
    "points_account_open": ("action", "points.manage over the resident"),
    "points_account": ("object", "points account", Permission.POINTS_VIEW),
    "points_rankings": ("list", Permission.POINTS_VIEW),
    "points_notice": "public (names masked)",
    # Open311 GeoReport v2 (docs/problems.md): the catalogue is public; requests take the
    # api_key parameter alone (an Open311 key, never an API token), never the session.
    "open311_discovery": "public (no records)",
    "open311_services": "public (the active categories)",
    "open311_service": "public (one category's definition)",
    "open311_requests": ("list", "api_key: GET as GET /api/v1/problems/, POST as POST /api/v1/problems/"),
    "open311_request": ("object", "problem", "api_key: as GET /api/v1/problems/{problem_id}"),
    "open311_media": ("object", "problem", "api_key: as the problem's photo page"),
    "api:api-root": "public (the API's mount point: the same 404 for everyone, no page of its own)",
    "api:openapi-json": "public",
    "api:openapi-view": "public",
}
API = {
    ("POST", "/api/v1/auth/token"): "public",
    ("DELETE", "/api/v1/auth/token"): "own",
    ("GET", "/api/v1/areas/"): ("list", Permission.AREA_VIEW),
    ("GET", "/api/v1/areas/{code}"): ("object", "area", Permission.AREA_VIEW),
    ("GET", "/api/v1/areas/{code}/stats"): ("object", "area", Permission.STATS_VIEW),
    ("GET", "/api/v1/residents/"): ("list", Permission.RESIDENT_VIEW),
    ("GET", "/api/v1/residents/{resident_id}"): ("object", "resident", Permission.RESIDENT_VIEW),
    ("POST", "/api/v1/residents/{resident_id}/unmask"): ("unmask",),
    ("POST", "/api/v1/residents/{resident_id}/name"): ("object", "resident", Permission.REGISTRY_IMPORT),
    ("POST", "/api/v1/residents/{resident_id}/id-number"): (
        "object",
        "resident",
        Permission.UNMASK_ID_NUMBER,
    ),
    ("GET", "/api/v1/problem-categories/"): "any signed-in user",
    ("POST", "/api/v1/registry/imports"): ("create", Permission.REGISTRY_IMPORT),
    ("GET", "/api/v1/registry/imports"): ("list", Permission.REGISTRY_IMPORT),
    ("GET", "/api/v1/registry/imports/{run_id}"): ("object", "import run", Permission.REGISTRY_IMPORT),
    ("POST", "/api/v1/registry/imports/{run_id}/mapping"): (
        "object",
        "import run",
        Permission.REGISTRY_IMPORT,
    ),
    ("POST", "/api/v1/registry/imports/{run_id}/confirm"): (
        "object",
        "import run",
        Permission.REGISTRY_IMPORT,
    ),
    ("GET", "/api/v1/residents/export"): ("export", Permission.REGISTRY_EXPORT),
    ("POST", "/api/v1/residents/export"): ("export", Permission.REGISTRY_EXPORT),
    ("GET", "/api/v1/visits/"): ("list", Permission.VISIT_RECORD),
    ("POST", "/api/v1/households/{household_id}/visits"): ("object", "household", Permission.VISIT_RECORD),
    ("GET", "/api/v1/visits/coverage"): ("object", "area", Permission.VISIT_RECORD),
    ("GET", "/api/v1/visits/{visit_id}"): ("object", "visit", Permission.VISIT_RECORD),
    ("POST", "/api/v1/visit-needs/{need_id}/problem"): ("object", "visit", Permission.VISIT_RECORD),
    ("GET", "/api/v1/households/unvisited"): ("list", Permission.VISIT_RECORD),
    ("POST", "/api/v1/visit-plans"): ("object", "area", Permission.VISIT_PLAN),
    ("GET", "/api/v1/floating/"): ("list", Permission.FLOATING_MANAGE),
    ("GET", "/api/v1/floating/landlords"): ("list", Permission.FLOATING_MANAGE),
    ("PUT", "/api/v1/residents/{resident_id}/floating"): ("object", "resident", Permission.FLOATING_MANAGE),
    ("GET", "/api/v1/care/"): ("list", Permission.CARE_MANAGE),
    ("GET", "/api/v1/residents/{resident_id}/care-records"): ("object", "resident", Permission.CARE_MANAGE),
    ("POST", "/api/v1/residents/{resident_id}/care-records"): ("object", "resident", Permission.CARE_MANAGE),
    ("POST", "/api/v1/problems/"): ("create", Permission.PROBLEM_REPORT),
    ("GET", "/api/v1/problems/"): ("list", Permission.PROBLEM_VIEW),
    ("GET", "/api/v1/problems/{problem_id}"): ("object", "problem", Permission.PROBLEM_VIEW),
    ("POST", "/api/v1/problems/{problem_id}/transitions"): ("action", "lifecycle table"),
    ("POST", "/api/v1/problems/{problem_id}/follow"): ("action", "own communities"),
    ("GET", "/api/v1/problems/nearby"): ("lookup", "own communities"),
    ("GET", "/api/v1/problems/by-number"): ("lookup", "as GET /api/v1/problems/{problem_id}"),
    ("GET", "/api/v1/problem-report-runs"): ("list", Permission.PROBLEM_EXPORT),
    ("POST", "/api/v1/problem-report-runs"): ("create", Permission.PROBLEM_EXPORT),
    ("GET", "/api/v1/problem-report-runs/{run_id}"): ("object", "report run", Permission.PROBLEM_EXPORT),
    ("POST", "/api/v1/problem-report-runs/{run_id}/submit"): ("action", "problem.export over the run"),
    ("GET", "/api/v1/problem-report-submissions"): ("list", "problem.export at a street"),
    ("GET", "/api/v1/problem-agenda"): ("list", Permission.PROBLEM_TRIAGE),
    ("POST", "/api/v1/problem-agenda/{item_id}/discussed"): ("action", "problem.triage over the street"),
    ("GET", "/api/v1/notifications/"): "own",
    ("POST", "/api/v1/notifications/read"): "own",
    ("POST", "/api/v1/notifications/{notice_id}/read"): "own",
    ("GET", "/api/v1/tasks/"): ("list", "task.view scope, or the tasks open to a claimer"),
    ("POST", "/api/v1/tasks/"): ("create", Permission.TASK_MANAGE),
    ("PUT", "/api/v1/tasks/{task_id}"): ("action", "task.manage over the task, draft only"),
    ("GET", "/api/v1/tasks/{task_id}"): ("object", "task", "task.view, or open to the claimer"),
    ("POST", "/api/v1/tasks/{task_id}/publish"): ("action", "lifecycle table"),
    ("POST", "/api/v1/tasks/{task_id}/transitions"): ("action", "lifecycle table"),
    ("POST", "/api/v1/tasks/{task_id}/attachments"): ("action", Permission.TASK_MANAGE),
    ("POST", "/api/v1/tasks/{task_id}/claims"): ("action", "open to the claimer"),
    ("GET", "/api/v1/claims/"): "own (queue=true: task.accept scope; task=: all to task.view, own otherwise)",
    ("GET", "/api/v1/claims/{claim_id}"): ("object", "claim", "the claimant, or task.view"),
    ("POST", "/api/v1/claims/{claim_id}/proof"): ("action", "lifecycle table"),
    ("POST", "/api/v1/claims/{claim_id}/accept"): ("action", "lifecycle table"),
    ("POST", "/api/v1/claims/{claim_id}/return"): ("action", "lifecycle table"),
    ("POST", "/api/v1/claims/{claim_id}/withdraw"): ("action", "lifecycle table"),
    ("POST", "/api/v1/claims/{claim_id}/release"): ("action", "lifecycle table"),
    ("GET", "/api/v1/monthly-lists/"): ("list", Permission.TASK_VIEW),
    ("POST", "/api/v1/monthly-lists/"): ("create", Permission.TASK_MANAGE),
    ("POST", "/api/v1/monthly-lists/{list_id}/transitions"): ("action", "lifecycle table"),
    ("PATCH", "/api/v1/monthly-lists/{list_id}"): ("action", Permission.TASK_MANAGE),
    ("GET", "/api/v1/monthly-lists/{list_id}/history"): ("action", Permission.TASK_VIEW),
    ("GET", "/api/v1/resources/units/"): ("list", Permission.RESOURCE_VIEW),
    ("POST", "/api/v1/resources/units/"): ("create", Permission.RESOURCE_MANAGE),
    ("GET", "/api/v1/resources/teams/"): ("list", Permission.RESOURCE_VIEW),
    ("POST", "/api/v1/resources/teams/"): ("create", Permission.RESOURCE_MANAGE),
    ("GET", "/api/v1/resources/talents/"): ("list", Permission.RESOURCE_VIEW),
    ("POST", "/api/v1/resources/talents/"): ("create", "resource.manage over the resident"),
    ("GET", "/api/v1/resources/teams/{team_id}/members"): (
        "object",
        "service team",
        Permission.RESOURCE_VIEW,
    ),
    ("POST", "/api/v1/resources/teams/{team_id}/members"): ("action", "resource.manage over the team"),
    ("DELETE", "/api/v1/resources/teams/{team_id}/members/{resident_id}"): (
        "action",
        "resource.manage over the team",
    ),
    ("POST", "/api/v1/resources/units/{unit_id}/members"): ("action", "resource.manage over the unit"),
    ("POST", "/api/v1/resources/units/{unit_id}/contact-phone"): ("unmask", "a partner unit's contact phone"),
    ("DELETE", "/api/v1/resources/units/{unit_id}/members/{user_id}"): (
        "action",
        "resource.manage over the unit",
    ),
    ("GET", "/api/v1/party/dual-registrations"): ("list", Permission.TASK_VIEW),
    ("POST", "/api/v1/party/dual-registrations"): ("create", Permission.TASK_MANAGE),
    ("DELETE", "/api/v1/party/dual-registrations/{registration_id}"): (
        "action",
        "task.manage over the community",
    ),
    ("GET", "/api/v1/resources/venues/"): ("list", Permission.RESOURCE_VIEW),
    ("POST", "/api/v1/resources/venues/"): ("create", Permission.RESOURCE_MANAGE),
    ("PATCH", "/api/v1/resources/units/{unit_id}"): ("action", "resource.manage over the unit"),
    ("PATCH", "/api/v1/resources/teams/{team_id}"): ("action", "resource.manage over the team"),
    ("PATCH", "/api/v1/resources/venues/{venue_id}"): ("action", "resource.manage over the venue"),
    ("DELETE", "/api/v1/resources/talents/{talent_id}"): ("action", "resource.manage over the resident"),
    ("GET", "/api/v1/points/balance"): "own",
    ("GET", "/api/v1/points/entries"): "own",
    ("POST", "/api/v1/points/service-records"): ("create", Permission.POINTS_MANAGE),
    ("GET", "/api/v1/points/service-records"): ("list", Permission.POINTS_VIEW),
    ("POST", "/api/v1/points/transactions/{transaction_id}/reverse"): ("action", Permission.POINTS_MANAGE),
    ("GET", "/api/v1/points/accounts"): ("list", Permission.POINTS_VIEW),
    ("GET", "/api/v1/points/accounts/{account_id}/entries"): (
        "object",
        "points account",
        Permission.POINTS_VIEW,
    ),
    ("POST", "/api/v1/points/accounts/{account_id}/opening"): ("action", Permission.POINTS_MANAGE),
    ("GET", "/api/v1/points/rankings"): ("object", "area", Permission.POINTS_VIEW),
    ("GET", "/api/v1/points/notice/{code}"): "public (names masked)",
    ("GET", "/api/v1/store/items/"): "own street and community (manage=true: store.manage scope)",
    ("POST", "/api/v1/store/items/"): ("create", Permission.STORE_MANAGE),
    ("POST", "/api/v1/store/items/{item_id}/stock"): ("action", Permission.STORE_MANAGE),
    ("POST", "/api/v1/store/items/{item_id}/shelf"): ("action", Permission.STORE_MANAGE),
    ("PATCH", "/api/v1/store/items/{item_id}"): ("action", Permission.STORE_MANAGE),
    ("GET", "/api/v1/store/windows/"): ("list", Permission.STORE_MANAGE),
    ("POST", "/api/v1/store/windows/"): ("create", Permission.STORE_MANAGE),
    ("PATCH", "/api/v1/store/windows/{window_id}"): ("action", Permission.STORE_MANAGE),
    ("DELETE", "/api/v1/store/windows/{window_id}"): ("action", Permission.STORE_MANAGE),
    ("POST", "/api/v1/store/orders/"): "own",
    ("GET", "/api/v1/store/orders/"): "own (fulfil=true: store.manage scope)",
    ("GET", "/api/v1/store/orders/{order_id}"): ("object", "order", "the buyer, or store.manage"),
    ("POST", "/api/v1/store/orders/{order_id}/transitions"): ("action", "lifecycle table"),
}

AREA_KEYS = ["A", "A1", "A1-1", "A1-1-b", "A2-2-b", "B", "B2", "B2-2", "B2-2-b"]
RESIDENT_KEYS = ["A1-1-h1-r1", "A1-2-h2-r2", "A2-1-h1-r1", "B1-1-h1-r1", "B2-2-h2-r2"]
HOUSEHOLD_KEYS = ["A1-1-h1", "A1-1-h2", "A2-2-h1", "B1-1-h1", "B2-2-h2"]


def url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace == "admin":
                    continue  # the admin site: staff only, covered by its own tests
                walk(p.url_patterns, f"{p.namespace}:" if p.namespace else prefix)
            elif isinstance(p, URLPattern) and p.name:
                names.add(prefix + p.name)

    walk(get_resolver().url_patterns)
    return names


def api_operations() -> set[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return {(m.upper(), path) for path, ops in schema["paths"].items() for m in ops}


def test_every_endpoint_is_in_the_policy_table():
    pages = {n for n in url_names() if not n.startswith("api:") or n in PAGES}
    api_pages = {n for n in url_names() if n.startswith("api:")}
    # API operations are listed by method and path; their URL names are the view names.
    assert pages - set(PAGES) == set(), "pages missing from the policy table"
    assert api_operations() == set(API), "API operations missing from (or extra in) the table"
    assert {"api:api-root", "api:openapi-json", "api:openapi-view"} <= api_pages | set(PAGES)


def sees(world, username: str, path: str, permission: str) -> bool:
    role, scope = world.user_scope[username]
    return permission in GRANTS[role] and path.startswith(scope)


def object_path(world, kind: str, key: str) -> str:
    if kind == "area":
        return world.areas[key].path
    if kind == "household":
        return world.households[key].area_path
    return world.residents[key].area_path


def user_keys():
    from shequ.testing.world import STREETS  # noqa: F401 - the world is built lazily

    roles = [
        "street_admin@A",
        "auditor@A",
        "community_secretary@A1",
        "community_staff@A1",
        "partner_unit@A1",
        "grid_worker@A1-1",
        "building_head@A1-1-b",
        "resident@A1-1-h1",
        "community_secretary@B2",
        "grid_worker@B2-2",
        "resident@B2-2-h2",
        "auditor@B",
    ]
    return roles


def _staff_list(client, user, url, permission):
    """The ids a staff list holds; one who holds ``permission`` nowhere is refused (403),
    as the list's page refuses them, rather than shown an empty list."""
    from shequ.access.scope import has_anywhere

    r = client.get(url)
    if not has_anywhere(user, permission):
        assert r.status_code == 403, url
        return set()
    return {i["id"] for i in r.json()["items"]}


@pytest.mark.parametrize("user_key", user_keys())
def test_role_sees_exactly_its_scope(world, user_key):
    user = world.users[user_key]
    username = user.username
    m = Matrix(user)
    client = m.client
    # Details: 200 in scope, the same 404 out of scope or missing.
    for key in AREA_KEYS:
        area = world.areas[key]
        ok = sees(world, username, area.path, Permission.AREA_VIEW)
        assert client.get(f"/areas/{area.code}/").status_code == (200 if ok else 404), key
        assert client.get(f"/api/v1/areas/{area.code}").status_code == (200 if ok else 404), key
        ok_stats = sees(world, username, area.path, Permission.STATS_VIEW)
        r = client.get(f"/api/v1/areas/{area.code}/stats")
        assert r.status_code == (200 if ok_stats else 404), key
    for key in RESIDENT_KEYS:
        resident = world.residents[key]
        ok = sees(world, username, resident.area_path, Permission.RESIDENT_VIEW)
        assert client.get(f"/residents/{resident.pk}/").status_code == (200 if ok else 404), key
        assert client.get(f"/api/v1/residents/{resident.pk}").status_code == (200 if ok else 404)
        unmask_ok = sees(world, username, resident.area_path, Permission.UNMASK_ID_NUMBER)
        expected = 200 if unmask_ok else (400 if ok else 404)
        r = client.post(f"/residents/{resident.pk}/unmask/", {"field": "id_number", "reason": "核对户籍"})
        assert r.status_code == expected, key
        r = client.post(
            f"/api/v1/residents/{resident.pk}/unmask",
            json.dumps({"field": "id_number", "reason": "核对户籍"}),
            content_type="application/json",
        )
        assert r.status_code == expected, key
        if unmask_ok:
            assert r.json()["value"] == world.full_values[resident.pk][0]
        # 更正姓名 (an empty name: refused as such once past the scope and the right).
        rename_ok = sees(world, username, resident.area_path, Permission.REGISTRY_IMPORT)
        expected = 400 if rename_ok else (403 if ok else 404)
        assert client.post(f"/residents/{resident.pk}/name/", {"name": ""}).status_code == expected, key
        # 更改党员信息 (a kind that is none: refused as such once past the scope and the right).
        r = client.post(f"/residents/{resident.pk}/party/", {"party_member_kind": "nonsense"})
        assert r.status_code == expected, key
        r = client.post(
            f"/api/v1/residents/{resident.pk}/name",
            json.dumps({"name": " "}),
            content_type="application/json",
        )
        assert r.status_code == expected, key
        # 更正身份证号 (none given: refused as such once past the scope and the right).
        fix_ok = sees(world, username, resident.area_path, Permission.UNMASK_ID_NUMBER)
        expected = 400 if fix_ok else (403 if ok else 404)
        r = client.post(f"/residents/{resident.pk}/id-number/", {"id_number": ""})
        assert r.status_code == expected, key
        r = client.post(
            f"/api/v1/residents/{resident.pk}/id-number",
            json.dumps({"id_number": ""}),
            content_type="application/json",
        )
        assert r.status_code == expected, key
    for key in HOUSEHOLD_KEYS:
        household = world.households[key]
        ok = sees(world, username, household.area_path, Permission.RESIDENT_VIEW)
        assert client.get(f"/households/{household.pk}/").status_code == (200 if ok else 404), key
    missing = 10**9
    assert client.get(f"/residents/{missing}/").status_code == 404
    assert client.get(f"/api/v1/residents/{missing}").status_code == 404
    assert client.get("/api/v1/areas/000000000").status_code == 404

    # Lists never hold out-of-scope rows, and hold every in-scope world row.
    ids = {r["id"] for r in client.get("/api/v1/residents/?page=1").json()["items"]}
    for key, resident in world.residents.items():
        ok = sees(world, username, resident.area_path, Permission.RESIDENT_VIEW)
        assert (resident.pk in ids) == ok, key
    page = client.get("/residents/").content.decode()
    for key, resident in world.residents.items():
        ok = sees(world, username, resident.area_path, Permission.RESIDENT_VIEW)
        assert (f'href="/residents/{resident.pk}/"' in page) == ok, key
    items = client.get("/api/v1/areas/").json()["items"]
    _, scope = world.user_scope[username]
    for item in items:
        assert sees(world, username, item["path"], Permission.AREA_VIEW), item["code"]
    codes = {item["code"] for item in items}
    for key, area in world.areas.items():
        assert (area.code in codes) == sees(world, username, area.path, Permission.AREA_VIEW), key
    home = client.get("/", follow=True).content.decode()
    for code in re.findall(r'href="/areas/([^/"]+)/"', home):
        path = next((a.path for a in world.areas.values() if a.code == code), None)
        assert path is None or sees(world, username, path, Permission.AREA_VIEW), code
    # The audit log shows only rows of the auditor's own street.
    log = client.get("/audit/").content.decode()
    for street in (world.areas["A"], world.areas["B"]):
        if not sees(world, username, street.path, Permission.AUDIT_VIEW):
            assert street.path not in log
    verify = client.post("/audit/verify/")
    assert verify.status_code == (200 if "auditor" in user_key else 403)

    # Problems: visible in the problem scope, and to their reporter.
    problems = {key: _problem(world, key) for key in ("A1-1-h1", "B2-2-h2")}
    o311_key = add_open311_key(user, "矩阵照片")[1]
    listed = {i["id"] for i in client.get("/api/v1/problems/").json()["items"]}
    board = client.get("/problems/", follow=True).content.decode()
    for key, problem in problems.items():
        reporter = world.users[f"resident@{key}"]
        ok = sees(world, username, problem.area_path, Permission.PROBLEM_VIEW) or reporter.pk == user.pk
        in_scope = sees(world, username, problem.area_path, Permission.PROBLEM_VIEW)
        assert client.get(f"/problems/{problem.pk}/").status_code == (200 if ok else 404), key
        assert client.get(f"/api/v1/problems/{problem.pk}").status_code == (200 if ok else 404), key
        photo = problem.photos.first()
        assert client.get(f"/problems/photos/{photo.pk}/").status_code == (200 if ok else 404), key
        r = client.get(f"/open311/v2/media/{photo.pk}.jpg", {"api_key": o311_key})
        assert r.status_code == (200 if ok else 404), key  # a 311 client's media_url
        assert (problem.pk in listed) == in_scope, key
        assert (f'href="/problems/{problem.pk}/"' in board) == ok, key
        r = client.post(
            f"/api/v1/problems/{problem.pk}/transitions",
            json.dumps({"action": "accept"}),
            content_type="application/json",
        )
        can_triage = sees(world, username, problem.area_path, Permission.PROBLEM_TRIAGE)
        assert r.status_code == (200 if can_triage else (400 if ok else 404)), key
    # The overview of an area: only for who sees all of it (a part would pass for the whole).
    for key in ("A", "A1", "A1-1", "B2"):
        area = world.areas[key]
        r = client.get("/problems/overview/", {"area": area.code})
        assert r.status_code == (200 if sees(world, username, area.path, Permission.PROBLEM_VIEW) else 404), (
            key
        )
    # Ledgers and their export: only over areas with the export permission.
    for key in ("A1", "B2"):
        area = world.areas[key]
        ok = sees(world, username, area.path, Permission.PROBLEM_EXPORT)
        r = client.get("/problems/ledgers/export/", {"area": area.code, "month": "202611"})
        assert r.status_code == (200 if ok else 404), key

    # Tasks, claims and orders (issue 4): staff by scope, claimers by community, owners.
    made = {}
    for key in ("A1-1", "B2-2"):
        task, claim, order, item = made[key] = _task_claim_order(world, key)
        household = f"{key}-h1" if key == "A1-1" else f"{key}-h2"
        claimant = world.users[f"resident@{household}"]
        community_path = world.areas[key[:2]].path
        role, scope = world.user_scope[username]
        claimer = role in ("resident", "partner_unit") and scope.startswith(community_path)
        ok = sees(world, username, task.area_path, Permission.TASK_VIEW) or claimer
        assert client.get(f"/tasks/{task.pk}/").status_code == (200 if ok else 404), key
        assert client.get(f"/api/v1/tasks/{task.pk}").status_code == (200 if ok else 404), key
        listed = {i["id"] for i in client.get("/api/v1/tasks/").json()["items"]}
        # A claimer's list holds what they may claim: a partner unit's login may open its
        # community's public task but claims only tasks aimed at its unit.
        claims = sees(world, username, task.area_path, Permission.TASK_VIEW) or (
            claimer and role == "resident"
        )
        assert (task.pk in listed) == claims, key
        attachment = task.attachments.first()
        assert client.get(f"/tasks/attachments/{attachment.pk}/").status_code == (200 if ok else 404), key
        ok_manage = sees(world, username, task.area_path, Permission.TASK_MANAGE)
        edit = client.get(f"/tasks/{task.pk}/edit/").status_code
        # The task is published: a manager gets its page saying only drafts are edited.
        assert edit == (400 if ok_manage else (403 if ok else 404)), key
        r = client.post(f"/api/v1/tasks/{task.pk}/attachments", {})
        assert r.status_code == (400 if ok else 404), key  # no files (or no right): 400
        if ok_manage:
            assert "请选择要上传的照片或视频" in r.json()["fields"]["files"], key
        r = client.post(f"/tasks/{task.pk}/attachments/", {})  # the task page's form
        assert r.status_code == (400 if ok else 404), key
        if ok:
            why = "请选择要上传的照片或视频" if ok_manage else "您无权为该任务添加附件"
            assert why in r.content.decode(), key
        own = claimant.pk == user.pk
        ok_claim = own or sees(world, username, claim.area_path, Permission.TASK_VIEW)
        assert client.get(f"/tasks/claims/{claim.pk}/").status_code == (200 if ok_claim else 404), key
        assert client.get(f"/api/v1/claims/{claim.pk}").status_code == (200 if ok_claim else 404), key
        proof = claim.proofs.first()
        assert client.get(f"/tasks/proofs/{proof.pk}/").status_code == (200 if ok_claim else 404), key
        r = client.post(f"/api/v1/claims/{claim.pk}/withdraw")
        assert r.status_code == (400 if ok_claim else 404), key  # submitted: no withdrawal
        r = client.post(
            f"/api/v1/claims/{claim.pk}/release",
            json.dumps({"reason": "矩阵"}),
            content_type="application/json",
        )
        assert r.status_code == (400 if ok_claim else 404), key  # submitted: reviewed, not released
        ok_order = own or sees(world, username, order.area_path, Permission.STORE_MANAGE)
        assert client.get(f"/points/orders/{order.pk}/").status_code == (200 if ok_order else 404), key
        assert client.get(f"/api/v1/store/orders/{order.pk}").status_code == (200 if ok_order else 404), key
        r = client.post(
            f"/api/v1/store/orders/{order.pk}/transitions",
            json.dumps({"action": "deliver"}),
            content_type="application/json",
        )
        assert r.status_code == (400 if ok_order else 404), key  # placed: not yet shipped
        fulfil = _staff_list(client, user, "/api/v1/store/orders/?fulfil=true", Permission.STORE_MANAGE)
        assert (order.pk in fulfil) == sees(world, username, order.area_path, Permission.STORE_MANAGE), key
        ok_item = sees(world, username, item.area_path, Permission.STORE_MANAGE)
        r = client.post(
            f"/api/v1/store/items/{item.pk}/stock", json.dumps({"add": 1}), content_type="application/json"
        )
        assert r.status_code == (200 if ok_item else 404), key
        r = client.patch(
            f"/api/v1/store/items/{item.pk}",
            json.dumps({"description": "每袋5公斤"}),
            content_type="application/json",
        )
        assert r.status_code == (200 if ok_item else 404), key
        # The buyer's points account: read by staff of its community, the same 404 otherwise.
        account = order.account
        ok_account = sees(world, username, account.area_path, Permission.POINTS_VIEW)
        assert client.get(f"/points/accounts/{account.pk}/").status_code == (200 if ok_account else 404), key
        r = client.get(f"/api/v1/points/accounts/{account.pk}/entries")
        assert r.status_code == (200 if ok_account else 404), key
        listed = _staff_list(client, user, "/api/v1/points/accounts", Permission.POINTS_VIEW)
        assert (account.pk in listed) == ok_account, key
        r = client.post(
            f"/api/v1/points/accounts/{account.pk}/opening",
            json.dumps({"points": 1, "memo": "结转"}),
            content_type="application/json",
        )
        # The account has its one carry-over already: whoever may manage it is past the
        # scope check and told so (400), anyone else gets the same 404.
        if sees(world, username, account.area_path, Permission.POINTS_MANAGE):
            assert r.status_code == 400 and "不能重复录入" in r.json()["fields"]["points"], key
        else:
            assert r.status_code == 404, key
        area = world.areas[key[:2]]
        ok_rank = sees(world, username, area.path, Permission.POINTS_VIEW)
        r = client.get("/api/v1/points/rankings", {"community": area.code})
        assert r.status_code == (200 if ok_rank else 404), key
    # Registry import runs and the resident export (issue 5).
    for key in ("A1", "B2"):
        run = _import_run(world, key)
        ok = sees(world, username, run.area_path, Permission.REGISTRY_IMPORT)
        for url in ("", "progress/", "errors/"):
            expected = (404 if url == "errors/" else 200) if ok else 404  # no errors file: 404 too
            assert client.get(f"/registry/import/{run.pk}/{url}").status_code == expected, (key, url)
        assert client.get(f"/api/v1/registry/imports/{run.pk}").status_code == (200 if ok else 404), key
        r = client.post(f"/registry/import/{run.pk}/confirm/")
        assert r.status_code == (400 if ok else 404), key  # not checked yet: refused, in scope
        listed = {i["id"] for i in client.get("/api/v1/registry/imports").json()["items"]}
        assert (run.pk in listed) == ok, key
        area = world.areas[key]
        ok = sees(world, username, area.path, Permission.REGISTRY_EXPORT)
        assert client.get("/residents/export/", {"area": area.code}).status_code == (200 if ok else 404), key
        r = client.get("/api/v1/residents/export", {"area": area.code})
        assert r.status_code == (200 if ok else 404), key
        # Full values: a POST with a reason; in scope, refused (400) without unmask rights.
        role = world.user_scope[username][0]
        unmask = Permission.UNMASK_ID_NUMBER in GRANTS[role] or Permission.UNMASK_PHONE in GRANTS[role]
        full = 200 if ok and unmask else (400 if ok else 404)
        r = client.post("/residents/export/", {"area": area.code, "reason": "年度核查"})
        assert r.status_code == full, key
        r = client.post(
            "/api/v1/residents/export",
            {"area": area.code, "reason": "年度核查"},
            content_type="application/json",
        )
        assert r.status_code == full, key
    # Visits, floating population and care groups (issue 5).
    for key in ("A1-1-h1", "B2-2-h2"):
        household = world.households[key]
        ok = sees(world, username, household.area_path, Permission.VISIT_RECORD)
        visit = _visit(world, key)
        need = visit.needs.get()
        assert client.get(f"/households/{household.pk}/visits/new/").status_code == (200 if ok else 404), key
        assert client.get(f"/visits/{visit.pk}/").status_code == (200 if ok else 404), key
        assert client.get(f"/api/v1/visits/{visit.pk}").status_code == (200 if ok else 404), key
        r = client.post(f"/visits/needs/{need.pk}/problem/", {"category": "nope"})
        assert r.status_code == (400 if ok else 404), key  # in scope: the category is refused
        r = client.post(
            f"/api/v1/visit-needs/{need.pk}/problem",
            json.dumps({"category": "nope"}),
            content_type="application/json",
        )
        assert r.status_code == (400 if ok else 404), key
        r = client.post(
            f"/api/v1/households/{household.pk}/visits", json.dumps({}), content_type="application/json"
        )
        assert r.status_code == 422, key  # the body is checked before the household
        listed = {v["id"] for v in client.get("/api/v1/visits/").json()["items"]}
        assert (visit.pk in listed) == ok, key
        resident = world.residents[f"{key}-r1"]
        ok = sees(world, username, resident.area_path, Permission.FLOATING_MANAGE)
        assert client.get(f"/residents/{resident.pk}/floating/").status_code == (200 if ok else 404), key
        r = client.put(f"/api/v1/residents/{resident.pk}/floating", "{}", content_type="application/json")
        assert r.status_code == (
            400 if ok and resident.residence_type != "floating" else 200 if ok else 404
        ), key
        ok = sees(world, username, resident.area_path, Permission.CARE_MANAGE)
        assert client.get(f"/residents/{resident.pk}/care/").status_code == (200 if ok else 404), key
        r = client.get(f"/api/v1/residents/{resident.pk}/care-records")
        assert r.status_code == (200 if ok else 404), key
        r = client.post(
            f"/api/v1/residents/{resident.pk}/care-records", "{}", content_type="application/json"
        )
        assert r.status_code == 422, key
        r = client.post(
            f"/api/v1/residents/{resident.pk}/care-records",
            json.dumps({"kind": "phone", "content": ""}),
            content_type="application/json",
        )
        assert r.status_code == (400 if ok else 404), key
    for key in ("A1", "B2"):
        area = world.areas[key]
        ok = sees(world, username, area.path, Permission.VISIT_RECORD)
        r = client.get("/api/v1/visits/coverage", {"area": area.code, "month": "202611"})
        assert r.status_code == (200 if ok else 404), key
        assert client.get("/visits/coverage/", {"area": area.code}).status_code == (200 if ok else 404), key
        grid = world.areas[f"{key}-1"]
        plan = {"grid": grid.code, "month": "202611", "worker_id": 0, "target_households": 1}
        r = client.post("/api/v1/visit-plans", json.dumps(plan), content_type="application/json")
        ok_plan = sees(world, username, grid.path, Permission.VISIT_PLAN)
        assert r.status_code == (400 if ok_plan else 404), key  # worker 0 is refused
        for url, perm in (
            ("/floating/", Permission.FLOATING_MANAGE),
            ("/floating/landlords/", Permission.FLOATING_MANAGE),
            ("/care/", Permission.CARE_MANAGE),
            ("/floating/export/", Permission.FLOATING_MANAGE),
            ("/care/export/", Permission.CARE_MANAGE),
            ("/visits/", Permission.VISIT_RECORD),
            ("/visits/unvisited/", Permission.VISIT_RECORD),
        ):
            ok = sees(world, username, area.path, perm)
            assert client.get(url, {"area": area.code}).status_code == (200 if ok else 404), (key, url)
        for url, perm in (
            ("/api/v1/floating/", Permission.FLOATING_MANAGE),
            ("/api/v1/floating/landlords", Permission.FLOATING_MANAGE),
            ("/api/v1/households/unvisited", Permission.VISIT_RECORD),
            ("/api/v1/visits/", Permission.VISIT_RECORD),
        ):
            ok = sees(world, username, area.path, perm)
            assert client.get(url, {"area": area.code}).status_code == (200 if ok else 404), (key, url)
        ok = sees(world, username, area.path, Permission.CARE_MANAGE)
        r = client.get("/api/v1/care/", {"area": area.code, "group": "elderly_60"})
        assert r.status_code == (200 if ok else 404), key
    unvisited = {h["id"] for h in client.get("/api/v1/households/unvisited", {"days": 1}).json()["items"]}
    for key, household in world.households.items():
        if key in ("A1-1-h1", "B2-2-h2"):
            assert household.pk not in unvisited  # visited above, today
            continue
        ok = sees(world, username, household.area_path, Permission.VISIT_RECORD)
        assert (household.pk in unvisited) == ok, key
    can_import = Permission.REGISTRY_IMPORT in GRANTS[world.user_scope[username][0]]
    assert client.get("/registry/import/").status_code == (200 if can_import else 404)
    assert client.get("/registry/import/template/").status_code == (200 if can_import else 404)

    # Members of a partner unit: resource.manage over the unit (and over the person).
    from shequ.tasks import services as tasks

    unit = tasks.add_unit(
        world.secretary_zhang,
        tasks.UnitInput(name="矩阵共建单位", kind="social_org", area=world.areas["A1"].code),
    )
    ok_unit = sees(world, username, unit.area_path, Permission.RESOURCE_MANAGE)
    r = client.post(
        f"/api/v1/resources/units/{unit.pk}/members",
        json.dumps({"username": world.users["partner_unit@A1"].username}),
        content_type="application/json",
    )
    assert r.status_code == (201 if ok_unit else 404), (username, r.content[:200])
    if not ok_unit:  # someone in scope adds the member this role then tries to remove
        tasks.add_unit_member(world.secretary_zhang, unit.pk, world.users["partner_unit@A1"])
    # 可提供的服务: the unit's own members alone, whatever else they may do there.
    member = username == world.users["partner_unit@A1"].username
    r = m.call("GET", f"/tasks/units/{unit.pk}/offer/")
    assert r.status_code == (200 if member else 404), (username, r.status_code)
    r = m.call("POST", f"/tasks/units/{unit.pk}/offer/", {"services": "矩阵服务：用电安全检查"})
    assert r.status_code == (302 if member else 404), (username, r.status_code)
    r = client.delete(f"/api/v1/resources/units/{unit.pk}/members/{world.users['partner_unit@A1'].pk}")
    assert r.status_code == (200 if ok_unit else 404), (username, r.content[:200])
    # 双报到: recorded and ended by task.manage over the community, listed by task.view.
    from shequ.party import services as party

    ok_dual = sees(world, username, world.areas["A1"].path, Permission.TASK_MANAGE)
    r = m.call(
        "POST",
        "/api/v1/party/dual-registrations",
        {"community": world.areas["A1"].code, "username": world.users["partner_unit@B1"].username},
    )
    assert r.status_code == (201 if ok_dual else 404), (username, r.content[:200])
    dual = r.json()["id"] if ok_dual else None
    if dual is None:  # someone in scope records the member this role then tries to list and end
        dual = party.register_dual(
            world.secretary_zhang, world.areas["A1"].code, world.users["partner_unit@B1"].username
        ).pk
    held = Permission.TASK_VIEW in GRANTS[world.user_scope[username][0]]
    seen_dual = sees(world, username, world.areas["A1"].path, Permission.TASK_VIEW)
    assert _list_answer(m.call("GET", "/api/v1/party/dual-registrations"), held, dual, seen_dual), username
    r = m.call("DELETE", f"/api/v1/party/dual-registrations/{dual}")
    assert r.status_code == (204 if ok_dual else 404), (username, r.content[:200])
    if ok_dual:  # ended above: recorded again for the page's 撤销
        dual = party.register_dual(
            world.secretary_zhang, world.areas["A1"].code, world.users["partner_unit@B1"].username
        ).pk
    page = m.call("GET", "/party/dual/")
    assert page.status_code == (200 if held else 403), username
    assert (f'id="dual-{dual}"' in page.content.decode()) == seen_dual, username
    r = m.call("POST", f"/party/dual/{dual}/end/")
    assert r.status_code == (302 if ok_dual else 404), (username, r.content[:200])
    # Correcting a resource, and removing a skill: resource.manage where it is.
    team = tasks.add_team(world.secretary_zhang, "矩阵服务队", "volunteer", world.areas["A1"].code)
    venue = tasks.add_venue(world.secretary_zhang, "矩阵活动室", "venue", world.areas["A1"].code, "", 20)
    skilled = world.residents["A1-1-h1-r1"]
    talent = tasks.add_talent(world.secretary_zhang, skilled.pk, "able", "电工", "家电维修")
    for url, body in (
        (f"/api/v1/resources/units/{unit.pk}", {"contact_name": "矩阵联系人"}),
        (f"/api/v1/resources/teams/{team.pk}", {"leader": "矩阵队长"}),
        (f"/api/v1/resources/venues/{venue.pk}", {"capacity": 30}),
    ):
        r = client.patch(url, json.dumps(body), content_type="application/json")
        assert r.status_code == (200 if ok_unit else 404), (username, url, r.content[:200])
    r = client.delete(f"/api/v1/resources/talents/{talent.pk}")
    ok_talent = sees(world, username, skilled.area_path, Permission.RESOURCE_MANAGE)
    assert r.status_code == (204 if ok_talent else 404), (username, r.content[:200])
    # A unit's full contact phone: seen where the unit is, read with unmask rights there.
    phoned = tasks.add_unit(
        world.secretary_zhang,
        tasks.UnitInput(
            name="矩阵电话单位", kind="department", area=world.areas["A1"].code, contact_phone="13800138000"
        ),
    )
    seen = sees(world, username, phoned.area_path, Permission.RESOURCE_VIEW)
    full = seen and sees(world, username, phoned.area_path, Permission.UNMASK_PHONE)
    for r in (
        client.post(f"/tasks/units/{phoned.pk}/unmask/", {"reason": "联系检修"}),
        client.post(
            f"/api/v1/resources/units/{phoned.pk}/contact-phone",
            json.dumps({"reason": "联系检修"}),
            content_type="application/json",
        ),
    ):
        assert r.status_code == (200 if full else 400 if seen else 404), (username, r.content[:200])
        assert ("13800138000" in r.content.decode()) == full

    _every_other_endpoint(world, m, user, made)
    assert not m.wrong, "\n".join(m.wrong)
    pages, operations = m.untried()
    assert not pages and not operations, f"rows of the policy table no request reached: {pages} {operations}"


class RecordingClient(Client):
    """A test client that tells ``note`` the method and path of every request."""

    def __init__(self, note):
        super().__init__()
        self._note = note

    def request(self, **request):
        self._note(request["REQUEST_METHOD"], request["PATH_INFO"])
        return super().request(**request)


def _list_answer(r, held, row_id, listed):
    """A staff list: refused (403, as its page) to a role that holds its permission
    nowhere; otherwise 200, holding the row exactly when ``listed``."""
    if not held:
        return r.status_code == 403
    return r.status_code == 200 and (row_id in {x["id"] for x in r.json()["items"]}) == listed


class Matrix:
    """Notes which policy-table row each request reached, and every answer that differs
    from what the table says, so one run lists all the differences and the test can
    check that every row was tried."""

    def __init__(self, user=None):
        self.client = RecordingClient(self.note)
        if user is not None:
            self.client.force_login(user)
        self.pages: set[str] = set()
        self.ops: set[tuple[str, str]] = set()
        self.wrong: list[str] = []

    def note(self, method: str, path: str) -> None:
        from django.urls import Resolver404, resolve

        operations = {
            (m, template)
            for m, template in API
            if m == method and re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path)
        }
        literal = {op for op in operations if op[1] == path}  # /residents/export, not /residents/{id}
        if operations:  # an API operation (its URL name is its view's)
            self.ops |= literal or operations
            return
        try:
            match = resolve(path)
        except Resolver404:
            return
        self.pages.add(f"{match.namespace}:{match.url_name}" if match.namespace else str(match.url_name))

    def call(self, method: str, url: str, data=None, multipart: bool = False):
        send = getattr(self.client, method.lower())
        if url.startswith("/api/") and method != "GET" and not multipart:
            return send(url, json.dumps(data), content_type="application/json")
        return send(url, data or {})

    def expect(self, label, response, *codes):
        if response.status_code not in codes:
            self.wrong.append(f"{label}: {response.status_code}, expected {codes} {response.content[:150]!r}")
        return response

    def check(self, label, ok: bool) -> None:
        if not ok:
            self.wrong.append(label)

    def untried(self) -> tuple[set[str], set[tuple[str, str]]]:
        return set(PAGES) - self.pages, set(API) - self.ops


def _reports_in(world, username: str, path: str) -> bool:
    """May report there: in scope, or anywhere in a community where they report."""
    role, scope = world.user_scope[username]
    if Permission.PROBLEM_REPORT not in GRANTS[role]:
        return False
    parts = scope.strip("/").split("/")
    return path.startswith(scope) or (len(parts) >= 2 and path.startswith(f"/{parts[0]}/{parts[1]}/"))


def _claimer_of(world, username: str, path: str) -> bool:
    """A resident of the community of ``path`` (who may claim its public tasks)."""
    role, scope = world.user_scope[username]
    community = "/".join(path.split("/")[:3]) + "/"
    return role == "resident" and scope.startswith(community)


def _every_other_endpoint(world, m: Matrix, user, made) -> None:
    """The pages and API operations the scope checks above do not reach, each tried by
    the role against records inside and outside its scope (``made``: per grid, the task,
    claim, order and item the first part made)."""
    from shequ.notifications import services as notes
    from shequ.points import services as points
    from shequ.problems import monthly
    from shequ.problems import services as problems
    from shequ.problems.tests.helpers import grid_point, jpeg
    from shequ.tasks import services as tasks
    from shequ.tasks.tests.helpers import make_task

    username = user.username
    role, scope = world.user_scope[username]

    def has(perm):
        return perm in GRANTS[role]

    # What every signed-in user has: their own lists, the public notice, the API's schema.
    for url in ["/problems/mine/", "/tasks/mine/", "/points/", "/points/store/", "/points/orders/"]:
        m.expect(url, m.call("GET", url), 200)
    for url in [
        "/notifications/",
        "/password/",
        "/api/v1/openapi.json",
        "/api/v1/docs",
        "/api/v1/problem-categories/",
    ]:
        m.expect(url, m.call("GET", url), 200)
    for url in ["/api/v1/notifications/", "/api/v1/points/balance", "/api/v1/points/entries"]:
        m.expect(url, m.call("GET", url), 200)
    m.expect("api root (no page of its own)", m.call("GET", "/api/v1/"), 404)
    for url in [
        "/open311/v2/discovery.xml",
        "/open311/v2/services.json",
        "/open311/v2/services/garbage.json",
    ]:
        m.expect(url, m.call("GET", url), 200)
    for key in ("A1", "B2"):
        code = world.areas[key].code
        m.expect(f"notice {key}", m.call("GET", f"/points/notice/{code}/"), 200)
        m.expect(f"api notice {key}", m.call("GET", f"/api/v1/points/notice/{code}"), 200)
    m.expect("notice of a street", m.call("GET", f"/points/notice/{world.areas['A'].code}/"), 404)
    m.expect("api notice of a street", m.call("GET", f"/api/v1/points/notice/{world.areas['A'].code}"), 404)
    # Notices: one's own opens, another's is the same 404 as a missing one.
    other = world.users[
        "resident@B2-2-h2" if user.pk == world.users["resident@A1-1-h1"].pk else "resident@A1-1-h1"
    ]
    notes.notify([user, other], "矩阵通知", "/tasks/")
    mine = Notification.objects.filter(user=user).latest("pk")
    theirs = Notification.objects.filter(user=other).latest("pk")
    m.expect("open own notice", m.call("GET", f"/notifications/{mine.pk}/open/"), 302)
    m.expect("open another's notice", m.call("GET", f"/notifications/{theirs.pk}/open/"), 404)
    m.expect("api read another's notice", m.call("POST", f"/api/v1/notifications/{theirs.pk}/read", {}), 404)
    m.expect("api read own notice", m.call("POST", f"/api/v1/notifications/{mine.pk}/read", {}), 200)
    m.expect("read all", m.call("POST", "/notifications/read/"), 302)
    m.expect("api read all", m.call("POST", "/api/v1/notifications/read", {}), 200)
    theirs.refresh_from_db()
    m.check("another's notice was left unread", theirs.read_at is None)

    # Pages a permission opens, whatever the area: refused to a role without it, by the
    # problem pages with the same 404 as a missing page, by the others with 403 and why.
    for url, perm, refused in (
        ("/problems/new/", Permission.PROBLEM_REPORT, 403),
        ("/problems/counts/", Permission.PROBLEM_VIEW, 404),
        ("/problems/ledgers/", Permission.PROBLEM_EXPORT, 404),
        ("/problems/reports/", Permission.PROBLEM_EXPORT, 404),
        ("/problems/categories/", Permission.PROBLEM_CATALOGUE, 404),
        ("/problems/agenda/", Permission.PROBLEM_TRIAGE, 404),
        ("/tasks/new/", Permission.TASK_MANAGE, 403),
        ("/tasks/queue/", Permission.TASK_ACCEPT, 403),
        ("/tasks/monthly/", Permission.TASK_VIEW, 403),
        ("/tasks/resources/", Permission.RESOURCE_VIEW, 403),
        ("/points/fulfil/", Permission.STORE_MANAGE, 403),
        ("/points/catalogue/", Permission.STORE_MANAGE, 403),
        ("/points/service/", Permission.POINTS_MANAGE, 403),
        ("/points/reversals/", Permission.POINTS_MANAGE, 403),
        ("/points/accounts/", Permission.POINTS_VIEW, 403),
        ("/points/rankings/", Permission.POINTS_VIEW, 403),
    ):
        m.expect(url, m.call("GET", url), 200 if has(perm) else refused)
    # The map without an area: a role that sees no problems is sent to its own.
    r = m.call("GET", "/problems/map/")
    if has(Permission.PROBLEM_VIEW):
        m.expect("map", r, 200)
    else:
        m.check(f"map sends {role} to 我的问题", r.status_code == 302 and r["Location"] == "/problems/mine/")
    # Pages of one area: the whole area must be the viewer's.
    for key in ("A1", "B2"):
        area = world.areas[key]
        for url, perm in (
            ("/problems/map/", Permission.PROBLEM_VIEW),
            ("/problems/counts/", Permission.PROBLEM_VIEW),
            ("/problems/ledgers/", Permission.PROBLEM_EXPORT),
            ("/visits/export/", Permission.VISIT_RECORD),
            ("/visits/unvisited/export/", Permission.VISIT_RECORD),
            ("/floating/landlords/export/", Permission.FLOATING_MANAGE),
        ):
            ok = sees(world, username, area.path, perm)
            m.expect(f"{url}?area={key}", m.call("GET", url, {"area": area.code}), 200 if ok else 404)
        ok = sees(world, username, area.path, Permission.POINTS_VIEW)
        r = m.call("GET", "/points/rankings/", {"community": area.code})
        # The page's community select says "不存在或不在您的管辖范围内" for both.
        m.expect(f"rankings of {key}", r, 200 if ok else (400 if has(Permission.POINTS_VIEW) else 403))

    # Problems: acting, following, the inbox, the agenda, the monthly report.
    # Open311's only credential: a key issued for the account, never its API token.
    open311 = {"api_key": add_open311_key(user, "权限矩阵")[1]}
    for key in ("A1-1", "B2-2"):
        household = f"{key}-h1" if key == "A1-1" else f"{key}-h2"
        reporter = world.users[f"resident@{household}"]
        problem = _problem(world, household)
        path = problem.area_path
        visible = sees(world, username, path, Permission.PROBLEM_VIEW) or reporter.pk == user.pk
        triage = sees(world, username, path, Permission.PROBLEM_TRIAGE)
        r = m.call("POST", f"/problems/{problem.pk}/act/", {"action": "accept"})
        m.expect(f"accept {key} on the page", r, 302 if triage else (400 if visible else 404))
        problem.refresh_from_db()
        m.check(
            f"page accept of {key} changed the status only if allowed",
            (problem.status == "accepted") == triage,
        )
        # A neighbour at the same spot follows it; the lookup shows it to who reports there.
        lon, lat = grid_point(world, key)
        near = _reports_in(world, username, path)
        r = m.call("GET", "/problems/nearby/", {"category": problem.category.code, "lon": lon, "lat": lat})
        m.expect(f"nearby {key}", r, 200)
        m.check(
            f"nearby {key} lists it only to who reports there",
            (f"/problems/{problem.pk}/" in r.content.decode()) == near,  # its link, or 关注
        )
        r = m.call(
            "GET", "/api/v1/problems/nearby", {"category": problem.category.code, "lon": lon, "lat": lat}
        )
        m.expect(f"api nearby {key}", r, 200)
        listed = {row["id"] for row in r.json()["items"]} if r.status_code == 200 else set()
        m.check(f"api nearby {key} lists it only to who reports there", (problem.pk in listed) == near)
        r = m.call("GET", "/api/v1/problems/by-number", {"number": problem.number})
        m.expect(f"api by-number {key}", r, 200 if visible else 400)
        m.expect(
            f"follow {key}",
            m.call("POST", f"/problems/{problem.pk}/follow/", {"lon": lon, "lat": lat}),
            302 if near else 404,
        )
        other = _problem(world, household)
        r = m.call("POST", f"/api/v1/problems/{other.pk}/follow", {"lon": lon, "lat": lat})
        m.expect(f"api follow {key}", r, 200 if near else 404)
        # Reporting through the API at a pin in the grid.
        r = m.call(
            "POST",
            "/api/v1/problems/",
            {"category": "blocked_drain", "description": "矩阵：下水道堵塞", "lon": lon, "lat": lat},
            multipart=True,
        )
        m.expect(f"api report in {key}", r, 201 if near else 400)  # "只能上报您所在社区…"
        # The same through Open311, where a session without api_key is refused (403).
        sent = {"service_code": "blocked_drain", "description": "矩阵：下水道堵塞", "lat": lat, "long": lon}
        r = m.call("POST", "/open311/v2/requests.json", {**open311, **sent})
        m.expect(f"open311 report in {key}", r, 200 if near else 400)
        m.expect(
            f"open311 report in {key} by session", m.call("POST", "/open311/v2/requests.json", sent), 403
        )
        r = m.call("GET", f"/open311/v2/requests/{problem.number}.json", open311)
        # Who followed it above (near) opens it too, as GET /api/v1/problems/{id}.
        m.expect(f"open311 request {key}", r, 200 if visible or near else 404)
        r = m.call("GET", "/open311/v2/requests.json", open311)
        numbers = {row["service_request_id"] for row in r.json()} if r.status_code == 200 else set()
        in_scope = sees(world, username, path, Permission.PROBLEM_VIEW)
        m.check(f"open311 list {key}", r.status_code == 200 and (problem.number in numbers) == in_scope)
        m.expect(f"open311 list {key} by session", m.call("GET", "/open311/v2/requests.json"), 403)
        # Dispatched to the grid: in the inbox of who handles there.
        staff = world.users[f"community_secretary@{key[:2]}"]
        problems.transition(staff, other.pk, problems.TransitionInput(action="accept"))
        problems.transition(staff, other.pk, problems.TransitionInput(action="dispatch"))
        inbox = m.expect("inbox", m.call("GET", "/problems/inbox/"), 200).content.decode()
        other.refresh_from_db()  # routed to the grid's worker: theirs, not every handler's
        handles = other.assignee_id == user.pk
        m.check(
            f"inbox lists {key} only to its handlers", (f'href="/problems/{other.pk}/"' in inbox) == handles
        )
        # Escalated to the street: on the agenda of who triages there.
        escalated = _problem(world, household)
        problems.transition(staff, escalated.pk, problems.TransitionInput(action="accept"))
        problems.transition(
            staff, escalated.pk, problems.TransitionInput(action="escalate", note="需街道协调")
        )
        agenda = m.call("GET", "/problems/agenda/")
        m.expect("agenda", agenda, 200 if has(Permission.PROBLEM_TRIAGE) else 404)
        m.check(
            f"agenda lists {key} to triage staff only",
            (f'href="/problems/{escalated.pk}/"' in agenda.content.decode()) == triage,
        )
        item = escalated.agenda_item
        runs_meeting = sees(world, username, item.area_path, Permission.PROBLEM_TRIAGE)
        listed = m.expect(
            "agenda API",
            m.call("GET", "/api/v1/problem-agenda"),
            200 if has(Permission.PROBLEM_TRIAGE) else 403,
        )
        if listed.status_code == 200:
            m.check(
                f"agenda API lists {key} to triage staff only",
                (item.pk in {row["id"] for row in listed.json()["items"]}) == triage,
            )
        m.expect(
            f"mark {key} discussed (API)",
            m.call("POST", f"/api/v1/problem-agenda/{item.pk}/discussed"),
            200 if runs_meeting else 404,
        )
        m.expect(
            f"mark {key} discussed",
            m.call("POST", "/problems/agenda/", {"item": item.pk}),
            302 if runs_meeting else 404,
        )
    for key in ("A1", "B2"):
        area = world.areas[key]
        run = problems.request_monthly_report(
            world.users[f"community_secretary@{key}"], area.code, f"{timezone.localdate():%Y%m}"
        )
        monthly.run_report(run.pk)
        ok = sees(world, username, area.path, Permission.PROBLEM_EXPORT)
        m.expect(f"report run {key}", m.call("GET", f"/problems/reports/{run.pk}/"), 200 if ok else 404)
        for kind in ("xlsx", "docx"):
            r = m.call("GET", f"/problems/reports/{run.pk}/{kind}/")
            m.expect(f"report {kind} {key}", r, 200 if ok else 404)
        r = m.call("GET", f"/api/v1/problem-report-runs/{run.pk}")
        m.expect(f"report run {key} (API)", r, 200 if ok else 404)
        m.expect(
            f"send report {key}", m.call("POST", f"/problems/reports/{run.pk}/submit/"), 302 if ok else 404
        )
        # Sent already (above): refused with the reason where it may be seen at all.
        r = m.call("POST", f"/api/v1/problem-report-runs/{run.pk}/submit")
        m.expect(f"send report {key} again (API)", r, 400 if ok else 404)
        r = m.call("POST", "/api/v1/problem-report-runs", {"area": area.code, "month": ""})
        m.expect(f"request report {key} (API)", r, 201 if ok else 404)
        r = m.call("POST", "/problems/reports/", {"area": area.code, "month": f"{timezone.localdate():%Y%m}"})
        m.expect(
            f"request report {key}",
            r,
            302 if ok else 404,
        )

    exports = has(Permission.PROBLEM_EXPORT)
    for url in ("/api/v1/problem-report-runs", "/api/v1/problem-report-submissions"):
        m.expect(url, m.call("GET", url), 200 if exports else 403)

    # Tasks and claims.
    month = timezone.localdate().replace(day=1)
    months = [f"{(month + timedelta(days=31 * n)):%Y%m}" for n in (1, 2, 3)]
    for key in ("A1-1", "B2-2"):
        community = key[:2]
        secretary = world.users[f"community_secretary@{community}"]
        household = f"{key}-h1" if key == "A1-1" else f"{key}-h2"
        claimant = world.users[f"resident@{household}"]
        task = make_task(world, actor=secretary, key=key, places=5)
        path = task.area_path
        claimer = _claimer_of(world, username, path)
        sees_task = sees(world, username, path, Permission.TASK_VIEW) or (
            role in ("resident", "partner_unit") and scope.startswith(world.areas[community].path)
        )
        manage = sees(world, username, path, Permission.TASK_MANAGE)
        accept = sees(world, username, path, Permission.TASK_ACCEPT)
        board = m.expect("task board", m.call("GET", "/tasks/"), 200).content.decode()
        on_board = sees(world, username, path, Permission.TASK_VIEW) or claimer
        m.check(
            f"board lists {key}'s task only to who sees it",
            (f'href="/tasks/{task.pk}/"' in board) == on_board,
        )
        r = m.call("POST", f"/api/v1/tasks/{task.pk}/claims", {})
        m.expect(f"api claim {key}", r, 201 if claimer else 400 if sees_task else 404)
        first = task.claims.get(user=user) if claimer else tasks.claim_task(claimant, task.pk)
        # A neighbour's three claims, proved (a proved one leaves the cap's count): accepted on
        # the page and in the API, and returned.
        neighbour = world.users[f"resident@{key}-h2" if key == "A1-1" else f"resident@{key}-h1"]
        ready = []
        for n in range(3):
            t = make_task(world, actor=secretary, key=key, title=f"矩阵任务{n}")
            c = tasks.claim_task(neighbour, t.pk)
            ready.append(
                tasks.transition_claim(
                    neighbour, c.pk, tasks.ClaimActionInput(action="submit", note="已完成", files=[jpeg()])
                )
            )
        own = claimant.pk == user.pk
        sees_claim = own or sees(world, username, path, Permission.TASK_VIEW)
        r = m.call(
            "POST", f"/api/v1/claims/{first.pk}/proof", {"note": "已完成", "files": jpeg()}, multipart=True
        )
        m.expect(f"api proof {key}", r, 200 if own else 400 if sees_claim else 404)
        queue = m.call("GET", "/tasks/queue/")
        if has(Permission.TASK_ACCEPT):
            m.check(
                f"queue lists {key}'s claim to who accepts there",
                (f"/tasks/claims/{ready[0].pk}/" in queue.content.decode()) == accept,
            )
        r = m.call("GET", "/api/v1/claims/", {"queue": "true"})
        m.check(
            f"api queue {key}",
            _list_answer(r, has(Permission.TASK_ACCEPT), ready[0].pk, accept),
        )
        r = m.call("GET", "/api/v1/claims/")
        m.check(
            f"api own claims {key}",
            r.status_code == 200 and (first.pk in {c["id"] for c in r.json()["items"]}) == own,
        )
        # One task's claims: all of them to staff who see it, one's own to a claimer.
        r = m.call("GET", "/api/v1/claims/", {"task": task.pk})
        m.expect(f"api claims of {key}'s task", r, 200 if sees_task else 404)
        shown = {c["claimant"] for c in r.json()["items"]} if r.status_code == 200 else set()
        everyone = {str(claimant)} if sees(world, username, path, Permission.TASK_VIEW) else set()
        m.check(f"api claims of {key}'s task: whose", shown == (everyone or ({str(user)} & {str(claimant)})))
        refused = 400 if sees(world, username, path, Permission.TASK_VIEW) else 404
        r = m.call("POST", f"/tasks/claims/{ready[0].pk}/act/", {"action": "accept"})
        m.expect(f"accept claim {key} on the page", r, 302 if accept else refused)
        r = m.call("POST", f"/api/v1/claims/{ready[1].pk}/accept", {})
        m.expect(f"api accept claim {key}", r, 200 if accept else refused)
        r = m.call("POST", f"/api/v1/claims/{ready[2].pk}/return", {"reason": "照片不清楚"})
        m.expect(f"api return claim {key}", r, 200 if accept else refused)
        # The task itself: edited as a draft, published, closed.
        not_manage = 400 if sees(world, username, path, Permission.TASK_VIEW) else 404
        draft = make_task(world, actor=secretary, key=key, publish=False, title="矩阵草稿")
        body = {
            "title": "矩阵草稿改",
            "description": "三楼楼道灯泡不亮，需要更换",
            "category": "replace_bulb",
            "difficulty": "easy",
            "places": 2,
            "deadline": (timezone.now() + timedelta(days=5)).isoformat(),
            "area": world.areas[key].code,
        }
        m.expect(
            f"api edit draft {key}",
            m.call("PUT", f"/api/v1/tasks/{draft.pk}", body),
            200 if manage else not_manage,
        )
        m.expect(
            f"api publish {key}",
            m.call("POST", f"/api/v1/tasks/{draft.pk}/publish", {}),
            200 if manage else not_manage,
        )
        r = m.call("POST", f"/api/v1/tasks/{task.pk}/transitions", {"action": "close", "note": "矩阵结束"})
        m.expect(f"api close {key}", r, 200 if manage else 400 if sees_task else 404)
        other = make_task(world, actor=secretary, key=key, title="矩阵页面任务")
        r = m.call("POST", f"/tasks/{other.pk}/act/", {"action": "close", "note": "矩阵结束"})
        m.expect(f"close {key} on the page", r, 302 if manage else 400 if sees_task else 404)
        r = m.call("POST", "/api/v1/tasks/", {**body, "area": world.areas[community].code})
        m.expect(
            f"api new task in {community}",
            r,
            201 if sees(world, username, world.areas[community].path, Permission.TASK_MANAGE) else 400,
        )
        # Monthly lists: one for the page, one for the API.
        lists = [tasks.create_monthly_list(secretary, world.areas[community].code, mo) for mo in months[:2]]
        for listed_month in lists:
            deadline = timezone.now() + timedelta(days=130)  # after the list's publication day
            make_task(
                world,
                actor=secretary,
                key=community,
                publish=False,
                monthly_list=listed_month.pk,
                deadline=deadline,
            )
        cpath = world.areas[community].path
        view_list = sees(world, username, cpath, Permission.TASK_VIEW)
        manage_list = sees(world, username, cpath, Permission.TASK_MANAGE)
        not_manage = 400 if view_list else 404
        r = m.call("GET", "/api/v1/monthly-lists/")
        m.check(
            f"api monthly lists {key}",
            _list_answer(r, has(Permission.TASK_VIEW), lists[0].pk, view_list),
        )
        m.expect(
            f"monthly history {key}",
            m.call("GET", f"/api/v1/monthly-lists/{lists[0].pk}/history"),
            200 if view_list else 404,
        )
        day = {"publish_on": f"{months[1][:4]}-{months[1][4:]}-05"}
        m.expect(
            f"api publish day {key}",
            m.call("PATCH", f"/api/v1/monthly-lists/{lists[1].pk}", day),
            200 if manage_list else not_manage,
        )
        r = m.call("POST", f"/api/v1/monthly-lists/{lists[1].pk}/transitions", {"action": "submit"})
        m.expect(f"api submit list {key}", r, 200 if manage_list else not_manage)
        r = m.call("POST", f"/tasks/monthly/{lists[0].pk}/act/", {"action": "submit"})
        m.expect(f"submit list {key} on the page", r, 302 if manage_list else not_manage)
        r = m.call(
            "POST", "/api/v1/monthly-lists/", {"area": world.areas[community].code, "month": months[2]}
        )
        m.expect(f"api new list {key}", r, 201 if manage_list else 400)

    # Resources: registered where they are, listed to who sees there (a department of the
    # street, or a community's 活动室, is listed, read only, to the areas below), managed
    # in scope.
    for key in ("A1", "B2"):
        secretary = world.users[f"community_secretary@{key}"]
        code, path = world.areas[key].code, world.areas[key].path
        unit = tasks.add_unit(secretary, tasks.UnitInput(name=f"矩阵单位{key}", kind="social_org", area=code))
        team = tasks.add_team(secretary, f"矩阵队{key}", "volunteer", code)
        venue = tasks.add_venue(secretary, f"矩阵室{key}", "venue", code, "", 20)
        skilled = world.residents[f"{key}-1-h1-r2"]
        talent = tasks.add_talent(secretary, skilled.pk, "able", "木工", "修家具")
        there = has(Permission.RESOURCE_VIEW) and (path.startswith(scope) or scope.startswith(path))
        for url, row in (("units", unit), ("teams", team), ("venues", venue)):
            r = m.call("GET", f"/api/v1/resources/{url}/")
            m.check(
                f"api {url} {key}",
                _list_answer(r, has(Permission.RESOURCE_VIEW), row.pk, there),
            )
        r = m.call("GET", "/api/v1/resources/talents/")
        talent_seen = sees(world, username, skilled.area_path, Permission.RESOURCE_VIEW)
        m.check(
            f"api talents {key}",
            _list_answer(r, has(Permission.RESOURCE_VIEW), talent.pk, talent_seen),
        )
        manage = sees(world, username, path, Permission.RESOURCE_MANAGE)
        created = 201 if manage else 400  # "请选择您管辖的…", named on the field
        m.expect(
            f"api new unit {key}",
            m.call(
                "POST", "/api/v1/resources/units/", {"name": "矩阵新单位", "kind": "social_org", "area": code}
            ),
            created,
        )
        m.expect(
            f"api new team {key}",
            m.call(
                "POST", "/api/v1/resources/teams/", {"name": "矩阵新队", "kind": "volunteer", "area": code}
            ),
            created,
        )
        m.expect(
            f"api new venue {key}",
            m.call("POST", "/api/v1/resources/venues/", {"name": "矩阵新室", "kind": "venue", "area": code}),
            created,
        )
        other = world.residents[f"{key}-2-h1-r2"]
        r = m.call(
            "POST",
            "/api/v1/resources/talents/",
            {"resident": other.pk, "kind": "able", "trade": "瓦工", "skill": "砌墙"},
        )
        m.expect(
            f"api new talent {key}",
            r,
            201 if sees(world, username, other.area_path, Permission.RESOURCE_MANAGE) else 400,
        )
        # A team's members, paged: resource.view where it is registered (a team listed
        # from above does not list its members, people outside the viewer's scope).
        members_seen = sees(world, username, path, Permission.RESOURCE_VIEW)
        m.expect(
            f"api team members {key}",
            m.call("GET", f"/api/v1/resources/teams/{team.pk}/members"),
            200 if members_seen else 404,
        )
        m.expect(
            f"team members page {key}",
            m.call("GET", f"/tasks/teams/{team.pk}/members/"),
            200 if members_seen else 404 if has(Permission.RESOURCE_VIEW) else 403,
        )
        member = world.residents[f"{key}-1-h2-r1"]
        r = m.call("POST", f"/api/v1/resources/teams/{team.pk}/members", {"resident": member.pk})
        m.expect(f"api add member {key}", r, 201 if manage else 404)
        if not manage:
            tasks.add_team_member(secretary, team.pk, member.pk)
        r = m.call("DELETE", f"/api/v1/resources/teams/{team.pk}/members/{member.pk}")
        m.expect(f"api remove member {key}", r, 200 if manage else 404)

    # Points and the store.
    for key in ("A1-1", "B2-2"):
        community = key[:2]
        secretary = world.users[f"community_secretary@{community}"]
        household = f"{key}-h1" if key == "A1-1" else f"{key}-h2"
        buyer = world.users[f"resident@{household}"]
        _task, _claim, order, item = made[key]
        cpath = world.areas[community].path
        store = sees(world, username, cpath, Permission.STORE_MANAGE)
        not_store = 404 if has(Permission.STORE_MANAGE) else 403
        cheap = points.create_item(
            secretary,
            points.ItemInput(
                name="矩阵肥皂", price=1, stock=20, per_person_limit=9, area=world.areas[community].code
            ),
        )
        r = m.call("GET", "/api/v1/store/items/")
        shop = scope.startswith(cpath)  # the store of one's own community (and street)
        m.check(
            f"api items {key}",
            r.status_code == 200 and (cheap.pk in {x["id"] for x in r.json()["items"]}) == shop,
        )
        r = m.call("GET", "/api/v1/store/items/", {"manage": "true"})
        m.check(
            f"api items to manage {key}",
            _list_answer(r, has(Permission.STORE_MANAGE), cheap.pk, store),
        )
        own = buyer.pk == user.pk
        r = m.call("POST", "/api/v1/store/orders/", {"item": cheap.pk})
        # Not one's own community's item: the same 404 to a resident elsewhere; staff and
        # units, who have no buyer's account, are told so.
        elsewhere = 404 if role == "resident" else 400
        m.expect(f"api order {key}", r, 201 if own else elsewhere)
        r = m.call("POST", "/points/store/redeem/", {"item": cheap.pk, "quantity": "1"})
        # The store page says it beside the store (400), as for an item that does not exist.
        m.expect(f"redeem {key} on the page", r, 302 if own else 400)
        m.expect(
            f"api shelf {key}",
            m.call("POST", f"/api/v1/store/items/{cheap.pk}/shelf", {"active": False}),
            200 if store else 404,
        )
        r = m.call("POST", f"/points/catalogue/{cheap.pk}/stock/", {"add": "1"})
        m.expect(f"stock {key} on the page", r, 302 if store else not_store)
        r = m.call(
            "POST",
            "/api/v1/store/items/",
            {"name": "矩阵毛巾", "price": 2, "stock": 3, "area": world.areas[community].code},
        )
        m.expect(f"api new item {key}", r, 201 if store else 400)
        # Orders: one step on the page, one in bulk.
        r = m.call("POST", f"/points/orders/{order.pk}/act/", {"action": "pack"})
        m.expect(f"pack {key} on the page", r, 302 if store else 400 if own else 404)
        extra = points.create_item(
            secretary,
            points.ItemInput(
                name="矩阵牙膏", price=1, stock=5, per_person_limit=5, area=world.areas[community].code
            ),
        )
        bulk, _ = points.redeem(buyer, points.OrderInput(item=extra.pk))
        r = m.call("POST", "/points/fulfil/bulk/", {"orders": [bulk.pk], "action": "pack"})
        m.expect(f"bulk pack {key}", r, 200 if has(Permission.STORE_MANAGE) else 403)
        bulk.refresh_from_db()
        m.check(f"bulk pack {key} moved the order only in scope", (bulk.status == "packed") == store)
        # Redemption windows.
        start = timezone.localdate() + timedelta(days=40)
        window = points.add_window(
            secretary, world.areas[community].code, "矩阵兑换期", start, start + timedelta(days=5)
        )
        spare = points.add_window(
            secretary,
            world.areas[community].code,
            "矩阵兑换期二",
            start + timedelta(days=10),
            start + timedelta(days=12),
        )
        r = m.call("GET", "/api/v1/store/windows/")
        m.check(
            f"api windows {key}",
            _list_answer(r, has(Permission.STORE_MANAGE), window.pk, store),
        )
        dates = {"starts_on": str(start + timedelta(days=1)), "ends_on": str(start + timedelta(days=6))}
        m.expect(
            f"api window dates {key}",
            m.call("PATCH", f"/api/v1/store/windows/{window.pk}", dates),
            200 if store else 404,
        )
        m.expect(
            f"api remove window {key}",
            m.call("DELETE", f"/api/v1/store/windows/{window.pk}"),
            204 if store else 404,
        )
        r = m.call("POST", f"/points/windows/{spare.pk}/", {"action": "remove"})
        m.expect(f"remove window {key} on the page", r, 302 if store else not_store)
        later = timezone.localdate() + timedelta(days=90)
        r = m.call(
            "POST",
            "/api/v1/store/windows/",
            {
                "area": world.areas[community].code,
                "name": "矩阵新兑换期",
                "starts_on": str(later),
                "ends_on": str(later + timedelta(days=3)),
            },
        )
        m.expect(f"api new window {key}", r, 201 if store else 400)
        # Accounts, service points and reversals.
        manage = sees(world, username, cpath, Permission.POINTS_MANAGE)
        fresh = world.residents[f"{key}-h1-r2"]
        r = m.call("POST", "/points/accounts/open/", {"resident": str(fresh.pk)})
        m.expect(
            f"open account {key}",
            r,
            302 if manage else 404 if has(Permission.POINTS_MANAGE) else 403,
        )
        member = world.residents[f"{key}-h2-r2"]
        Resident.objects.filter(pk=member.pk).update(party_member_kind="local")
        record = points.record_service(
            secretary,
            points.ServiceInput(member=0, resident=member.pk, kind="errand", note="代办低保", points=3),
        )
        r = m.call("GET", "/api/v1/points/service-records")
        view = sees(world, username, cpath, Permission.POINTS_VIEW)
        m.check(
            f"api service records {key}",
            _list_answer(r, has(Permission.POINTS_VIEW), record.pk, view),
        )
        r = m.call(
            "POST",
            "/api/v1/points/service-records",
            {"resident": member.pk, "kind": "opinion", "note": "收集意见", "points": 2},
        )
        m.expect(f"api service points {key}", r, 201 if manage else 400)
        _claim.refresh_from_db()
        if _claim.status == "submitted":  # accepted above if this role accepts there
            tasks.transition_claim(secretary, _claim.pk, tasks.ClaimActionInput(action="accept"))
        txn = Transaction.objects.filter(kind="award", entries__account__user=buyer).order_by("-pk").first()
        assert txn is not None  # the claim's award
        r = m.call("POST", f"/api/v1/points/transactions/{txn.pk}/reverse", {"reason": "矩阵冲正"})
        m.expect(f"api reverse {key}", r, 201 if manage else 404)

    # Registry imports: started where the role imports, the same 404 elsewhere.
    for key in ("A1", "B2"):
        area = world.areas[key]
        ok = sees(world, username, area.path, Permission.REGISTRY_IMPORT)
        upload = SimpleUploadedFile("模板.xlsx", template_bytes())
        r = m.call(
            "POST", "/api/v1/registry/imports", {"community": area.code, "file": upload}, multipart=True
        )
        m.expect(f"api import into {key}", r, 201 if ok else 404)
        run = _import_run(world, key)
        r = m.call("POST", f"/api/v1/registry/imports/{run.pk}/mapping", {"mapping": {}})
        m.expect(f"api import mapping {key}", r, 400 if ok else 404)  # an empty mapping: refused in scope
        r = m.call("POST", f"/api/v1/registry/imports/{run.pk}/confirm", {})
        m.expect(f"api import confirm {key}", r, 400 if ok else 404)  # not checked yet

    # Tokens, signing in and out.
    anonymous = RecordingClient(m.note)
    m.expect("login page", anonymous.get("/login/"), 200)
    r = anonymous.post(
        "/api/v1/auth/token",
        json.dumps({"username": username, "password": PASSWORD}),
        content_type="application/json",
    )
    m.expect("api token", r, 200)
    token = r.json().get("token", "") if r.status_code in (200, 201) else ""
    bearer = {"Authorization": f"Bearer {token}"}
    m.expect("api with the token", anonymous.get("/api/v1/notifications/", headers=bearer), 200)
    m.expect("api token revoked", anonymous.delete("/api/v1/auth/token", headers=bearer), 204)
    m.expect("api with the revoked token", anonymous.get("/api/v1/notifications/", headers=bearer), 401)
    as_bearer = {"Authorization": f"Bearer {open311['api_key']}"}
    m.expect("api with an Open311 key", anonymous.get("/api/v1/notifications/", headers=as_bearer), 401)
    m.expect("logout", m.call("POST", "/logout/"), 302)
    m.expect("api after logout", m.client.get("/api/v1/notifications/"), 401)


def _task_claim_order(world, grid_key):
    """A published task in the grid, claimed and proved by a resident of the grid, who
    also placed an order for an item of their community."""
    from shequ.points import services as points
    from shequ.problems.tests.helpers import jpeg
    from shequ.tasks import services as tasks
    from shequ.tasks.tests.helpers import make_task

    community = grid_key[:2]
    secretary = world.users[f"community_secretary@{community}"]
    household = f"{grid_key}-h1" if grid_key == "A1-1" else f"{grid_key}-h2"
    resident = world.users[f"resident@{household}"]
    task = make_task(world, actor=secretary, key=grid_key, files=[jpeg()])
    claim = tasks.claim_task(resident, task.pk)
    claim = tasks.transition_claim(
        resident, claim.pk, tasks.ClaimActionInput(action="submit", note="已完成", files=[jpeg()])
    )
    points.opening_balance(secretary, resident, 50, "期初积分")
    item = points.create_item(
        secretary, points.ItemInput(name="大米", price=10, stock=5, area=world.areas[community].code)
    )
    order, _ = points.redeem(resident, points.OrderInput(item=item.pk))
    return task, claim, order, item


def _visit(world, household_key):
    from django.utils import timezone

    from shequ.people.services import VisitInput, record_visit

    grid_key = household_key.rsplit("-", 1)[0]
    worker = world.users[f"grid_worker@{grid_key}"]
    data = VisitInput(
        visited_on=timezone.localdate(), people_met="户主", situation="情况良好", needs=(("楼道灯坏了", ""),)
    )
    return record_visit(worker, world.households[household_key].pk, data)


def _import_run(world, community_key):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from shequ.registry import services
    from shequ.registry.services import template_bytes

    secretary = world.users[f"community_secretary@{community_key}"]
    upload = SimpleUploadedFile("模板.xlsx", template_bytes())
    return services.start_import(secretary, world.areas[community_key].code, upload)


def _problem(world, household_key):
    from shequ.problems.tests.helpers import jpeg, report

    grid_key = household_key.rsplit("-", 1)[0]
    return report(world, actor=world.users[f"resident@{household_key}"], key=grid_key, photos=[jpeg()])


def test_anonymous_gets_login_or_401(world):
    client = Client()
    resident = world.residents["A1-1-h1-r1"]
    area = world.areas["A1"]
    for url in [
        "/",
        f"/areas/{area.code}/",
        "/residents/",
        f"/residents/{resident.pk}/",
        f"/households/{resident.household_id}/",
        "/audit/",
        "/tasks/",
        "/tasks/mine/",
        "/points/",
        "/points/store/",
        "/points/fulfil/",
    ]:
        r = client.get(url)
        assert r.status_code == 302 and r["Location"].startswith("/login/"), url
    for url in [
        "/api/v1/areas/",
        f"/api/v1/areas/{area.code}",
        f"/api/v1/areas/{area.code}/stats",
        "/api/v1/residents/",
        f"/api/v1/residents/{resident.pk}",
        "/api/v1/tasks/",
        "/api/v1/points/balance",
        "/api/v1/store/orders/",
    ]:
        r = client.get(url)
        assert r.status_code == 401, url
        assert r.json()["code"] == "unauthenticated"
    r = client.post(f"/api/v1/residents/{resident.pk}/unmask", "{}", content_type="application/json")
    assert r.status_code == 401
