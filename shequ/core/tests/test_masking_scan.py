"""Fetch every page and API response a role can reach and look for any full ID number or
phone of the world's residents: none may appear without an explicit unmask."""

import re
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from shequ.access.services import add_open311_key
from shequ.core.tests.test_authorization_matrix import API, PAGES
from shequ.registry.models import ImportRun

pytestmark = pytest.mark.django_db


def reachable_urls(world):
    from shequ.problems.tests.helpers import jpeg, report

    problem = report(world, photos=[jpeg()])
    run = _checked_import(world)
    visit = _visit_and_floating(world)
    from shequ.party.services import register_dual

    register_dual(
        world.secretary_zhang, world.areas["A1"].code, world.users["partner_unit@B1"].username, "县供电局"
    )
    urls = [
        "/visits/",
        "/visits/coverage/",
        "/visits/unvisited/",
        f"/visits/{visit.pk}/",
        f"/households/{visit.household_id}/visits/new/",
        "/floating/",
        "/floating/?list=permit",
        "/floating/landlords/",
        "/care/?group=elderly_60",
        "/api/v1/visits/",
        f"/api/v1/visits/{visit.pk}",
        "/api/v1/households/unvisited",
        "/api/v1/floating/",
        "/api/v1/floating/?expiring=permit",
        "/api/v1/floating/landlords",
        "/api/v1/care/?group=elderly_60",
        "/registry/import/",
        f"/registry/import/{run.pk}/",
        f"/registry/import/{run.pk}/progress/",
        f"/api/v1/registry/imports/{run.pk}",
        "/api/v1/registry/imports",
        "/",
        "/residents/",
        "/audit/",
        "/api/v1/areas/",
        "/api/v1/residents/",
        "/api/v1/openapi.json",
        "/problems/",
        "/problems/mine/",
        "/problems/overview/",
        "/problems/inbox/",
        "/problems/map/",
        "/problems/new/",
        "/api/v1/problems/",
        f"/problems/{problem.pk}/",
        f"/api/v1/problems/{problem.pk}",
        f"/api/v1/problems/by-number?number={problem.number}",
        "/api/v1/problems/?inbox=true",
        f"/api/v1/problems/nearby?category={problem.category.code}&lon={problem.lon}&lat={problem.lat}",
        "/notifications/",
        "/api/v1/notifications/",
        "/password/",
    ]
    # Task list and points (issue 4).
    from shequ.core.tests.test_authorization_matrix import _task_claim_order

    task, claim, order, _item = _task_claim_order(world, "A1-1")
    aimed = _street_unit_and_talent_task(world)
    team = _team_with_members(world)
    urls += [
        f"/tasks/teams/{team.pk}/members/",
        _unit_offer(world),
        f"/api/v1/resources/teams/{team.pk}/members",
        f"/tasks/{aimed.pk}/",
        f"/api/v1/tasks/{aimed.pk}",
        "/api/v1/resources/teams/",
        "/tasks/resources/?tab=unit&q=环卫所",
        "/api/v1/resources/units/?q=环卫所",
        "/tasks/",
        "/tasks/mine/",
        "/tasks/queue/",
        "/tasks/monthly/",
        "/tasks/resources/",
        "/party/dual/",
        "/api/v1/party/dual-registrations",
        "/tasks/resources/?tab=team",
        "/tasks/resources/?tab=talent",
        "/tasks/new/",
        f"/tasks/{task.pk}/",
        f"/tasks/claims/{claim.pk}/",
        "/points/",
        "/points/store/",
        "/points/orders/",
        f"/points/orders/{order.pk}/",
        "/points/fulfil/",
        "/points/catalogue/",
        "/points/service/",
        "/points/accounts/",
        "/api/v1/points/accounts",
        "/points/rankings/",
        f"/points/notice/{world.areas['A1'].code}/",
        f"/api/v1/points/notice/{world.areas['A1'].code}",
        "/api/v1/tasks/",
        f"/api/v1/tasks/{task.pk}",
        "/api/v1/claims/",
        "/api/v1/claims/?queue=true",
        f"/api/v1/claims/?task={task.pk}",
        f"/api/v1/claims/{claim.pk}",
        "/api/v1/resources/units/",
        "/api/v1/resources/talents/",
        "/api/v1/points/balance",
        "/api/v1/points/entries",
        "/api/v1/store/items/",
        "/api/v1/store/orders/",
        "/api/v1/store/orders/?fulfil=true",
        f"/api/v1/store/orders/{order.pk}",
        f"/api/v1/points/rankings?community={world.areas['A1'].code}",
    ]
    # Problem list (issue 3): a problem whose texts hold residents' full numbers, on the
    # ledgers, the agenda, the counts, and in a monthly report generated here.
    from django.utils import timezone

    numbered = _problem_with_numbers(world)
    run = _report_run(world)
    a1 = world.areas["A1"].code
    lon, lat = numbered.lon, numbered.lat
    urls += [
        "/problems/ledgers/",
        f"/problems/ledgers/?area={a1}&type={numbered.ledger_type}",
        "/problems/categories/",
        "/problems/counts/",
        f"/problems/counts/?area={a1}",
        "/problems/agenda/",
        "/problems/reports/",
        f"/problems/reports/{run.pk}/",
        f"/problems/nearby/?category={numbered.category.code}&lon={lon}&lat={lat}",
        f"/problems/{numbered.pk}/",
        f"/api/v1/problems/{numbered.pk}",
        "/api/v1/problem-categories/",
        "/api/v1/problem-agenda",
        "/api/v1/problem-report-runs",
        f"/api/v1/problem-report-runs/{run.pk}",
        "/api/v1/problem-report-submissions",
        f"/api/v1/visits/coverage?area={a1}&month={timezone.localdate():%Y%m}",
    ]
    # Open311 (docs/problems.md): read with the role's own api_key, the only credential it
    # takes (the scan puts an Open311 key issued for the role in place of OPEN311_KEY).
    urls += [
        "/open311/v2/discovery.json",
        "/open311/v2/services.json",
        f"/open311/v2/services/{numbered.category.code}.xml",
        f"/open311/v2/requests.json?api_key={OPEN311_KEY}",
        f"/open311/v2/requests.xml?api_key={OPEN311_KEY}&status=open",
        f"/open311/v2/requests/{numbered.number}.json?api_key={OPEN311_KEY}",
        f"/open311/v2/requests/{numbered.number}.xml?api_key={OPEN311_KEY}",
        f"/open311/v2/requests/{problem.number}.json?api_key={OPEN311_KEY}",
    ]
    # Task list and points (issue 4): a monthly list returned with numbers in the reason, a
    # colleague's draft, a venue, a redemption window, a service record and a 冲正.
    monthly, draft = _monthly_list_and_draft(world)
    account = _service_and_reversal(world)
    urls += [
        "/api/v1/monthly-lists/",
        f"/api/v1/monthly-lists/{monthly.pk}/history",
        f"/tasks/{draft.pk}/edit/",
        f"/tasks/{draft.pk}/",
        f"/api/v1/tasks/{draft.pk}",
        "/api/v1/resources/venues/",
        "/tasks/resources/?tab=venue",
        "/api/v1/store/windows/",
        "/points/service/",
        "/api/v1/points/service-records",
        "/points/reversals/",
        f"/points/accounts/{account.pk}/",
        f"/api/v1/points/accounts/{account.pk}/entries",
    ]
    for area in world.areas.values():
        urls += [
            f"/areas/{area.code}/",
            f"/residents/?area={area.code}",
            f"/api/v1/areas/{area.code}",
            f"/api/v1/areas/{area.code}/stats",
            f"/api/v1/residents/?area={area.code}",
        ]
    for resident in world.residents.values():
        urls += [f"/residents/{resident.pk}/", f"/api/v1/residents/{resident.pk}"]
        urls += [f"/residents/{resident.pk}/floating/", f"/residents/{resident.pk}/care/"]
        urls += [f"/api/v1/residents/{resident.pk}/care-records"]
    for household in world.households.values():
        urls.append(f"/households/{household.pk}/")
    # Searching by a full value must not echo other residents' values either.
    some = next(iter(world.full_values.values()))
    urls += [f"/residents/?q={some[0]}", f"/api/v1/residents/?q={some[1]}"]
    return urls


