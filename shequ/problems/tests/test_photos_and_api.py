import io
import json

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest
from django.test import Client, override_settings
from PIL import Image

from shequ.core.errors import ValidationFailed
from shequ.problems import photos
from shequ.problems.models import Problem, Status
from shequ.problems.tests.helpers import act, grid_point, jpeg, report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_gps_and_other_exif_are_removed_from_stored_photos(world):
    upload = jpeg(gps=True)
    assert Image.open(io.BytesIO(upload.read())).getexif().get(0x8825) is not None
    upload.seek(0)
    p = report(world, photos=[upload])
    stored = settings.MEDIA_ROOT / p.photos.get().file
    with Image.open(stored) as image:
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("notes.jpg", b"hello, I am text", "不是可以打开的图片"),
        ("setup.jpg", b"MZ\x90\x00" + b"\x00" * 200, "不是可以打开的图片"),
        ("broken.jpg", jpeg().read()[:200], "不是可以打开的图片"),
        ("empty.png", b"", "空文件"),
    ],
)
def test_files_that_are_not_images_are_refused(name, content, reason):
    with pytest.raises(ValidationFailed) as exc:
        photos.prepare([SimpleUploadedFile(name, content)])
    assert reason in exc.value.fields["photos"]


def test_gif_and_oversized_files_are_refused():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "GIF")
    with pytest.raises(ValidationFailed, match="只接受 JPEG、PNG 或 WebP"):
        photos.prepare([SimpleUploadedFile("a.gif", buffer.getvalue())])
    with override_settings(PHOTO_MAX_BYTES=1024), pytest.raises(ValidationFailed, match="不能超过"):
        photos.prepare([jpeg(size=(800, 800))])
    with pytest.raises(ValidationFailed, match="最多上传 6 张"):
        photos.prepare([jpeg() for _ in range(7)])


def test_a_refused_photo_is_named_with_the_limit_it_passed():
    """ "照片像素太大" alone: which of three photos, what limit, what to do?"""
    with override_settings(PHOTO_MAX_PIXELS=200_000), pytest.raises(ValidationFailed) as exc:
        photos.prepare([jpeg(), SimpleUploadedFile("IMG_0002.jpg", jpeg(size=(800, 600)).read()), jpeg()])
    said = exc.value.fields["photos"]
    assert said.startswith("第 2 张照片（IMG_0002.jpg）：照片像素为 48 万，超过 20 万的上限")
    assert "调低" in said


def test_png_with_transparency_is_flattened_to_jpeg():
    buffer = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(buffer, "PNG")
    (out,) = photos.prepare([SimpleUploadedFile("a.png", buffer.getvalue())])
    assert Image.open(io.BytesIO(out)).format == "JPEG"


def test_large_photos_are_kept_at_the_longest_side_allowed_upright():
    """A phone photo lying on its side (EXIF orientation 6) is turned upright first, then
    scaled so its longest side is PHOTO_MAX_SIDE; small photos keep their size."""
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to show
    Image.new("RGB", (1200, 900), (90, 120, 160)).save(buffer, "JPEG", exif=exif)
    with override_settings(PHOTO_MAX_SIDE=600):
        big, small = photos.prepare([SimpleUploadedFile("a.jpg", buffer.getvalue()), jpeg(size=(320, 240))])
    assert Image.open(io.BytesIO(big)).size == (450, 600)
    assert Image.open(io.BytesIO(small)).size == (320, 240)


