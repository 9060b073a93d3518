from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from shequ.access.audit import client_ip
from shequ.access.roles import Permission
from shequ.access.scope import has_anywhere
from shequ.areas.models import Area, AreaKind
from shequ.core.errors import DomainError
from shequ.core.numbers import days_param
from shequ.people import views as people_views
from shequ.registry import selectors, services
from shequ.registry.columns import COLUMNS
from shequ.registry.models import ImportRun, ImportStatus

REMAPPABLE = (ImportStatus.MAPPING, ImportStatus.REFUSED, ImportStatus.CHECKED, ImportStatus.FAILED)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _communities(request: HttpRequest) -> list[Area]:
    return list(
        Area.objects.visible_to(request.user, Permission.REGISTRY_IMPORT)
        .filter(kind=AreaKind.COMMUNITY)
        .order_by("path")
    )


@login_required
def import_start(request: HttpRequest) -> HttpResponse:
    """Upload a register; the runs below can be opened again to follow or finish them."""
    if not has_anywhere(request.user, Permission.REGISTRY_IMPORT):
        raise Http404
    error = None
    chosen = request.POST.get("community", "") if request.method == "POST" else ""
    if request.method == "POST":
        try:
            run = services.start_import(
                request.user, chosen, request.FILES.get("file"), ip=client_ip(request)
            )
            return redirect("registry_import_run", run_id=run.pk)
        except DomainError as exc:
            if exc.status == 404:
                raise
            error = exc
    runs = selectors.import_runs(request.user)[:20]
    return render(
        request,
        "registry/import.html",
        {"communities": _communities(request), "runs": runs, "error": error, "chosen": chosen},
        status=error.status if error else 200,
    )


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    if not has_anywhere(request.user, Permission.REGISTRY_IMPORT):
        raise Http404
    response = HttpResponse(services.template_bytes(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote('居民导入模板.xlsx')}"
    return response


def _run_context(run: ImportRun, error: DomainError | None = None) -> dict[str, Any]:
    choices = [("", "（不导入这一列）")]
    choices += [(c.key, c.label + ("（必填）" if c.required else "")) for c in COLUMNS]
    fields = error.fields if error else {}
    rows = [(i, h, run.mapping.get(h, ""), fields.get(h, "")) for i, h in enumerate(run.headers)]
    return {
        "run": run,
        "choices": choices,
        "mapping_rows": rows,
        "can_map": bool(run.stored_file) and (run.status in REMAPPABLE or run.stale),
        "error": error,
    }


@login_required
def import_run(request: HttpRequest, run_id: int) -> HttpResponse:
    """The page of one upload: fix the column mapping, follow the check, see each row's
    errors, and import when nothing is wrong."""
    run = selectors.get_import_run(request.user, run_id)
    error = None
    if request.method == "POST":
        mapping = {}
        for i, header in enumerate(run.headers):
            mapping[header] = request.POST.get(f"col_{i}", "")
        try:
            services.set_mapping(request.user, run.pk, mapping, ip=client_ip(request))
            return redirect("registry_import_run", run_id=run.pk)
        except DomainError as exc:
            error = exc
            run.mapping = mapping  # what the user chose comes back with the message
    return render(
        request, "registry/import_run.html", _run_context(run, error), status=error.status if error else 200
    )


@login_required
def import_progress(request: HttpRequest, run_id: int) -> HttpResponse:
    run = selectors.get_import_run(request.user, run_id)
    response = render(request, "registry/partials/import_status.html", _run_context(run))
    if not run.active and request.GET.get("was") in ("checking", "importing"):
        response["HX-Refresh"] = "true"  # the mapping form and buttons follow the new status
    return response


@login_required
@require_POST
def import_confirm(request: HttpRequest, run_id: int) -> HttpResponse:
    try:
        services.confirm_import(request.user, run_id, ip=client_ip(request))
    except DomainError as exc:
        if exc.status == 404:
            raise
        run = selectors.get_import_run(request.user, run_id)
        return render(request, "registry/import_run.html", _run_context(run, exc), status=exc.status)
    return redirect("registry_import_run", run_id=run_id)


@login_required
def import_errors(request: HttpRequest, run_id: int) -> FileResponse:
    run = selectors.get_import_run(request.user, run_id)
    path = Path(settings.MEDIA_ROOT) / run.errors_file if run.errors_file else None
    if path is None or not path.exists():
        raise Http404
    stem = Path(run.file_name).stem
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"{stem}-错误报告.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def resident_export(request: HttpRequest) -> HttpResponse | FileResponse:
    """The resident list with the list page's filters (area, q) as xlsx: a GET is always
    masked; full values are a POST (CSRF-checked, the reason kept out of URLs and access
    logs) with a reason, and then full only where the viewer may unmask. The page's masked
    export is a POST too (``masked=1``): a search by a full number stays out of URLs."""
    posted = request.method == "POST"
    full = posted and request.POST.get("masked") != "1"
    if not posted and request.GET.get("full") == "1":
        return HttpResponseNotAllowed(["POST"], "导出完整信息请使用页面上的表单（POST）")
    params = request.POST if posted else request.GET
    return _list_export(
        request,
        "居民名单",
        lambda path: services.export_residents(
            request.user,
            path,
            area_code=params.get("area", "").strip(),
            q=params.get("q", "").strip(),
            full=full,
            reason=params.get("reason", ""),
            ip=client_ip(request),
        ),
        back=people_views.resident_list,
    )


def _list_export(
    request: HttpRequest, name: str, write: Any, back: Any = None
) -> HttpResponse | FileResponse:
    """``back`` is the list's page view: a refused full export (a POST) returns to it with
    the message beside the reason box and the reason as typed."""
    spool = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - handed to the response
    try:
        write(spool.name)
    except DomainError as exc:
        spool.close()
        if exc.status == 404:
            raise
        if back is not None and request.method == "POST":
            request.GET = request.POST  # type: ignore[assignment]  # the list's filters came with the form
            response: HttpResponse = back(request, export_error=exc, reason=request.POST.get("reason", ""))
            response.status_code = exc.status
            return response
        return render(request, "error.html", {"error": exc}, status=exc.status)
    spool.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(spool, as_attachment=True, filename=f"{name}-{stamp}.xlsx", content_type=XLSX)


@login_required
@require_http_methods(["GET", "POST"])
def floating_export(request: HttpRequest) -> HttpResponse | FileResponse:
    """The floating population list with its filters (area, list) as xlsx: a GET is
    masked; a POST with a reason gives full values where the viewer may unmask."""
    full = request.method == "POST"
    params = request.POST if full else request.GET
    return _list_export(
        request,
        "流动人口",
        lambda out: services.export_floating(
            request.user,
            out,
            area_code=params.get("area", "").strip(),
            which=params.get("list", "all"),
            full=full,
            reason=params.get("reason", ""),
            ip=client_ip(request),
        ),
        back=people_views.floating_list,
    )


@login_required
@require_http_methods(["GET", "POST"])
def care_export(request: HttpRequest) -> HttpResponse | FileResponse:
    """A care-group list with its filters (group, area) as xlsx: a GET is masked; a POST
    with a reason gives full values where the viewer may unmask."""
    full = request.method == "POST"
    params = request.POST if full else request.GET
    return _list_export(
        request,
        "重点人群",
        lambda out: services.export_care(
            request.user,
            out,
            params.get("group", "elderly_60"),
            area_code=params.get("area", "").strip(),
            full=full,
            reason=params.get("reason", ""),
            ip=client_ip(request),
        ),
        back=people_views.care_list,
    )


def _days(request: HttpRequest) -> int:
    return days_param(request.GET.get("days", ""))


@login_required
def visit_export(request: HttpRequest) -> HttpResponse | FileResponse:
    """The visit register with the list page's area filter as xlsx."""
    return _list_export(
        request,
        "走访记录",
        lambda out: services.export_visits(
            request.user, out, area_code=request.GET.get("area", "").strip(), ip=client_ip(request)
        ),
    )


@login_required
def unvisited_export(request: HttpRequest) -> HttpResponse | FileResponse:
    """Households not visited for N days, with the list page's filters, as xlsx."""
    return _list_export(
        request,
        "久未走访",
        lambda out: services.export_unvisited(
            request.user,
            out,
            area_code=request.GET.get("area", "").strip(),
            days=_days(request),
            ip=client_ip(request),
        ),
    )


@login_required
def landlords_export(request: HttpRequest) -> HttpResponse | FileResponse:
    """The landlords' roster with the page's area filter as xlsx, masked."""
    return _list_export(
        request,
        "房东名册",
        lambda out: services.export_landlords(
            request.user, out, area_code=request.GET.get("area", "").strip(), ip=client_ip(request)
        ),
    )
