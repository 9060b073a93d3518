"""Open311 GeoReport v2 under /open311/v2/, so that existing 311 clients can report
problems and follow them. A thin adapter: reports go through services.report_problem
and reads through the selectors the JSON API uses, with the same scope and masking.

The caller is only ever the account of the ``api_key`` parameter (an Open311 key, issued
with ``shequ user open311-key add``; never an API token):
the views are CSRF-exempt, so a session cookie must not count. ``media_url`` is never
fetched (no server-side requests to addresses a client gives)."""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

from django.db import DataError, OperationalError
from django.db.models import Prefetch
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from shequ.access.audit import client_ip
from shequ.access.tokens import user_for_open311_key
from shequ.core.errors import BUSY_MESSAGE, DomainError
from shequ.core.numbers import whole
from shequ.problems import selectors, services
from shequ.problems.lifecycle import STATUS_LABELS
from shequ.problems.models import (
    OPEN_STATUSES,
    DeadlineClass,
    HandlingLevel,
    LedgerType,
    PhotoKind,
    Problem,
    ProblemCategory,
    ProblemPhoto,
    ResponsibleRole,
    Source,
    Status,
)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-24T00:00:00+08:00"  # when this adapter's answers last changed shape
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# The spec's response volume: at most 90 days and 1,000 requests an answer; ``page`` (an
# extension) reads the next 1,000, up to the 10,000 newest of the range.
MAX_DAYS = 90
PAGE_SIZE = 1000
MAX_PAGE = 10
MAX_IDS = 100  # service_request_id=a,b,c… in one query
CLOSED_STATUSES = tuple(s for s in Status.values if s not in OPEN_STATUSES)
# The report service's field names, as an Open311 client sent them.
_FIELDS = {
    "category": "service_code",
    "lon": "long",
    "area": "lat",  # a pin outside the reporter's communities
    "address": "address_string",
    "photos": "media",
    "idempotency_key": "Idempotency-Key",
}
_NO_PLACE = "请在地图上标出位置或填写所在区域"
NO_KEY = "api_key：缺少、无效或已撤销（请向系统管理员申请 Open311 密钥；访问令牌不能用作 api_key）"
MEDIA_URL_NOTICE = "media_url 未读取：本系统不从客户端给出的网址下载内容，照片请作为 media 文件随请求上传。"
# XML 1.0 cannot carry these characters: dropped rather than written as a broken document.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# The list element's children, by the spec's names (JSON writes them as arrays).
_ITEM = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
}


class Open311Error(Exception):
    def __init__(self, status: int, *descriptions: str) -> None:
        super().__init__(descriptions)
        self.status = status
        self.descriptions = descriptions


def _xml(parent: ET.Element, tag: str, value: Any) -> None:
    node = ET.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, inner in value.items():
            _xml(node, key, inner)
    elif isinstance(value, list):
        for inner in value:
            _xml(node, _ITEM[tag], inner)
    elif isinstance(value, bool):
        node.text = "true" if value else "false"
    elif value is not None:
        node.text = _NOT_XML.sub("", str(value))


def _answer(fmt: str, root: str, body: Any, status: int = 200) -> HttpResponse:
    """``body`` (a list of rows under ``root``, or one object) in the format asked for:
    JSON as it is, XML with the spec's element names."""
    if fmt == "json":
        return JsonResponse(
            body,
            safe=False,
            status=status,
            content_type=CONTENT_TYPES["json"],
            json_dumps_params={"ensure_ascii": False},
        )
    top = ET.Element(root)
    if isinstance(body, list):
        for row in body:
            _xml(top, _ITEM[root], row)
    else:
        for key, value in body.items():
            _xml(top, key, value)
    text = ET.tostring(top, encoding="utf-8", xml_declaration=True)
    return HttpResponse(text, status=status, content_type=CONTENT_TYPES["xml"])


def _errors(fmt: str, status: int, descriptions: tuple[str, ...]) -> HttpResponse:
    rows = [{"code": status, "description": d} for d in descriptions]
    return _answer(fmt, "errors", rows, status)


def refusal(request: HttpRequest, status: int, description: str) -> HttpResponse:
    """A refusal outside the JSON/XML views (a body too large, a server error, a photo),
    in the spec's error shape and the format the path's suffix asks for (XML unless
    .json)."""
    fmt = "json" if request.path.endswith(".json") else "xml"
    return _errors(fmt, status, (description,))