PERMIT = "JZ1101052026777"
OPEN311_KEY = "OPEN311-API-KEY"


def keyed(urls: list[str], user) -> list[str]:
    """The URLs with an Open311 key issued for ``user`` as their api_key."""
    key = add_open311_key(user, "脱敏扫描")[1]
    return [url.replace(OPEN311_KEY, key) for url in urls]


def _numbers(world, *keys):
    """The full ID number and phone of each resident named, as one text."""
    return "、".join(" ".join(world.full_values[world.residents[k].pk]) for k in keys)


def _staff_of_street_a(world):
    """A second street admin of A: numbers it types are masked for the scanned roles (a
    writer reads their own text in full, and street_admin@A is scanned)."""
    from shequ.access.roles import Role
    from shequ.access.services import add_user

    return add_user(
        "scan-street-a",
        "scan-pass-2026",
        role=Role.STREET_ADMIN,
        area_code=world.areas["A"].code,
        display_name="扫描街道审核员",
        check_password=False,
    )


def _problem_with_numbers(world):
    """A 代报 in grid A1-2 (the reporter and the one reported for not scanned) whose
    description, address, responsible party and timeline note hold residents' full
    numbers; escalated by the community, it is on the street's agenda."""
    from shequ.problems.tests.helpers import act, report

    worker, staff = world.users["grid_worker@A1-2"], world.users["community_staff@A1"]
    problem = report(
        world,
        actor=worker,
        key="A1-2",
        source="on_behalf",
        on_behalf_of=world.residents["A1-2-h1-r1"].pk,
        description=f"居民反映下水道堵塞，联系人 {_numbers(world, 'A1-1-h1-r1', 'A1-2-h1-r1')}",
        address=f"1单元101 户主电话{world.full_values[world.residents['A2-1-h1-r1'].pk][1]}",
    )
    act(world, staff, problem, "accept", responsible_party=f"物业 {_numbers(world, 'A1-1-h2-r2')}")
    return act(world, staff, problem, "escalate", note=f"需街道协调，联系 {_numbers(world, 'A1-2-h2-r1')}")


