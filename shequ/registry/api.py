from __future__ import annotations

import tempfile
from datetime import datetime
from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from shequ.access.audit import client_ip
from shequ.core.pagination import CappedPageNumberPagination
from shequ.registry import selectors, services
from shequ.registry.models import ImportRun

router = Router(tags=["台账导入导出"])


class ImportRunOut(Schema):
    id: int
    community: str
    file_name: str
    status: str
    progress: int
    message: str
    total_rows: int
    headers: list[str]
    mapping: dict[str, str]
    error_count: int
    errors: list[list[Any]]
    summary: dict[str, int]
    changes: list[dict[str, Any]]
    created_at: datetime
    # While queued: "" (just queued, or running), "no_worker" (nobody has picked it up and
    # the background worker is idle or not running: start `shequ db_worker`), "waiting"
    # (behind another job the worker is busy with), "stale" (started, then silent; or its
    # job ended without taking it): 重新检查 (POST …/mapping) is allowed.
    queue_state: str

    @staticmethod
    def resolve_community(obj: ImportRun) -> str:
        return obj.community.code

    @staticmethod
    def resolve_message(obj: ImportRun) -> str:
        return obj.shown_message

    @staticmethod
    def resolve_queue_state(obj: ImportRun) -> str:
        if not obj.running:
            return ""
        if obj.no_worker:
            return "no_worker"
        if obj.waiting:
            return "waiting"
        return "stale" if obj.stale else ""


class MappingIn(Schema):
    mapping: dict[str, str]


@router.post("/registry/imports", response={201: ImportRunOut}, summary="上传居民台账（识别表头）")
def start_import(request: HttpRequest, community: Form[str], file: File[UploadedFile]) -> Any:
    return Status(201, services.start_import(request.user, community, file, ip=client_ip(request)))


@router.get("/registry/imports", response=list[ImportRunOut], summary="导入记录")
@paginate(CappedPageNumberPagination, page_size=20)
def list_imports(request: HttpRequest) -> Any:
    return selectors.import_runs(request.user).defer(None).defer("checked_plan")


@router.get("/registry/imports/{run_id}", response=ImportRunOut, summary="一次导入的进度、错误和变更")
def get_import(request: HttpRequest, run_id: int) -> ImportRun:
    return selectors.get_import_run(request.user, run_id)


@router.post(
    "/registry/imports/{run_id}/mapping", response=ImportRunOut, summary="确认列对应并开始检查（不写入）"
)
def set_mapping(request: HttpRequest, run_id: int, payload: MappingIn) -> ImportRun:
    return services.set_mapping(request.user, run_id, payload.mapping, ip=client_ip(request))


@router.post("/registry/imports/{run_id}/confirm", response=ImportRunOut, summary="导入检查通过的文件")
def confirm(request: HttpRequest, run_id: int) -> ImportRun:
    return services.confirm_import(request.user, run_id, ip=client_ip(request))


def _export(request: HttpRequest, area: str, q: str, *, full: bool, reason: str = "") -> FileResponse:
    spool = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - handed to the response
    try:
        services.export_residents(
            request.user, spool.name, area_code=area, q=q, full=full, reason=reason, ip=client_ip(request)
        )
    except Exception:
        spool.close()
        raise
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename="residents.xlsx")


@router.get("/residents/export", summary="导出居民名单（xlsx，脱敏，记入审计）")
def export_residents(request: HttpRequest, area: str = "", q: str = "") -> FileResponse:
    return _export(request, area, q, full=False)


class FullExportIn(Schema):
    area: str = ""
    q: str = ""
    reason: str


@router.post(
    "/residents/export", summary="导出居民名单的完整信息（须填事由；仅有查看完整信息权限的行，记入审计）"
)
def export_residents_full(request: HttpRequest, payload: FullExportIn) -> FileResponse:
    return _export(request, payload.area, payload.q, full=True, reason=payload.reason)
