"""Fetch every page and API response a role can reach and look for any full ID number or
phone of the world's residents: none may appear without an explicit unmask."""

import tempfile
from pathlib import Path

import pytest
from django.test import Client

from shequ.registry.models import ImportRun

pytestmark = pytest.mark.django_db


def reachable_urls(world):
    from shequ.problems.tests.helpers import jpeg, report

    problem = report(world, photos=[jpeg()])
    run = _checked_import(world)
    visit = _visit_and_floating(world)
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
        "/api/v1/problems/?inbox=true",
        f"/api/v1/problems/nearby?category={problem.category.code}&lon={problem.lon}&lat={problem.lat}",
        "/notifications/",
        "/api/v1/notifications/",
    ]
    # Task list and points (issue 4).
    from shequ.core.tests.test_authorization_matrix import _task_claim_order

    task, claim, order, _item = _task_claim_order(world, "A1-1")
    aimed = _street_unit_and_talent_task(world)
    urls += [
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
        rows.append([r.name + "改", number, "", "", phone, "", world.areas["A1-1-b"].name, "", "909"])
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


@pytest.mark.parametrize(
    "user_key",
    [
        "street_admin@A",
        "community_secretary@A1",
        "community_staff@A2",
        "grid_worker@A1-1",
        "building_head@A1-1-b",
        "resident@A1-1-h1",
        "partner_unit@B1",
        "auditor@B",
    ],
)
def test_no_full_id_number_or_phone_in_any_response(world, user_key):
    client = Client()
    client.force_login(world.users[user_key])
    secrets = {v for pair in world.full_values.values() for v in pair} | {PERMIT}
    search_term = next(iter(world.full_values.values()))
    seen = 0
    for url in reachable_urls(world):
        response = client.get(url)
        body = response.content.decode()
        if response.status_code == 200:
            seen += 1
        # A search box echoes what the user typed, on the search URLs only; anywhere else
        # the searched resident's values are looked for like everyone's (they are the
        # scan's landlord and a visited household's head).
        typed = search_term if "?q=" in url and any(v in url for v in search_term) else ()
        leaked = {s for s in secrets if s in body and s not in typed}
        assert not leaked, (url, leaked)
    assert seen >= 5
    # Exports and error reports are workbooks: read their cells.
    exports = ["/residents/export/", "/api/v1/residents/export", "/floating/export/", "/care/export/"]
    exports += ["/visits/export/", "/visits/unvisited/export/", "/floating/landlords/export/"]
    read = 0
    for url in exports:
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        if response.status_code == 200:
            text = xlsx_text(b"".join(response.streaming_content))  # type: ignore[attr-defined]
            assert not {s for s in secrets if s in text}, url
            read += 1
    if user_key.split("@")[0] in {"street_admin", "community_secretary", "community_staff", "grid_worker"}:
        assert read, "no export was read"  # staff may export some list: the scan must have seen one
    for run_id in ImportRun.objects.values_list("pk", flat=True):
        response = client.get(f"/registry/import/{run_id}/errors/")
        if response.status_code == 200:
            text = xlsx_text(b"".join(response.streaming_content))  # type: ignore[attr-defined]
            assert not {s for s in secrets if s in text}, run_id