def _report_run(world):
    """This month's report of community A1, generated now (the job runs at once)."""
    from django.utils import timezone

    from shequ.problems.monthly import run_report
    from shequ.problems.services import request_monthly_report

    run = request_monthly_report(
        world.users["community_staff@A1"], world.areas["A1"].code, f"{timezone.localdate():%Y%m}"
    )
    run_report(run.pk)
    run.refresh_from_db()
    assert run.status == "done", run.message
    return run


def _monthly_list_and_draft(world):
    """Next month's list of A1, sent back by the street with numbers in the reason, and a
    draft task of A1 whose description holds numbers, both written by unscanned staff."""
    from datetime import timedelta

    from django.utils import timezone

    from shequ.points import services as points
    from shequ.tasks import services as tasks
    from shequ.tasks.tests.helpers import make_task

    staff = world.users["community_staff@A1"]
    nxt = (timezone.localdate().replace(day=1) + timedelta(days=32)).replace(day=1)
    monthly = tasks.create_monthly_list(staff, world.areas["A1"].code, f"{nxt:%Y%m}")
    deadline = timezone.now() + timedelta(days=60)
    make_task(world, actor=staff, key="A1", publish=False, monthly_list=monthly.pk, deadline=deadline)
    tasks.transition_list(staff, monthly.pk, "submit")
    note = f"请补充联系人 {_numbers(world, 'A1-1-h1-r2')}"
    tasks.transition_list(_staff_of_street_a(world), monthly.pk, "return", note)
    draft = make_task(
        world,
        actor=staff,
        key="A1",
        publish=False,
        title="疏通下水道",
        description=f"联系居民 {_numbers(world, 'A1-1-h2-r1', 'A2-2-h1-r1')}",
    )
    tasks.add_venue(
        staff, "扫描活动室", "venue", world.areas["A1"].code, f"钥匙联系{_numbers(world, 'A1-2-h2-r2')}", 20
    )
    today = timezone.localdate()
    points.add_window(staff, world.areas["A1"].code, "扫描兑换期", today, today + timedelta(days=30))
    return monthly, draft