def unrouted(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """An address under /open311/ that names no method (Django's HTML 404 page) or a
    method asked with a verb it does not take (an empty 405) in the spec's error shape,
    as every other refusal here: a 311 client reads the errors array, not a web page.
    The views' own answers (JSON, XML, a photo) pass unchanged."""
    if not response.get("Content-Type", "").startswith("text/html"):
        return response
    if response.status_code == 405:
        allowed = response.get("Allow", "")
        told = refusal(request, 405, f"{request.method}：该地址不接受此请求方法，可用：{allowed}")
        told["Allow"] = allowed
        return told
    return refusal(
        request,
        404,
        f"接口 {request.path[:200]} 不存在（Open311 GeoReport v2 的方法见 discovery.json 或 discovery.xml）",
    )


def endpoint(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Checks the format, and answers every refusal in the spec's error shape."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        if fmt not in CONTENT_TYPES:
            return _errors("xml", 404, (f"格式：只支持 .json 或 .xml（收到 .{fmt[:10]}）",))
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as exc:
            return _errors(fmt, exc.status, exc.descriptions)
        except DomainError as exc:
            fields = [f"{_FIELDS.get(k, k)}：{_reworded(k, v)}" for k, v in exc.fields.items()]
            return _errors(fmt, exc.status, tuple(fields) or (exc.message,))
        except (OverflowError, DataError):
            return _errors(fmt, 400, ("提交的数字太大或内容太长，超出了可以保存的范围，请修改后重试",))
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
            return _errors(fmt, 503, (BUSY_MESSAGE,))

    return wrapped


def _reworded(field: str, message: str) -> str:
    # The report form's words for "no place" name its map and area picker, which an
    # Open311 client does not have.
    if field == "lat" and message == _NO_PLACE:
        return "请提供 lat 和 long；只给 address_string 时，问题交由账号所在社区分派，而此账号没有所在社区"
    if field == "area" and message == services.PIN_OFF_GRID:
        return "lat 和 long 不在任何网格内；网格外的位置交由账号所在社区分派，而此账号没有所在社区"
    return message


def _account(request: HttpRequest) -> Any:
    """The account of the ``api_key`` parameter; never the session (CSRF-exempt views)."""
    # A POST sends it in its body (the spec), never in the URL, which logs keep.
    key = request.POST.get("api_key") if request.method == "POST" else request.GET.get("api_key")
    user = user_for_open311_key(key.strip()) if key and key.strip() else None
    if user is None:
        raise Open311Error(403, NO_KEY)
    return user


@require_GET
@endpoint
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(reverse("open311_discovery", kwargs={"fmt": fmt})).rsplit("/", 1)[0]
    body = {
        "changeset": CHANGESET,
        "contact": "请联系本街道或社区的系统管理员。",
        "key_service": "api_key 即 Open311 密钥：请向本街道或社区的系统管理员申请，每个对接客户端一个。",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return _answer(fmt, "discovery", body)


def _service(category: ProblemCategory) -> dict[str, Any]:
    level = HandlingLevel(category.handling_level).label
    role = ResponsibleRole(category.responsible_role).label
    deadline = DeadlineClass(category.deadline_class).label
    ledger = str(LedgerType(category.ledger_type).label)
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": f"{category.name}：默认由{level}处置（{role}），办理时限：{deadline}",
        "metadata": False,
        "type": "realtime",
        "keywords": ",".join([category.name, ledger, str(level)]),
        "group": ledger,
    }


@require_GET
@endpoint
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    return _answer(fmt, "services", [_service(c) for c in ProblemCategory.objects.filter(active=True)])


@require_GET
@endpoint
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    """No category asks for more than the report's own fields (metadata=false): its
    definition has no attributes."""
    if not ProblemCategory.objects.filter(code=code, active=True).exists():
        raise Open311Error(404, "service_code：没有这个问题类别")
    return _answer(fmt, "service_definition", {"service_code": code, "attributes": []})


@csrf_exempt
@require_http_methods(["GET", "POST"])
@endpoint
def service_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        _form_only(request)
        return _report(request, fmt)
    viewer = _account(request)
    rows = _listed(viewer, request.GET)
    return _answer(fmt, "service_requests", [_request(request, viewer, p) for p in rows])


@require_GET
def media(request: HttpRequest, photo_id: int) -> HttpResponse | FileResponse:
    """A problem's photo for an Open311 client, by its api_key (the ``media_url`` of a
    request): served to whoever may open the problem, as the photo page serves it."""
    try:
        viewer = _account(request)
    except Open311Error as exc:
        return refusal(request, exc.status, exc.descriptions[0])
    path = selectors.photo_file(viewer, photo_id)
    if path is None:
        return refusal(request, 404, "media：照片不存在或无权查看")
    return FileResponse(open(path, "rb"), content_type="image/jpeg")  # noqa: SIM115 - FileResponse closes it


@require_GET
@endpoint
def request_detail(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    viewer = _account(request)
    found = _by_numbers(viewer, [request_id])
    if not found:
        # Missing and out of scope alike, as in the API.
        raise Open311Error(404, "service_request_id：问题不存在或无权查看")
    return _answer(fmt, "service_requests", [_request(request, viewer, found[0])])


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _form_only(request: HttpRequest) -> None:
    """A report is form-encoded (the spec; multipart with photos). A JSON body is not
    read as a form, so its api_key was never seen: the client was told its key was
    missing or revoked, and looked for the fault in the key."""
    if request.content_type in FORM_TYPES or not request.body:
        return
    raise Open311Error(
        415,
        f"Content-Type：请以表单提交（{FORM_TYPES[0]}，带照片时 {FORM_TYPES[1]}），"
        f"收到的是 {(request.content_type or '未注明')[:60]}；api_key 等字段都放在表单中",
    )


def _report(request: HttpRequest, fmt: str) -> HttpResponse:
    actor = _account(request)
    # A photo sent under another name (media[], photo) was dropped, and the report saved
    # without it, as if it had gone through.
    unread = [f"{str(n)[:40]}：照片请作为 media 文件上传，本次未上报" for n in request.FILES if n != "media"]
    if unread:
        raise Open311Error(400, *unread)
    data = request.POST
    code = (data.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, "service_code：必填")
    errors, point = [], {}
    for name, key in (("lat", "lat"), ("long", "lon")):
        raw = (data.get(name) or "").strip()
        try:
            point[key] = float(raw) if raw else None
        except ValueError:
            errors.append(f"{name}：必须是数字（WGS84 经纬度）")
    if errors:
        raise Open311Error(400, *errors)
    try:
        problem = _reported(request, actor, code, point)
    except services.KeyReused as exc:
        raise exc.for_clients() from None
    except DomainError as exc:
        # The category is checked by the service, after a retry (same Idempotency-Key)
        # is recognised: one sent again after its category was retired still gets its
        # problem. An unknown code is the spec's 404.
        if "category" in exc.fields and not ProblemCategory.objects.filter(code=code, active=True).exists():
            raise Open311Error(404, "service_code：没有这个问题类别") from None
        raise
    notice = [f"已上报，编号 {problem.number}，处理进展可按编号查询。", *services.report_notes(problem)]
    if data.get("media_url"):
        notice.append(MEDIA_URL_NOTICE)
    row = {"service_request_id": problem.number, "service_notice": "".join(notice), "account_id": None}
    return _answer(fmt, "service_requests", [row])


def _reported(request: HttpRequest, actor: Any, code: str, point: dict[str, float | None]) -> Problem:
    data = request.POST
    problem, _created = services.report_problem(
        actor,
        services.ReportInput(
            category=code,
            description=data.get("description") or "",
            # A resident's own report through an app; first_name, last_name, email, phone
            # and device_id are not kept: the key's account is the reporter.
            source=Source.RESIDENT,
            lon=point["lon"],
            lat=point["lat"],
            address=data.get("address_string") or "",
            idempotency_key=request.headers.get("Idempotency-Key", ""),
            photos=request.FILES.getlist("media"),
        ),
        ip=client_ip(request),
    )
    return problem


def _w3c(name: str, raw: str) -> datetime:
    """A W3C date-time (2026-11-22T09:30:00+08:00, …Z), or a date: local midnight, or
    for ``end_date`` the midnight after it, so that the day named is included. An
    unencoded "+" in a query string arrives as a space: it is read as the "+"."""
    text = re.sub(r" (\d\d:?\d\d)$", r"+\1", raw.strip())
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise Open311Error(400, f"{name}：必须是 W3C 日期时间，如 2026-11-22T09:30:00+08:00") from None
    if not 2000 <= value.year <= 2100:  # problems are of these years; the edges overflow
        raise Open311Error(400, f"{name}：日期超出范围（2000 年到 2100 年）")
    if len(text) == 10:  # a date alone
        value = datetime.combine(value.date(), time.min) + timedelta(days=name == "end_date")
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def _items(query: Any, name: str) -> list[str]:
    """A comma list, also when sent as the parameter repeated (``status=open&status=closed``,
    as many HTTP libraries write an array): the last one alone was read, without a word."""
    return [t.strip() for value in query.getlist(name) for t in value.split(",") if t.strip()]


def _listed(viewer: Any, query: Any) -> list[Problem]:
    twice = [n for n in ("start_date", "end_date", "page") if len(query.getlist(n)) > 1]
    if twice:
        raise Open311Error(400, *(f"{n}：只能给一个值（收到 {len(query.getlist(n))} 个）" for n in twice))
    ids = _items(query, "service_request_id")
    if ids:  # overrides every other argument (the spec)
        if len(ids) > MAX_IDS:
            raise Open311Error(400, f"service_request_id：一次最多查询 {MAX_IDS} 个")
        return _by_numbers(viewer, ids)
    errors = []
    codes = _items(query, "service_code")
    known = set(ProblemCategory.objects.filter(code__in=codes).values_list("code", flat=True))
    errors += [f"service_code：没有这个问题类别（{c[:40]}）" for c in codes if c not in known]
    states = _items(query, "status")
    if any(s not in ("open", "closed") for s in states):
        errors.append("status：只能是 open 或 closed")
    raw_page = (query.get("page") or "").strip()
    page = whole(raw_page, low=1, high=MAX_PAGE) if raw_page else 1
    if page is None:
        errors.append(f"page：必须是 1 到 {MAX_PAGE} 的整数")
    start = end = None
    for name in ("start_date", "end_date"):
        raw = (query.get(name) or "").strip()
        if raw:
            try:
                value = _w3c(name, raw)
            except Open311Error as exc:
                errors += exc.descriptions
                continue
            start, end = (value, end) if name == "start_date" else (start, value)
    if errors:
        raise Open311Error(400, *errors)
    try:
        end = end or (start + timedelta(days=MAX_DAYS) if start else timezone.now())
        start = start or end - timedelta(days=MAX_DAYS)
    except OverflowError:
        raise Open311Error(400, "start_date：日期超出范围") from None
    if start > end:
        raise Open311Error(400, "start_date：不能晚于 end_date")
    if end - start > timedelta(days=MAX_DAYS):
        raise Open311Error(400, f"end_date：与 start_date 相隔不能超过 {MAX_DAYS} 天")
    # What GET /api/v1/problems/ lists to the same account: the one scope rule.
    qs = selectors.problem_list(viewer).filter(reported_at__gte=start, reported_at__lte=end)
    if codes:
        qs = qs.filter(category__code__in=codes)
    if set(states) == {"open"}:
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif set(states) == {"closed"}:
        qs = qs.filter(status__in=CLOSED_STATUSES)
    offset = ((page or 1) - 1) * PAGE_SIZE
    return list(_with_photos(qs)[offset : offset + PAGE_SIZE])


def _with_photos(qs: Any) -> Any:
    return qs.prefetch_related(
        Prefetch("photos", queryset=ProblemPhoto.objects.filter(kind=PhotoKind.REPORT).order_by("id"))
    )


def _by_numbers(viewer: Any, numbers: list[str]) -> list[Problem]:
    """The problems named by their 编号 (the service_request_id this adapter gives) that
    the viewer may open, as GET /api/v1/problems/{id} decides; others are left out."""
    pks: dict[int, str] = {}
    for text in numbers:
        pk = selectors.id_in_number(text)
        if pk:
            pks[pk] = text
    if not pks:
        return []
    found = list(
        _with_photos(
            Problem.objects.filter(pk__in=pks).select_related("category", "area").defer("area__geometry")
        )
    )
    followed = selectors.followed_among(viewer, found)
    return [p for p in found if p.number == pks[p.pk] and selectors.may_see(viewer, p, followed)]


def _w3c_out(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _request(request: HttpRequest, viewer: Any, p: Problem) -> dict[str, Any]:
    """One problem as a service request: no reporter, numbers in its texts masked."""
    closed = p.status in CLOSED_STATUSES
    party = selectors.shown_party(viewer, p)
    agency = [str(HandlingLevel(p.handling_level).label), str(ResponsibleRole(p.responsible_role).label)]
    address = selectors.shown_address(viewer, p)
    photos = list(p.photos.all())
    # Fetched with the client's own api_key added (never written into the address).
    photo = reverse("open311_media", args=[photos[0].pk]) if photos else None
    return {
        "service_request_id": p.number,
        "status": "closed" if closed else "open",
        "status_notes": str(STATUS_LABELS.get(p.status, p.status)),
        "service_name": p.category.name,
        "service_code": p.category.code,
        "description": selectors.shown_description(viewer, p),
        "agency_responsible": " · ".join(agency + ([party] if party else [])),
        "service_notice": None,
        "requested_datetime": _w3c_out(p.reported_at),
        "updated_datetime": _w3c_out(p.closed_at if closed and p.closed_at else p.updated_at),
        "expected_datetime": _w3c_out(p.due_at),
        "address": "，".join(x for x in (address, p.area.name) if x),
        "lat": p.lat,
        "long": p.lon,
        "media_url": request.build_absolute_uri(photo) if photo else None,
    }