def test_a_camera_jpeg_with_a_second_picture_is_taken_as_jpeg():
    """Many phones write JPEGs with a preview or depth map as a second picture (MPO, which
    starts as any JPEG does): the first picture is kept, re-encoded, its GPS dropped."""
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0), 3: "E", 4: (116.0, 23.0, 0.0)}
    main, preview = Image.new("RGB", (64, 48), (200, 80, 40)), Image.new("RGB", (16, 12))
    main.save(buffer, "MPO", save_all=True, append_images=[preview], exif=exif)
    assert buffer.getvalue().startswith(b"\xff\xd8\xff")
    assert Image.open(io.BytesIO(buffer.getvalue())).format == "MPO"
    (out,) = photos.prepare([SimpleUploadedFile("IMG_0001.jpg", buffer.getvalue())])
    with Image.open(io.BytesIO(out)) as image:
        assert (image.format, image.size) == ("JPEG", (64, 48))
        assert dict(image.getexif()) == {}


def test_a_comment_written_into_a_jpeg_is_not_kept():
    """Pillow writes back a JPEG comment it read: free text (a phone number, say) sent in
    a photo's COM segment was stored and served to whoever opens the problem."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 120, 160)).save(
        buffer, "JPEG", comment="拍摄人 王芳 13812345678".encode()
    )
    assert Image.open(io.BytesIO(buffer.getvalue())).info.get("comment")
    (out,) = photos.prepare([SimpleUploadedFile("a.jpg", buffer.getvalue())])
    assert b"13812345678" not in out
    assert "comment" not in Image.open(io.BytesIO(out)).info


def test_a_large_picture_is_decoded_small_and_a_huge_lossless_one_refused():
    """A 40-megapixel PNG of nothing (150 KB sent) took half a gigabyte and seconds to
    decode and copy, six to a request: PNG and WebP stop at 16 megapixels, and a JPEG is
    decoded at the smallest built-in scale that still covers PHOTO_MAX_SIDE."""
    buffer = io.BytesIO()
    Image.new("RGB", (7000, 5700), (120, 30, 60)).save(buffer, "JPEG", quality=60)
    assert photos.decode(buffer.getvalue(), side=2560).size == (3500, 2850)  # 1/2, not 1/1
    assert photos.decode(buffer.getvalue()).size == (7000, 5700)
    (out,) = photos.prepare([SimpleUploadedFile("big.jpg", buffer.getvalue())])
    assert max(Image.open(io.BytesIO(out)).size) == settings.PHOTO_MAX_SIDE
    for fmt in ("PNG", "WEBP"):
        big = io.BytesIO()
        Image.new("RGBA", (4100, 4000), (0, 0, 0, 0)).save(big, fmt, lossless=True)
        with pytest.raises(ValidationFailed) as exc:
            photos.prepare([SimpleUploadedFile(f"shot.{fmt.lower()}", big.getvalue())])
        said = exc.value.fields["photos"]
        assert "照片像素为 1640 万，超过 1600 万的上限" in said and f"请把 {fmt} 图片缩小后上传" in said


@pytest.fixture
def resident_api(world):
    c = Client()
    c.force_login(world.resident_wang)
    return c


def test_api_create_with_photos_and_idempotency_key(world, resident_api):
    lon, lat = grid_point(world)
    form = {
        "category": "garbage",
        "description": "垃圾三天没清运",
        "lon": str(lon),
        "lat": str(lat),
        "photos": [jpeg()],
    }
    r = resident_api.post("/api/v1/problems/", form, HTTP_IDEMPOTENCY_KEY="abc-1")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "reported" and body["area"] == world.areas["A1-1"].code
    assert len(resident_api.get(f"/api/v1/problems/{body['id']}").json()["photos"]) == 1
    form["photos"] = [jpeg()]
    again = resident_api.post("/api/v1/problems/", form, HTTP_IDEMPOTENCY_KEY="abc-1")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert Problem.objects.filter(reporter=world.resident_wang).count() == 1
    # The key sent again with another problem: an app has no 提交 to press, but a key to change.
    other = {**form, "description": "路灯不亮了", "photos": []}
    r = resident_api.post("/api/v1/problems/", other, HTTP_IDEMPOTENCY_KEY="abc-1")
    assert r.status_code == 400 and r.json()["fields"] == {
        "idempotency_key": f"这个 Idempotency-Key 已用于问题 {body['number']}，这次的内容与那次不同，"
        "没有上报；上报新问题请换一个 Idempotency-Key"
    }
    assert Problem.objects.filter(reporter=world.resident_wang).count() == 1


def _problem_out(problem, status):
    """What ninja answered with ProblemOut for ``problem`` before the create built its
    answer by hand: pydantic's reading of the stored row, through the API's renderer."""
    from shequ.api import api
    from shequ.problems.api import ProblemOut

    return json.loads(
        api.renderer.render(HttpRequest(), ProblemOut.from_orm(problem).dict(), response_status=status)
    )


def test_the_create_answers_what_problem_out_says_of_the_stored_problem(world, resident_api):
    from shequ.problems.tests.helpers import act

    lon, lat = grid_point(world)
    body = {"category": "garbage", "description": "垃圾三天没清运", "lon": lon, "lat": lat}
    body["address"] = "3号楼"
    r = resident_api.post(
        "/api/v1/problems/", json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY="same-1"
    )
    assert r.status_code == 201
    # And what the reporter is told besides 已上报 (nothing here: a pin in a grid, staff set up).
    assert r.json() == {**_problem_out(Problem.objects.get(pk=r.json()["id"]), 201), "notes": []}
    # A repeat answers with the stored problem, by then further along its life.
    staff = world.users["community_staff@A1"]
    stored = Problem.objects.get(pk=r.json()["id"])
    act(world, staff, stored, "accept")
    act(world, staff, stored, "dispatch")
    again = resident_api.post(
        "/api/v1/problems/", json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY="same-1"
    )
    assert again.status_code == 200
    stored = Problem.objects.get(pk=r.json()["id"])
    assert stored.due_at is not None
    assert again.json() == {**_problem_out(stored, 200), "notes": []}


def test_the_hand_built_summary_has_every_field_of_problem_out(world):
    from shequ.problems.api import ProblemOut, summary
    from shequ.problems.tests.helpers import act

    p = report(world)
    staff = world.users["community_staff@A1"]
    for action in ("accept", "dispatch", "start"):
        p = act(world, staff, p, action)
    p = act(world, staff, p, "report_back", note="已清运", photos=[jpeg()])
    p = act(world, world.secretary_zhang, p, "verify_pass")
    p = act(world, world.resident_wang, p, "evaluate", resolved=True, satisfaction=4)
    p = Problem.objects.get(pk=p.pk)
    assert list(summary(p)) == list(ProblemOut.model_fields)
    from shequ.api import api

    assert json.loads(api.renderer.render(HttpRequest(), summary(p), response_status=200)) == _problem_out(
        p, 200
    )


def test_a_retry_that_no_longer_validates_still_gets_the_first_problem(world, resident_api, settings):
    from pathlib import Path

    from shequ.problems.models import ProblemCategory

    lon, lat = grid_point(world)
    form = {"category": "garbage", "description": "垃圾三天没清运", "lon": str(lon), "lat": str(lat)}
    first = resident_api.post("/api/v1/problems/", form, HTTP_IDEMPOTENCY_KEY="retry-1")
    assert first.status_code == 201
    ProblemCategory.objects.filter(code="garbage").update(active=False)
    try:
        stored_before = sorted(p.name for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())
        retry = resident_api.post(
            "/api/v1/problems/", {**form, "photos": [jpeg()]}, HTTP_IDEMPOTENCY_KEY="retry-1"
        )
        assert retry.status_code == 200 and retry.json()["id"] == first.json()["id"]
        # A new key with the retired category is refused, naming the field.
        fresh = resident_api.post("/api/v1/problems/", form, HTTP_IDEMPOTENCY_KEY="retry-2")
        assert fresh.status_code == 400 and "category" in fresh.json()["fields"]
        stored_after = sorted(p.name for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())
        assert stored_after == stored_before  # the repeated request's photo was not kept
    finally:
        ProblemCategory.objects.filter(code="garbage").update(active=True)


def test_api_create_errors_name_the_fields(world, resident_api):
    r = resident_api.post(
        "/api/v1/problems/",
        json.dumps({"category": "nope", "description": "x", "lat": "north"}),
        content_type="application/json",
    )
    assert r.status_code == 400
    assert r.json()["fields"] == {"lat": "必须是数字"}
    r = resident_api.post(
        "/api/v1/problems/",
        json.dumps({"category": "nope", "description": "x"}),
        content_type="application/json",
    )
    assert set(r.json()["fields"]) >= {"category", "description"}


def test_api_create_reads_null_as_empty_and_names_a_list(world, resident_api):
    """JSON null is an empty field: a description of null is missing, not the text
    "None" (four characters, which passed the length check)."""
    lon, lat = grid_point(world)
    body = {"category": "blocked_drain", "description": None, "address": None, "lon": lon, "lat": lat}
    r = resident_api.post("/api/v1/problems/", json.dumps(body), content_type="application/json")
    assert r.status_code == 400 and set(r.json()["fields"]) == {"description"}
    body = {**body, "description": ["下水道堵了"], "address": {"楼": 1}}
    r = resident_api.post("/api/v1/problems/", json.dumps(body), content_type="application/json")
    assert r.status_code == 400 and r.json()["fields"] == {
        "description": "必须是文本",
        "address": "必须是文本",
    }
    assert not Problem.objects.filter(reporter=world.resident_wang).exists()


def test_a_json_report_sent_without_its_content_type_is_named_not_read_as_empty(world, resident_api):
    """fetch() with a string body sends text/plain; some clients send no Content-Type.
    The body was read as an empty form and the caller told 请选择问题类别 and 请描述问题
    for a report that had both."""
    lon, lat = grid_point(world)
    body = json.dumps({"category": "blocked_drain", "description": "下水道堵了", "lon": lon, "lat": lat})
    for content_type in ("text/plain", ""):
        r = resident_api.post("/api/v1/problems/", body, content_type=content_type)
        assert r.status_code == 400 and r.json()["code"] == "invalid_body", content_type
        assert "Content-Type: application/json" in r.json()["message"]
    problem = report(world)
    urge = json.dumps({"action": "urge"})
    r = resident_api.post(f"/api/v1/problems/{problem.pk}/transitions", urge, content_type="text/plain")
    assert r.status_code == 400 and r.json()["code"] == "invalid_body"
    assert not Problem.objects.filter(reporter=world.resident_wang).exclude(pk=problem.pk).exists()
    r = resident_api.post("/api/v1/problems/", body, content_type="application/json")
    assert r.status_code == 201


def test_a_key_longer_than_stored_is_refused_not_cut(world):
    """Cut to 80 characters, two keys sharing their first 80 were one: the second report
    was answered with the first problem."""
    c = client_for(world.resident_wang)
    lon, lat = grid_point(world)
    form = {"category": "blocked_drain", "description": "下水道堵了", "lon": lon, "lat": lat}
    r = c.post("/problems/new/", {**form, "idempotency_key": "k" * 100})
    assert r.status_code == 400 and "不能超过80个字符" in r.content.decode()
    assert "下水道堵了" in r.content.decode()  # what was typed comes back
    assert not Problem.objects.filter(reporter=world.resident_wang).exists()


def test_api_transitions_list_and_categories(world):
    p = report(world)
    staff = Client()
    staff.force_login(world.users["community_staff@A1"])
    r = staff.post(
        f"/api/v1/problems/{p.pk}/transitions",
        json.dumps({"action": "accept"}),
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert r.json()["allowed_actions"] == ["merge", "dispatch", "escalate"]  # staff may not urge
    r = staff.post(
        f"/api/v1/problems/{p.pk}/transitions",
        json.dumps({"action": "evaluate"}),
        content_type="application/json",
    )
    assert r.status_code == 400 and "不能进行“回访评价”" in r.json()["message"]
    staff.post(
        f"/api/v1/problems/{p.pk}/transitions",
        json.dumps({"action": "dispatch"}),
        content_type="application/json",
    )
    staff.post(
        f"/api/v1/problems/{p.pk}/transitions",
        json.dumps({"action": "start"}),
        content_type="application/json",
    )
    r = staff.post(
        f"/api/v1/problems/{p.pk}/transitions",
        {"action": "report_back", "note": "已处理", "photos": [jpeg()]},
    )
    assert r.status_code == 200 and r.json()["status"] == "reported_back"
    assert r.json()["timeline"][-1]["photos"]
    listing = staff.get(
        "/api/v1/problems/", {"status": "reported_back", "area": world.areas["A1"].code}
    ).json()
    assert [i["id"] for i in listing["items"]] == [p.pk]
    assert staff.get("/api/v1/problems/", {"area": world.areas["B1"].code}).status_code == 404
    cats = staff.get("/api/v1/problem-categories/").json()
    assert {
        "code": "neighbour_dispute",
        "name": "邻里矛盾",
        "handling_level": "estate",
        "ledger_type": "neighbour",
        "deadline_class": "general",
        "responsible_role": "grid_leader",
        "active": True,
    } in cats


def test_a_resident_never_sees_another_residents_opinion_channel_report(world):
    p = report(world, source="opinion_channel")
    other = Client()
    other.force_login(world.users["resident@A1-1-h2"])
    assert other.get(f"/api/v1/problems/{p.pk}").status_code == 404
    assert other.get(f"/problems/{p.pk}/").status_code == 404
    assert other.get("/api/v1/problems/").json()["count"] == 0
    assert other.get("/api/v1/problems/", {"mine": "true"}).json()["count"] == 0
    own = Client()
    own.force_login(world.resident_wang)
    assert [i["id"] for i in own.get("/api/v1/problems/", {"mine": "true"}).json()["items"]] == [p.pk]
    assert own.get(f"/api/v1/problems/{p.pk}").json()["allowed_actions"] == []
    assert world.resident_wang.username not in other.get("/problems/mine/").content.decode()


def test_a_merged_reporter_sees_staff_but_not_the_first_reporter_by_name(world):
    first = report(world)  # (a 民意直通车 report is never a merge target for a neighbour)
    neighbour = world.users["resident@A1-1-h2"]
    second = report(world, actor=neighbour)
    act(world, world.secretary_zhang, first, "accept")
    act(world, world.secretary_zhang, second, "merge", into=first.pk)
    c = Client()
    c.force_login(neighbour)  # now a follower of the first problem
    page = c.get(f"/problems/{first.pk}/").content.decode()
    api = c.get(f"/api/v1/problems/{first.pk}").json()
    hidden = {str(world.resident_wang), world.resident_wang.username}
    assert not any(name in page for name in hidden)
    actors = [e["actor"] for e in api["timeline"]]
    assert actors[0] == "居民" and set(actors[1:]) == {str(world.secretary_zhang)}
    assert "居民 · " in page and f"{world.secretary_zhang} · " in page
    # The reporter sees their own step as theirs; staff see every name.
    own = Client()
    own.force_login(world.resident_wang)
    assert own.get(f"/api/v1/problems/{first.pk}").json()["timeline"][0]["actor"] == "我"
    staff = Client()
    staff.force_login(world.secretary_zhang)
    assert staff.get(f"/api/v1/problems/{first.pk}").json()["timeline"][0]["actor"] == str(
        world.resident_wang
    )


def test_my_problems_in_the_api_take_the_filters_and_name_a_bad_one(world):
    done = report(world)
    Problem.objects.filter(pk=done.pk).update(status=Status.CLOSED)
    waiting = report(world)
    own = Client()
    own.force_login(world.resident_wang)
    for status, expected in (("closed", [done.pk]), ("reported", [waiting.pk])):
        items = own.get("/api/v1/problems/", {"mine": "true", "status": status}).json()["items"]
        assert [i["id"] for i in items] == expected, status
    r = own.get("/api/v1/problems/", {"mine": "true", "status": "foo"})
    assert r.status_code == 400 and "状态" in r.json()["fields"]["status"]
    # A resident narrows their own problems to a place (they hold no area scope: it was a
    # 404 for their own grid); an unknown code is named.
    for code, ids in (("A1-1", {done.pk, waiting.pk}), ("A1-2", set()), ("B1", set())):
        r = own.get("/api/v1/problems/", {"mine": "true", "area": world.areas[code].code})
        assert r.status_code == 200 and {i["id"] for i in r.json()["items"]} == ids, code
    r = own.get("/api/v1/problems/", {"mine": "true", "area": "999"})
    assert r.status_code == 400 and r.json()["fields"] == {"area": "区域编码 999 不存在"}
    # A transition's bad value says what is expected, not only that it is wrong.
    r = own.post(
        f"/api/v1/problems/{done.pk}/transitions",
        {"action": "evaluate", "satisfaction": "abc"},
        content_type="application/json",
    )
    assert r.status_code == 400 and r.json()["fields"]["satisfaction"] == "必须是整数"


def test_filters_no_problem_can_meet_together_are_named_not_answered_empty(world):
    """open=true&closed=true, or status=closed with open=true, listed nothing: a client
    read it as "no problems", not as a query that cannot match."""
    report(world)
    staff = client_for(world.secretary_zhang)
    r = staff.get("/api/v1/problems/", {"open": "true", "closed": "true"})
    assert r.status_code == 400
    assert r.json()["fields"] == {"closed": "open（在办）与 closed（已结案）不能同时使用"}
    r = staff.get("/api/v1/problems/", {"open": "true", "status": "closed"})
    assert r.status_code == 400 and r.json()["fields"] == {
        "status": "状态“已结案”不属于在办（open），两个条件不能同时满足"
    }
    r = staff.get("/api/v1/problems/", {"closed": "true", "status": "reported"})
    assert r.status_code == 400 and "不属于已结案（closed）" in r.json()["fields"]["status"]
    # Those that can meet are taken.
    r = staff.get("/api/v1/problems/", {"open": "true", "status": "reported"})
    assert r.status_code == 200 and r.json()["count"] >= 1
    assert staff.get("/api/v1/problems/", {"closed": "true", "status": "evaluated"}).status_code == 200


def test_numbers_typed_into_a_description_are_masked_for_all_but_the_reporter(world):
    from shequ.problems.services import ReportInput, report_problem

    lon, lat = grid_point(world)
    text = "楼上漏水，我是王，电话18271818316，身份证11010519491231002X"
    p, _ = report_problem(
        world.resident_wang, ReportInput(category="blocked_drain", description=text, lon=lon, lat=lat)
    )
    act(world, world.secretary_zhang, p, "accept", note="已联系13912345678")
    staff = client_for(world.secretary_zhang)
    shown = _as_staff_see_it(staff, p)
    for body in shown:
        assert "18271818316" not in body and "11010519491231002X" not in body
    assert "182****8316" in shown[0] and "110***********002X" in shown[1] and "182****8316" in shown[2]
    # The reporter sees what they wrote; the staff member's number in a note is masked to them.
    own = Client()
    own.force_login(world.resident_wang)
    mine = own.get(f"/api/v1/problems/{p.pk}").json()
    assert mine["description"] == text
    assert "139****5678" in mine["timeline"][-1]["note"]
    assert "13912345678" in staff.get(f"/problems/{p.pk}/").content.decode()
    # The notice of that step reaches the resident masked too.
    from shequ.notifications.models import Notification

    told = Notification.objects.get(
        user=world.resident_wang, link=f"/problems/{p.pk}/", text__contains="立案"
    )
    assert "139****5678" in told.text and "13912345678" not in told.text


def test_numbers_typed_into_an_address_are_masked_as_in_a_description(world):
    """The address is free text too: a phone or ID number in it was shown in full to staff
    on the detail page, in the API and in the ledger export."""
    from shequ.problems.services import ReportInput, report_problem

    lon, lat = grid_point(world)
    address = "3栋2单元 联系人王芳 18271818316 身份证11010519491231002X"
    p, _ = report_problem(
        world.resident_wang,
        ReportInput(
            category="blocked_drain", description="楼道下水管堵塞", lon=lon, lat=lat, address=address
        ),
    )
    staff = client_for(world.secretary_zhang)
    shown = _as_staff_see_it(staff, p)
    for body in shown:
        assert "18271818316" not in body and "11010519491231002X" not in body
        assert "3栋2单元" in body and "182****8316" in body
    # The reporter sees what they typed.
    own = Client()
    own.force_login(world.resident_wang)
    assert own.get(f"/api/v1/problems/{p.pk}").json()["address"] == address


def test_an_unknown_address_or_method_under_the_api_answers_in_its_error_shape(world):
    """A client that misspelt an endpoint got the site's HTML 404 page, and one that used
    the wrong method got the plain English text "Method not allowed"."""
    c = Client()
    c.force_login(world.secretary_zhang)
    r = c.get("/api/v1/problemz/")
    assert r.status_code == 404 and r["Content-Type"].startswith("application/json")
    assert r.json() == {"code": "not_found", "message": "接口 /api/v1/problemz/ 不存在", "fields": {}}
    p = report(world)
    r = c.put(f"/api/v1/problems/{p.pk}")
    assert r.status_code == 405 and r.json()["code"] == "method_not_allowed"
    assert "PUT" in r.json()["message"] and "GET" in r["Allow"]
    # The API's own 404 (a problem out of scope) keeps its message.
    assert c.get("/api/v1/problems/999999").json()["message"] == "问题不存在或无权查看"


def test_a_write_to_an_api_address_without_its_final_slash_is_refused_not_redirected(world):
    """POST /api/v1/problems (no final slash) was redirected (301, an empty HTML body) to
    /api/v1/problems/; a client that follows redirects turned the POST into a GET, read
    the list and took it for success: nothing was recorded and nobody was told."""
    c = client_for(world.resident_wang)
    before = Problem.objects.count()
    for method, path in [
        ("post", "/api/v1/problems"),
        ("post", "/api/v1/store/orders"),
        ("post", "/api/v1/tasks"),
        ("put", "/api/v1/tasks"),
        ("delete", "/api/v1/problems"),
    ]:
        r = getattr(c, method)(path, json.dumps({"category": "garbage"}), content_type="application/json")
        assert r.status_code == 404, (method, path, r.status_code)
        assert r.json() == {
            "code": "not_found",
            "message": f"接口地址应为 {path}/（以 / 结尾）",
            "fields": {},
        }
    assert Problem.objects.count() == before
    # A read may still follow the redirect; an address without a slash of its own answers.
    r = c.get("/api/v1/problems", {"mine": "true"})
    assert r.status_code == 301 and r["Location"] == "/api/v1/problems/?mine=true"
    staff = client_for(world.secretary_zhang)
    r = staff.post("/api/v1/points/service-records", "{}", content_type="application/json")
    assert r.status_code == 422 and r.json()["code"] == "invalid"
    r = staff.post("/api/v1/problemz", "{}", content_type="application/json")
    assert r.status_code == 404 and r.json()["message"] == "接口 /api/v1/problemz 不存在"


def _as_staff_see_it(staff, p):
    """The problem as a staff member meets it: its page, the API's detail and list, and
    its row in the ledger export."""
    from shequ.problems.ledgers import ledger_rows

    return [
        staff.get(f"/problems/{p.pk}/").content.decode(),
        json.dumps(staff.get(f"/api/v1/problems/{p.pk}").json(), ensure_ascii=False),
        json.dumps(staff.get("/api/v1/problems/").json(), ensure_ascii=False),
        " ".join(map(str, next(ledger_rows(Problem.objects.filter(pk=p.pk))))),
    ]


def test_the_files_the_api_links_to_open_with_its_token(world):
    """The API gave photo, proof and attachment links that only a signed-in page session
    could open: an app with its Bearer token was sent to the sign-in page."""
    from shequ.tasks import services as task_services
    from shequ.tasks.tests.helpers import make_task, prove
    from shequ.testing.world import PASSWORD

    def token_client(user):
        c = Client()
        r = c.post(
            "/api/v1/auth/token",
            json.dumps({"username": user.username, "password": PASSWORD}),
            content_type="application/json",
        )
        c.defaults["HTTP_AUTHORIZATION"] = f"Bearer {r.json()['token']}"
        return c

    p = report(world, photos=[jpeg()])
    resident = token_client(world.resident_wang)
    (url,) = resident.get(f"/api/v1/problems/{p.pk}").json()["photos"]
    r = resident.get(url)
    assert r.status_code == 200 and r["Content-Type"] == "image/jpeg"
    assert token_client(world.outsider_zhao).get(url).status_code == 404
    r = Client(HTTP_AUTHORIZATION="Bearer not-a-token").get(url)
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"
    assert Client().get(url).status_code == 302  # no credentials: the sign-in page
    # A grid worker sees a proof before accepting it through the API.
    task = make_task(world, files=[jpeg()])
    claim = prove(world.resident_wang, task_services.claim_task(world.resident_wang, task.pk))
    grid = token_client(world.grid_worker_li)
    (proof,) = grid.get(f"/api/v1/claims/{claim.pk}").json()["files"]
    assert grid.get(proof).status_code == 200
    (attachment,) = resident.get(f"/api/v1/tasks/{task.pk}").json()["attachments"]
    assert resident.get(attachment).status_code == 200


def test_the_api_merges_by_the_number_the_page_shows(world):
    """合并 on the page took the 编号 users see, the API only the id: a client reading the
    number off the page was refused ("必须是整数") or, with the 编号 sent as a number,
    told no such problem existed."""
    staff = Client()
    staff.force_login(world.secretary_zhang)
    target = report(world)
    other = report(world)
    outside = report(world, actor=world.users["resident@B1-1-h1"], key="B1-1")

    def merge(dup, into):
        return staff.post(
            f"/api/v1/problems/{dup.pk}/transitions",
            json.dumps({"action": "merge", "into": into}),
            content_type="application/json",
        )

    dup = report(world, actor=world.users["resident@A1-1-h2"])
    day = target.number[:8]
    # A digit left out, another problem's id under the day, another street's problem by
    # 编号 or id: refused under ``into`` alike, out of scope not told apart from missing.
    for typed in (target.number[:-1], f"{day}{other.pk:05d}", outside.number, outside.pk, "第一个"):
        r = merge(dup, typed)
        assert r.status_code == 400, typed
        assert r.json()["fields"]["into"] == "要合并到的问题不存在或无权查看", typed
    for typed in (True, 1.0, [target.pk]):
        r = merge(dup, typed)
        assert r.status_code == 400 and "编号" in r.json()["fields"]["into"], typed
    assert Problem.objects.get(pk=dup.pk).status == Status.REPORTED
    r = merge(dup, target.number)
    assert r.status_code == 200 and r.json()["merged_into"] == target.pk
    # The id, as a number or as text, still works.
    for into in (target.pk, str(target.pk)):
        dup = report(world, actor=world.users["resident@A1-1-h2"])
        assert merge(dup, into).json()["merged_into"] == target.pk