def _service_and_reversal(world):
    """A party member of A1 with service points whose note holds numbers, an opening
    balance and a 冲正 with numbers in the reason, all by unscanned staff: their account."""
    from shequ.people.models import Resident
    from shequ.points import services as points
    from shequ.points.models import ServiceKind

    staff = world.users["community_staff@A1"]
    members = Resident.objects.filter(area_path__startswith=world.areas["A1"].path)
    member = members.exclude(party_member_kind="").order_by("pk").first()
    assert member is not None
    record = points.record_service(
        staff,
        points.ServiceInput(
            member=0,
            resident=member.pk,
            kind=ServiceKind.ERRAND,
            points=5,
            note=f"代办社保，联系 {_numbers(world, 'A1-1-h1-r1', 'A1-2-h2-r1')}",
        ),
    )
    account = points.account_for_resident(staff, member.pk)
    points.opening_balance_of_account(staff, account, 20, f"原台账结转 {_numbers(world, 'A1-1-h2-r1')}")
    points.reverse(staff, record.transaction.pk, f"记错人 {_numbers(world, 'A1-2-h1-r1')}")
    return account


def _team_with_members(world):
    """A service team of A1 with two residents of the register in it (their numbers are
    in the scanned set), added by unscanned staff."""
    from shequ.tasks import services as tasks

    staff = world.users["community_staff@A1"]
    team = tasks.add_team(staff, "扫描志愿队", "volunteer", world.areas["A1"].code, "扫描队长")
    for key in ("A1-1-h1-r1", "A1-2-h2-r1"):
        tasks.add_team_member(staff, team.pk, world.residents[key].pk)
    return team


def _street_unit_and_talent_task(world):
    """A department of street A (listed read only to its communities) whose contact phone
    and services hold residents' phones, and a published task of A1 aimed at it and at a
    skilled resident."""
    from shequ.tasks import services as tasks
    from shequ.tasks.tests.helpers import make_task

    phones = [world.full_values[world.residents[k].pk][1] for k in ("A2-1-h1-r1", "A1-2-h1-r1")]
    unit = tasks.add_unit(
        world.street_chen,
        tasks.UnitInput(
            name="扫描街道环卫所",
            kind="department",
            area=world.areas["A"].code,
            contact_phone=phones[0],
            services=f"化粪池清掏，值班电话{phones[1]}",
        ),
    )
    talent = tasks.add_talent(
        world.secretary_zhang, world.residents["A1-1-h1-r1"].pk, "able", "电工", f"家电维修 {phones[1]}"
    )
    return make_task(
        world,
        key="A1",
        title="化粪池清掏",
        category="septic",
        audience="targeted",
        target_units=[unit.pk],
        target_talents=[talent.pk],
    )


def _unit_offer(world):
    """The 可提供的服务 page of a unit of B1 whose text holds a resident's phone, for the
    unit's member (partner_unit@B1): the text is shown to be edited, masked as on the lists."""
    from shequ.tasks import services as tasks

    phone = world.full_values[world.residents["B1-1-h1-r1"].pk][1]
    unit = tasks.add_unit(
        world.users["street_admin@B"],
        tasks.UnitInput(
            name="扫描共建单位", kind="department", area=world.areas["B1"].code, services=f"义诊，联系{phone}"
        ),
    )
    tasks.add_unit_member(world.users["street_admin@B"], unit.pk, world.users["partner_unit@B1"])
    return f"/tasks/units/{unit.pk}/offer/"


def _visit_and_floating(world):
    """A visit in grid A1-1, and a floating resident there with a landlord and a permit."""
    from datetime import timedelta

    from django.utils import timezone

    from shequ.people.models import Resident
    from shequ.people.services import FloatingInput, VisitInput, record_visit, set_floating

    li = world.grid_worker_li
    tenant, landlord = world.residents["A1-1-h2-r1"], world.residents["A1-1-h1-r1"]
    Resident.objects.filter(pk=tenant.pk).update(residence_type="floating")
    soon = timezone.localdate() + timedelta(days=5)
    set_floating(
        li, tenant.pk, FloatingInput(landlord_id=landlord.pk, permit_number=PERMIT, permit_expires=soon)
    )
    data = VisitInput(
        visited_on=timezone.localdate(), people_met="户主", situation="情况良好", needs=(("修灯", ""),)
    )
    return record_visit(li, world.households["A1-1-h1"].pk, data)


def _checked_import(world):
    """A dry run whose file repeats registered people (one in another community): its
    error report and change list name them, masked."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from shequ.registry import services
    from shequ.registry.exporting import HEADERS
    from shequ.registry.tests.helpers import save

    secretary = world.users["community_secretary@A1"]
    rows = []
    for key in ("A1-1-h1-r1", "B1-1-h1-r1"):
        r = world.residents[key]
        number, phone = world.full_values[r.pk]
        rows.append([r.name, number, "", "", phone, "", world.areas["A1-1-b"].name, "", "909"])
    with tempfile.TemporaryDirectory() as folder:
        path = save(Path(folder) / "again.xlsx", {"S": [HEADERS[:9], *rows]})
        run = services.start_import(
            secretary, world.areas["A1"].code, SimpleUploadedFile("a.xlsx", path.read_bytes())
        )
    run = services.process(run.pk, commit=False)
    assert run.error_count == 1 and run.errors_file  # the resident of community B1
    assert len(run.summary) and run.summary["moved"] == 1  # the one of A1, to door 909
    return run


def xlsx_text(content: bytes) -> str:
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(content))
    return "\n".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row)


def docx_text(content: bytes) -> str:
    """The text of a .docx: its body's XML with the tags dropped (a number split across
    runs would still be found, as the runs' texts join up)."""
    import io
    import re
    import zipfile

    xml = zipfile.ZipFile(io.BytesIO(content)).read("word/document.xml").decode()
    return re.sub(r"<[^>]+>", "", xml)


def file_urls(world) -> list[str]:
    """The downloads: exports, the import template, ledgers and the monthly reports made by
    reachable_urls (read as workbooks or documents, by their suffix)."""
    from shequ.problems.models import ReportRun

    urls = ["/residents/export/", "/api/v1/residents/export", "/floating/export/", "/care/export/"]
    urls += ["/visits/export/", "/visits/unvisited/export/", "/floating/landlords/export/"]
    urls += ["/registry/import/template/"]
    urls += [f"/problems/ledgers/export/?area={world.areas[k].code}" for k in ("A", "A1", "A2", "B1")]
    for run_id in ReportRun.objects.values_list("pk", flat=True):
        urls += [f"/problems/reports/{run_id}/xlsx/", f"/problems/reports/{run_id}/docx/"]
    return urls


ROLES = [
    "street_admin@A",
    "community_secretary@A1",
    "community_staff@A2",
    "grid_worker@A1-1",
    "building_head@A1-1-b",
    "resident@A1-1-h1",
    "partner_unit@B1",
    "auditor@B",
]
# What each role's scan read with 200, by page name or API operation: the coverage test
# below checks that every one it requires was read by some role.
ANSWERED: dict[str, set[tuple[str, str]]] = {}


@pytest.mark.parametrize("user_key", ROLES)
def test_no_full_id_number_or_phone_in_any_response(world, user_key):
    client = Client()
    client.force_login(world.users[user_key])
    secrets = {v for pair in world.full_values.values() for v in pair} | {PERMIT}
    search_term = next(iter(world.full_values.values()))
    answered = ANSWERED.setdefault(user_key, set())
    seen = 0
    for url in keyed(reachable_urls(world), world.users[user_key]):
        response = client.get(url)
        body = response.content.decode()
        if response.status_code == 200:
            seen += 1
            answered.add(endpoint(url))
            # Nor may a browser or proxy keep it: Back after signing out showed it again.
            assert "no-store" in response.headers.get("Cache-Control", ""), url
        # A search box echoes what the user typed, on the search URLs only; anywhere else
        # the searched resident's values are looked for like everyone's (they are the
        # scan's landlord and a visited household's head).
        typed = search_term if "?q=" in url and any(v in url for v in search_term) else ()
        leaked = {s for s in secrets if s in body and s not in typed}
        assert not leaked, (url, leaked)
    assert seen >= 5
    # Exports, error reports and monthly reports are workbooks and documents: read them.
    read = 0
    for url in file_urls(world):
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        if response.status_code == 200:
            assert "no-store" in response.headers.get("Cache-Control", ""), url
            # The import template is made in memory; the rest are streamed files.
            streamed = getattr(response, "streaming_content", None)
            content = b"".join(streamed) if streamed is not None else response.content
            text = docx_text(content) if "/docx/" in url else xlsx_text(content)
            assert not {s for s in secrets if s in text}, url
            answered.add(endpoint(url))
            read += 1
    if user_key.split("@")[0] in {"street_admin", "community_secretary", "community_staff", "grid_worker"}:
        assert read, "no export was read"  # staff may export some list: the scan must have seen one
    for run_id in ImportRun.objects.values_list("pk", flat=True):
        response = client.get(f"/registry/import/{run_id}/errors/")
        if response.status_code == 200:
            text = xlsx_text(b"".join(response.streaming_content))  # type: ignore[attr-defined]
            assert not {s for s in secrets if s in text}, run_id
            answered.add(endpoint(f"/registry/import/{run_id}/errors/"))


# Pages and API operations the scan does not read, each with why. POST-only pages (they
# answer a GET with 405) need no entry: see post_only below.
NOT_SCANNED = {
    "login": "the sign-in form, shown before anyone is signed in",
    "api:api-root": "no document: /api/v1/ answers 404",
    "api:openapi-view": "the Swagger viewer's static page; the schema it loads (openapi.json) is read",
    "problem_photo": "a JPEG file, re-encoded without its metadata on upload: no text",
    "open311_media": "the same JPEG file as problem_photo, for a 311 client's api_key",
    "task_proof": "a proof photo or video file: no text",
    "task_attachment": "a task's photo or video file: no text",
    "notification_open": "marks a notice read and redirects to its page, which is read; no body",
}


def _api_templates() -> list[tuple[re.Pattern[str], str]]:
    # {x} is one path segment; a fixed path wins over a template that also matches it
    # (/residents/export over /residents/{resident_id}): the fewest placeholders first.
    paths = sorted((p for m, p in API if m == "GET"), key=lambda p: p.count("{"))
    return [(re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", p) + "$"), p) for p in paths]


API_TEMPLATES = _api_templates()


def endpoint(url: str) -> tuple[str, str]:
    """("page", URL name) or ("api", path template) of a URL the scan requested."""
    path = urlsplit(url).path
    name = resolve(path).view_name
    if name in PAGES:
        return ("page", name)
    template = next((t for rx, t in API_TEMPLATES if rx.match(path)), None)
    assert template is not None, f"{url} is neither a page nor a GET operation of the policy tables"
    return ("api", template)


def post_only(client: Client) -> set[str]:
    """Pages that answer a GET with 405 (require_POST): they show nothing to scan. Asked
    with placeholder arguments, as the method is refused before any lookup."""
    names: dict[str, URLPattern] = {}

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace != "admin":
                    walk(p.url_patterns, f"{p.namespace}:" if p.namespace else prefix)
            elif isinstance(p, URLPattern) and p.name:
                names[prefix + p.name] = p

    walk(get_resolver().url_patterns)
    found = set()
    for name in PAGES:
        kwargs = dict.fromkeys(names[name].pattern.converters, 1)
        if client.get(reverse(name, kwargs=kwargs)).status_code == 405:
            found.add(name)
    return found


def test_the_scan_reads_every_page_and_get_operation(world):
    client = Client()
    client.force_login(world.street_chen)
    urls = reachable_urls(world) + file_urls(world)
    requested = {endpoint(url) for url in urls}
    requested.add(endpoint("/registry/import/1/errors/"))  # read for each import run
    posts = post_only(client)
    # The policy table's actions and unmasks are POST-only: a GET that answered one would
    # be a page the scan must read.
    kind = {name: entry if isinstance(entry, str) else entry[0] for name, entry in PAGES.items()}
    assert {n for n, k in kind.items() if k in ("action", "unmask")} <= posts
    assert not posts & {name for _, name in requested}, "the scan asks for a POST-only page"
    assert not set(NOT_SCANNED) & posts, "a POST-only page needs no exemption"
    assert not {("page", n) for n in NOT_SCANNED} & requested, "an exempted page is scanned: drop it"
    pages = {("page", n) for n in PAGES if n not in posts and n not in NOT_SCANNED}
    operations = {("api", p) for m, p in API if m == "GET"}
    missing = (pages | operations) - requested
    assert not missing, f"not scanned for full numbers (add to reachable_urls or NOT_SCANNED): {missing}"
    # Requested is not read: each must have been answered (200) for some role. The scans
    # above say what each role read; a role whose scan did not run in this session (this
    # test run alone, or first) reads the same addresses here.
    errors = [f"/registry/import/{pk}/errors/" for pk in ImportRun.objects.values_list("pk", flat=True)]
    for role in set(ROLES) - set(ANSWERED):
        reader = Client()
        reader.force_login(world.users[role])
        read = keyed(urls + errors, world.users[role])
        ANSWERED[role] = {endpoint(url) for url in read if reader.get(url).status_code == 200}
    unread = (pages | operations) - set().union(*ANSWERED.values())
    assert not unread, f"requested by the scan but no role could read it: {unread}"
