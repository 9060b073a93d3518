"""Writes of the registry import: upload, column mapping, dry run, import; and the
audited export. The checking itself is ``importing.plan``; the people it writes go
through ``people.services`` (households, built residents)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Generator
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from shequ.access import audit
from shequ.access.masking import shown_to
from shequ.access.roles import Permission
from shequ.areas.models import Area, AreaKind
from shequ.areas.selectors import get_area
from shequ.core import fieldcrypt, privatefiles, xlsx
from shequ.core.bulk import cyclic_gc_paused
from shequ.core.errors import NotFound, RateLimited, ValidationFailed
from shequ.people.models import Household, Resident
from shequ.people.services import (
    NumberSearchesSpent,
    insert_built_households,
    insert_built_residents,
    note_number_lookups,
    number_searches_left,
    update_built_residents,
)
from shequ.registry import columns, importing, workbook
from shequ.registry.models import (
    CHECKED_MESSAGE,
    QUEUED_MESSAGE,
    RUNNING,
    ColumnMapping,
    ImportRun,
    ImportStatus,
)
from shequ.registry.selectors import get_import_run

logger = logging.getLogger(__name__)

MAX_UPLOAD = 50 * 1024 * 1024
SHOWN_ERRORS = 500
SHOWN_CHANGES = 200
ERROR_HEADERS = ["工作表", "行号", "列", "内容", "原因"]


def _community(actor: Any, code: str) -> Area:
    if not code:
        raise ValidationFailed({"community": "请选择社区"})
    area = get_area(actor, code, Permission.REGISTRY_IMPORT)
    if area.kind != AreaKind.COMMUNITY:
        raise ValidationFailed({"community": "请选择一个社区（居民导入到社区的楼栋中）"})
    return area


def remembered_mapping(community: Area) -> dict[str, str]:
    row = ColumnMapping.objects.filter(community=community).values_list("mapping", flat=True).first()
    return dict(row or {})


# Spreadsheets saved in a format the reader does not take: said by name, with the way out
# (an office's old template is often .xls; WPS saves .et by default).
_SAVE_AS = "请在 Excel 或 WPS 中打开，“另存为”Excel 工作簿（.xlsx）后重新上传，也可以另存为 CSV"
_OTHER_SHEETS = {".xls": "旧版 Excel（.xls）", ".et": "WPS 表格（.et）", ".ods": "ODS", ".numbers": "Numbers"}


def _store(upload: Any) -> tuple[Path, str]:
    name = Path(getattr(upload, "name", "") or "upload").name
    suffix = Path(name).suffix.lower()
    if suffix in _OTHER_SHEETS:
        raise ValidationFailed({"file": f"不能直接导入{_OTHER_SHEETS[suffix]}文件：{_SAVE_AS}"})
    if not name.lower().endswith((".xlsx", ".xlsm", ".csv")):
        raise ValidationFailed({"file": "只能导入 Excel（.xlsx）或 CSV 文件"})
    size = getattr(upload, "size", None)
    if size == 0:
        # Not a damaged file: nothing arrived (a phone that had not finished downloading it).
        raise ValidationFailed({"file": "上传的文件是空的（0 字节），请确认文件已保存、已下载完整后重新选择"})
    if size is not None and size > MAX_UPLOAD:
        raise ValidationFailed({"file": "文件超过50MB，请分成几个文件导入"})
    stored = Path(settings.MEDIA_ROOT) / "imports" / f"{uuid.uuid4().hex}{Path(name).suffix.lower()}"
    try:
        with privatefiles.create(stored) as fh:  # a register: personal data, 0600
            for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
                fh.write(chunk)
    except BaseException:
        stored.unlink(missing_ok=True)  # part of a register (the disk filled): no run names it
        raise
    return stored, name


# What is kept on disk (MEDIA_ROOT/imports/): an upload until its run is done or has
# failed (then it is deleted at once), or for KEEP_FILES if it is left unfinished; an error
# report for KEEP_FILES after its run finished. ``purge_files`` runs at every upload and
# hourly in `shequ periodic`.
KEEP_FILES = timedelta(days=7)
GONE = "上传的文件已删除（导入完成、失败或超过7天），请重新上传"


def _delete(relative: str) -> None:
    if relative:
        (Path(settings.MEDIA_ROOT) / relative).unlink(missing_ok=True)


def _check_kept(run: ImportRun) -> None:
    """The upload is still on disk (cleaned up, or a database restored without it)."""
    if not run.stored_file or not (Path(settings.MEDIA_ROOT) / run.stored_file).exists():
        raise ValidationFailed({"file": GONE})


def purge_files(now: Any = None) -> int:
    """Delete error reports of runs finished more than KEEP_FILES ago and uploads of runs
    left unfinished as long (running ones aside); returns the number of runs cleared."""
    cutoff = (now or timezone.now()) - KEEP_FILES
    old = (
        ImportRun.objects.filter(
            Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, created_at__lt=cutoff)
        )
        .exclude(stored_file="", errors_file="")
        .exclude(status__in=RUNNING, progressed_at__gte=cutoff)
    )
    cleared = 0
    for run in old.only("id", "stored_file", "errors_file"):
        _delete(run.stored_file)
        _delete(run.errors_file)
        ImportRun.objects.filter(pk=run.pk).update(stored_file="", errors_file="")
        cleared += 1
    return cleared


def _sheet_notes(book: workbook.Book) -> str:
    """The sheets of the file not read (no header found, hidden): said at the upload and
    again with the check's result, so that who confirms knows what the import leaves out."""
    notes = []
    if book.skipped:
        notes.append(f"未识别表头、已跳过的工作表：{'、'.join(book.skipped)}")
    if book.hidden:
        notes.append(f"隐藏的工作表没有导入：{'、'.join(book.hidden)}（如要导入，请在 Excel 中取消隐藏）")
    return "；".join(notes)


def start_import(actor: Any, community_code: str, upload: Any, *, ip: str = "") -> ImportRun:
    """Keep the uploaded file, read its headers and propose a column mapping."""
    community = _community(actor, community_code)
    purge_files()
    if upload is None:
        raise ValidationFailed({"file": "请选择要导入的文件"})
    stored, name = _store(upload)
    try:
        book = workbook.read(stored, name)
        mapping = columns.propose(book.sheet_headers, remembered_mapping(community))
        skipped = _sheet_notes(book)
        with transaction.atomic():
            run = ImportRun.objects.create(
                community=community,
                area_path=community.path,
                requested_by=actor,
                file_name=name[:200],
                stored_file=str(stored.relative_to(Path(settings.MEDIA_ROOT))),
                headers=book.headers,
                mapping=mapping,
                total_rows=book.row_count,
                message=skipped[:300],
            )
            audit.record(
                actor,
                "registry.upload",
                area_path=community.path,
                obj=run,
                detail={"rows": book.row_count},
                ip=ip,
            )
    except BaseException:
        # Refused, or the run's row was not committed: no run names the register, so
        # purge_files would never delete it.
        stored.unlink(missing_ok=True)
        raise
    return run


def set_mapping(actor: Any, run_id: int, mapping: dict[str, str], *, ip: str = "") -> ImportRun:
    """Confirm the column mapping (remembered for the community) and start the dry run."""
    run = get_import_run(actor, run_id)
    if run.active:
        raise ValidationFailed({"status": "这次导入正在进行，请等它完成"})
    if run.status == ImportStatus.DONE:
        raise ValidationFailed({"status": "这个文件已经导入；要更新请重新上传"})
    _check_kept(run)
    cleaned = {h: (mapping.get(h) or "") for h in run.headers}
    errors = columns.check_mapping(cleaned)
    if errors:
        raise ValidationFailed(errors, "列对应有误：" + "；".join(errors.values()))
    if not number_searches_left(actor):  # said at once; the job asks again when it starts
        raise RateLimited(lookups_message(0, 0, kept=True))
    with transaction.atomic():
        ColumnMapping.objects.update_or_create(
            community_id=run.community_id,
            defaults={
                "area_path": run.area_path,
                "mapping": {**remembered_mapping(run.community), **cleaned},
                "updated_by": actor,
            },
        )
        job = _next_job(run)
        ImportRun.objects.filter(pk=run.pk).update(
            mapping=cleaned,
            status=ImportStatus.CHECKING,
            progress=0,
            message=QUEUED_MESSAGE,
            progressed_at=timezone.now(),
            job=job,
        )
        audit.record(actor, "registry.mapping", area_path=run.area_path, obj=run, ip=ip)
        transaction.on_commit(lambda: _enqueue(run.pk, commit=False, job=job))
    run.refresh_from_db()
    return run


def confirm_import(actor: Any, run_id: int, *, ip: str = "") -> ImportRun:
    """Import a run whose dry run found nothing wrong (the job checks again as it writes)."""
    run = get_import_run(actor, run_id)
    if run.status != ImportStatus.CHECKED:
        raise ValidationFailed({"status": "只有检查通过的文件才能导入"})
    _check_kept(run)
    with transaction.atomic():
        job = _next_job(run)
        updated = ImportRun.objects.filter(pk=run.pk, status=ImportStatus.CHECKED).update(
            status=ImportStatus.IMPORTING,
            progress=0,
            message=QUEUED_MESSAGE,
            progressed_at=timezone.now(),
            job=job,
        )
        if not updated:
            raise ValidationFailed({"status": "这个文件已经在导入"})
        audit.record(actor, "registry.confirm", area_path=run.area_path, obj=run, ip=ip)
        transaction.on_commit(lambda: _enqueue(run.pk, commit=True, job=job))
    run.refresh_from_db()
    return run


def _next_job(run: ImportRun) -> int:
    """The number of the job about to be queued, read in the write transaction: any job
    queued before it for this run is superseded."""
    ImportRun.objects.filter(pk=run.pk).update(job=F("job") + 1)
    return ImportRun.objects.values_list("job", flat=True).get(pk=run.pk)


def _enqueue(run_id: int, *, commit: bool, job: int) -> None:
    from shequ.registry.jobs import process_import

    process_import.enqueue(run_id, commit, job)


def _progress(run: ImportRun) -> Callable[[int, int], None]:
    def report(done: int, total: int) -> None:
        share = 80 * done // max(total, 1)
        ImportRun.objects.filter(pk=run.pk, job=run.job).update(
            progress=share, message=f"已检查 {done}/{total} 行", progressed_at=timezone.now()
        )

    return report


def process(run_id: int, *, commit: bool, job: int | None = None) -> ImportRun:
    """The background job: check the file (dry run) or check and import it.

    ``job``: the number the run gave the queued job. The job does nothing if a newer one
    was queued since (重新检查 after 确认导入) or the run is no longer queued for what it
    was queued for, so that one run never has two jobs. None (a direct call, or a job
    queued before jobs were numbered) runs the run as it is."""
    # One conditional write takes the run (it is no longer queued): of two jobs, one gets it.
    claim = ImportRun.objects.filter(pk=run_id, message=QUEUED_MESSAGE)
    if job is not None:
        claim = claim.filter(job=job, status=ImportStatus.IMPORTING if commit else ImportStatus.CHECKING)
    started = claim.update(message="正在读取文件", progressed_at=timezone.now())
    if job is not None and not started:
        return ImportRun.objects.get(pk=run_id)
    run = ImportRun.objects.select_related("community", "requested_by").get(pk=run_id)
    try:
        with cyclic_gc_paused():
            _process(run, commit=commit)
    except RateLimited as exc:  # the hour's lookups by complete ID numbers
        _lookups_refused(run, exc.message)
    except ValidationFailed as exc:
        _fail(run, exc.message, progress=100)
    except Exception:
        # The cause goes to the log, not to the page: it names files and internals.
        logger.exception("registry import run %s failed", run.pk)
        what = "导入" if commit else "检查"
        _fail(
            run,
            f"{what}失败（内部错误，记录号 {run.pk}），没有写入任何数据。请重新上传；仍失败请联系系统管理员",
        )
        raise
    run.refresh_from_db()
    return run


def _process(run: ImportRun, *, commit: bool, notice: str = "") -> None:
    """``notice``: why a confirmed run is being checked again instead (shown as its message)."""
    if not commit and not notice and not number_searches_left(run.requested_by):
        # Spent: whether a check were refused would tell, free, whether the file holds a
        # number registered under another name or elsewhere. A check asked for is not
        # made at all, whatever the file holds.
        raise RateLimited(lookups_message(0, 0))
    book = workbook.read(Path(settings.MEDIA_ROOT) / run.stored_file, run.file_name)
    result = importing.plan(book, run.mapping, run.community, progress=_progress(run))
    # Before anything of the result is kept or shown: rows whose number is registered but
    # not taken as the row's person are lookups by a complete number (``Plan.lookups``).
    try:
        counted = note_number_lookups(
            run.requested_by, result.lookups, charge_refused=True, area_path=run.area_path, obj=run
        )
    except NumberSearchesSpent as exc:
        raise RateLimited(lookups_message(len(result.lookups), exc.left)) from exc
    errors_file = write_errors(result.errors, run) if result.errors else ""
    fields: dict[str, Any] = {
        "total_rows": result.total,
        "error_count": len(result.errors),
        "errors": [e.as_list() for e in result.errors[:SHOWN_ERRORS]],
        "errors_file": errors_file,
        "summary": result.summary(),
        "changes": _changes(result),
        "progress": 100,
        "finished_at": timezone.now(),
    }
    if not result.errors and commit:
        # What the user confirmed is the check's result: if someone changed the registry
        # since, where this file writes, this plan is shown as the new check instead.
        if run.checked_plan is None:
            notice = "这次检查早于系统更新，已按现在的名册重新检查，请核对变更后再确认导入"
        elif described := importing.changed_since(run.checked_plan, result):
            notice = importing.changed_message(described)
        commit = not notice
    # The columns left out first: what an edited export would lose is told before what it skipped.
    notes = [importing.ignored_note(result), importing.skipped_note(result, len(book.sheets))]
    skipped = "；".join(filter(None, [*notes, _sheet_notes(book)]))
    if result.errors:
        message = "；".join(filter(None, [f"{result.refused_rows} 行有误，未导入任何数据", skipped]))
        fields.update(status=ImportStatus.REFUSED, message=message[:300])
    elif not result.rows:
        # Nothing but blank rows, closing rows or the template's example: a check that
        # passed and an import of 0 rows said nothing of why.
        fields.update(status=ImportStatus.REFUSED, message=importing.nothing_message(result)[:300])
    elif not commit:
        message = notice or "；".join(filter(None, [CHECKED_MESSAGE, skipped]))[:300]
        fields.update(status=ImportStatus.CHECKED, message=message, checked_plan=result.fingerprint())
    else:
        ImportRun.objects.filter(pk=run.pk, job=run.job).update(
            progress=85, message="正在写入", progressed_at=timezone.now()
        )
        try:
            apply_plan(result, actor=run.requested_by, community=run.community, run=run, run_fields=fields)
        except importing.RegistryChanged as exc:
            # Changed while this plan was made: nothing was written; check the file again.
            _process(run, commit=False, notice=exc.message)
            return
        except Superseded:
            return  # nothing written: the run, and its upload, belong to the newer job
        # Imported: the upload is not needed again. Named by the run until it is gone, so
        # that purge_files deletes it if the worker stops in between.
        _delete(run.stored_file)
        ImportRun.objects.filter(pk=run.pk).update(stored_file="")
        return
    # A job superseded while it ran (silent so long that 重新检查 was allowed) leaves the
    # run to the newer job.
    if ImportRun.objects.filter(pk=run.pk, job=run.job).update(**fields):
        # A check compares every ID number of the file with the registry, and says which
        # are registered (here or elsewhere): with no residents written it would leave no
        # trace, and a file of guessed numbers is a way to test them. The counts are kept.
        elsewhere = sum(1 for e in result.errors if e.reason == importing.REGISTERED_ELSEWHERE)
        audit.record(
            run.requested_by,
            "registry.check",
            area_path=run.area_path,
            obj=run,
            detail={**result.summary(), "registered_elsewhere": elsewhere, "number_searches": counted},
        )


class Superseded(Exception):
    """The run's job changed while this job was writing (重新检查 of a run called stale):
    the newer job owns the run, and this job's writes are rolled back."""


def lookups_message(rows: int, left: int, *, kept: bool = False) -> str:
    """Why a check was refused for the hour's lookups by complete ID numbers (``rows`` such
    rows in the file, ``left`` of the allowance; no rows: it was spent before the check):
    what happened, the hourly limit, and which rows count. ``kept``: the upload is kept
    (refused before the check was queued)."""
    limit = settings.NUMBER_SEARCH_PER_HOUR
    counts = "身份证号已登记、但姓名与登记的不一致或登记在本社区以外的行，每行算一次按完整身份证号查找"
    free = "姓名与登记一致的行和新登记的居民不计次数"
    if not rows:
        return (
            f"检查没有进行，没有导入任何数据：您本小时按完整身份证号查找的次数已用完（每人每小时最多{limit}次）。"
            f"检查名册时，{counts}；{free}。请一小时后{'再检查' if kept else '重新上传'}"
        )
    return (
        f"检查已停止，没有导入任何数据：文件中有 {rows} 行的身份证号已登记，"
        "但姓名与登记的不一致或登记在本社区以外。"
        f"每行算一次按完整身份证号查找，每人每小时最多{limit}次，您本小时只剩 {left} 次；{free}。"
        "请核对这些行的姓名和所选的社区，一小时后重新上传"
    )


def _lookups_refused(run: ImportRun, message: str) -> None:
    """A check refused for the hour's lookups by complete numbers: failed with the reason,
    and nothing of any row (errors, changes, counts) kept from this check or an earlier one."""
    earlier = ImportRun.objects.filter(pk=run.pk).values_list("errors_file", flat=True).first()
    written = _fail(
        run,
        message,
        progress=100,
        error_count=0,
        errors=[],
        errors_file="",
        summary={},
        changes=[],
        checked_plan=None,
    )
    if written:  # else the newer job's report
        _delete(earlier or "")


def _fail(run: ImportRun, message: str, **extra: Any) -> bool:
    """A failed run keeps no upload: to try again the user uploads the file again. Only a
    running run fails: one marked done committed its residents with that mark."""
    written = ImportRun.objects.filter(pk=run.pk, job=run.job, status__in=RUNNING).update(
        status=ImportStatus.FAILED, message=message[:300], finished_at=timezone.now(), stored_file="", **extra
    )
    if written:  # else superseded: the newer job reads the upload
        _delete(run.stored_file)
    return bool(written)


def _changes(result: importing.Plan) -> list[dict[str, Any]]:
    shown = [p for p in result.rows if p.action in ("changed", "moved")][:SHOWN_CHANGES]
    # A move says from where to where, so that staff can tell a real move from a door the
    # file writes another way (1-101 for 1单元101) before they confirm.
    moves = [p for p in shown if p.action == "moved" and p.before is not None]
    before = {
        h.pk: h
        for h in Household.objects.filter(pk__in={p.before["household_id"] for p in moves if p.before}).only(
            "id", "building_id", "address"
        )
    }
    buildings = {h.building_id for h in before.values()} | {p.resident.household.building_id for p in moves}
    names = dict(Area.objects.filter(pk__in=buildings).values_list("pk", "name"))

    def place(household: Household | None) -> str:
        return f"{names.get(household.building_id, '')} {household.address}" if household else ""

    out = []
    for p in shown:
        change = {
            "name": p.resident.name,
            "id_number": p.resident.id_number_masked,
            "action": p.action,
            "fields": [importing.COMPARED_LABELS[f] for f in p.changed],
        }
        if p.action == "moved" and p.before is not None:
            change["moved_from"] = place(before.get(p.before["household_id"]))
            change["moved_to"] = place(p.resident.household)
        out.append(change)
    return out


def apply_plan(
    result: importing.Plan,
    *,
    actor: Any,
    community: Area,
    run: ImportRun | None = None,
    run_fields: dict[str, Any] | None = None,
) -> dict[str, int]:
    """Write a plan without errors, all or nothing; nothing either if the residents it
    writes over changed since it was made (``importing.RegistryChanged``).

    With ``run``: the run is marked done (with ``run_fields``) in the same transaction, so
    the residents and 已导入 commit together or not at all (a worker stopped after the
    commit left 导入中 over written rows); ``Superseded`` if the run's job changed."""
    if result.errors:
        raise ValidationFailed({"file": f"{result.refused_rows} 行有误，未导入任何数据"})
    new = [p.resident for p in result.rows if p.action == "new"]
    updated = [p.resident for p in result.rows if p.action in ("changed", "moved")]
    with transaction.atomic():
        described = importing.written_over_since(result)
        if described:
            raise importing.RegistryChanged(described)
        # The plan's own households: saving gives them their pks, which the residents
        # holding them take when they are saved.
        insert_built_households(result.new_households, actor=actor)
        insert_built_residents(new, actor=actor)
        update_built_residents(updated, actor=actor)
        summary = result.summary()
        audit.record(actor, "registry.import", area_path=community.path, obj=run, detail=summary)
        if run is not None:
            done = {
                "progress": 100,
                "finished_at": timezone.now(),
                **(run_fields or {}),
                "status": ImportStatus.DONE,
                "message": "导入完成",
                "summary": summary,
                "checked_plan": None,
            }
            if not ImportRun.objects.filter(pk=run.pk, job=run.job).update(**done):
                raise Superseded
    return summary


def write_errors(errors: list[importing.RowError], run: ImportRun | None = None, out: Any = None) -> str:
    """The error report as xlsx: to ``out`` (a path or file) or next to the run's upload."""
    relative = ""
    if out is None:
        assert run is not None
        relative = f"imports/{Path(run.stored_file).stem}-errors.xlsx"
        out = str(Path(settings.MEDIA_ROOT) / relative)
    if isinstance(out, (str, Path)):
        # Cell values as typed, full ID numbers among them: 0600 before the writer opens it
        # by name, also where an operator named it (`shequ import residents --errors`).
        privatefiles.reserve(Path(out))
        try:
            _write_error_rows(errors, str(out))
        except BaseException:
            # Half-written, and no run names it: nothing would ever delete it.
            Path(out).unlink(missing_ok=True)
            raise
    else:
        _write_error_rows(errors, out)
    return relative


def _write_error_rows(errors: list[importing.RowError], out: Any) -> None:
    book = xlsx.workbook(out, constant_memory=True)
    sheet = book.add_worksheet("错误报告")
    head = book.add_format({"bold": True})
    sheet.write_row(0, 0, ERROR_HEADERS, head)
    sheet.set_column(0, 0, 12)
    sheet.set_column(2, 3, 20)
    sheet.set_column(4, 4, 60)
    for i, error in enumerate(errors, start=1):
        sheet.write_string(i, 0, error.sheet)
        sheet.write_number(i, 1, error.row)
        sheet.write_string(i, 2, error.column)
        sheet.write_string(i, 3, error.value)
        sheet.write_string(i, 4, error.reason)
    book.close()


def import_file(
    path: Path,
    community_code: str,
    *,
    dry_run: bool,
    mapping: dict[str, str] | None = None,
    actor: Any = None,
) -> tuple[importing.Plan, dict[str, str]]:
    """The operators' import (`shequ import residents`): the same checks, run at once,
    with the community's remembered mapping and the aliases."""
    community = Area.objects.filter(code=community_code, kind=AreaKind.COMMUNITY).first()
    if community is None:
        raise ValidationFailed({"community": f"社区编码 {community_code} 不存在"})
    book = workbook.read(path, path.name)
    proposed = columns.propose(book.sheet_headers, remembered_mapping(community))
    proposed.update(mapping or {})
    errors = columns.check_mapping(proposed)
    if errors:
        raise ValidationFailed(errors, "列对应有误：" + "；".join(errors.values()))
    with cyclic_gc_paused():
        result = importing.plan(book, proposed, community)
        if not dry_run and not result.errors:
            apply_plan(result, actor=actor, community=community)
    return result, proposed


def template_bytes() -> bytes:
    import io

    buffer = io.BytesIO()
    workbook.write_template(buffer)
    return buffer.getvalue()


def resident_count(community: Area) -> int:
    return Resident.objects.under(community.path).count()


def export_residents(
    viewer: Any,
    out: Any,
    *,
    area_code: str = "",
    q: str = "",
    full: bool = False,
    reason: str = "",
    ip: str = "",
) -> dict[str, int]:
    """Write the resident list the viewer sees with these filters (the list page's own)
    to ``out`` as xlsx: masked, or with full values where the viewer may unmask them;
    every export goes to the audit log with its row count."""
    from shequ.access.scope import scope_paths, scope_q
    from shequ.people import selectors as people_selectors
    from shequ.registry import exporting

    area = get_area(viewer, area_code, Permission.REGISTRY_EXPORT) if area_code else None
    if area is None and not scope_paths(viewer, Permission.REGISTRY_EXPORT):
        raise NotFound("区域")
    reason = (reason or "").strip()
    from shequ.people.services import note_number_search

    note_number_search(viewer, q)
    full_paths = _full_paths(viewer, reason) if full else {}
    id_paths = full_paths.get("id_number", [])
    phone_paths = full_paths.get("phone", [])
    qs = people_selectors.resident_list(viewer, area_path=area.path if area else None, q=q).filter(
        scope_q(viewer, Permission.REGISTRY_EXPORT)
    )
    rows = cast(Generator[Any, None, None], qs.values_list(*exporting.FIELDS).iterator(chunk_size=2000))
    try:
        counts = exporting.write(out, rows, id_paths=id_paths, phone_paths=phone_paths)
    finally:
        # Closed here, also when writing fails (a value that does not open): left to the
        # garbage collector, PostgreSQL's server-side cursor was closed later, inside
        # whatever transaction the connection was then running, which it aborted.
        rows.close()
    where = area.path if area else min(scope_paths(viewer, Permission.REGISTRY_EXPORT), key=len)
    # A search for a full ID number or phone is not copied into the log in full.
    shown_q = q if len(q) <= 6 else q[:3] + "…"
    detail: dict[str, Any] = {**counts, "area": area.code if area else "", "q": shown_q}
    if full:
        detail["reason"] = reason
    audit.record(viewer, "resident.export", area_path=where, detail=detail, ip=ip)
    return counts


def _full_paths(viewer: Any, reason: str) -> dict[str, list[str]]:
    """For an export with full values: where the viewer may read each field in full (a
    residence permit number on the ID number's terms). Refused without any such right or
    without a reason."""
    from shequ.access.scope import scope_paths

    paths = {
        "id_number": scope_paths(viewer, Permission.UNMASK_ID_NUMBER),
        "phone": scope_paths(viewer, Permission.UNMASK_PHONE),
        "permit_number": scope_paths(viewer, Permission.UNMASK_ID_NUMBER),
    }
    if not any(paths.values()):
        raise ValidationFailed({"full": "您的角色无权导出完整的身份证号或电话，只能导出脱敏名单"})
    if len(reason) < 2:
        raise ValidationFailed({"reason": "导出完整信息须填写事由（至少2个字）"})
    if len(reason) > 200:
        raise ValidationFailed({"reason": "事由不能超过200个字"})
    from shequ.people.services import unmask_allowance

    unmask_allowance(viewer)  # the same hourly allowance as 查看完整 (429 once spent)
    return paths


class _Shown:
    """A personal field of an exported row: masked, or in full where the viewer may read
    it in full; counts the full values for the audit row."""

    def __init__(self, paths: dict[str, list[str]]) -> None:
        self.paths = paths
        self.counts = {f"full_{name}": 0 for name in paths}

    def __call__(self, field: str, path: str, enc: str, masked: str) -> str:
        from shequ.registry.exporting import covered

        if enc and covered(path, self.paths.get(field, ())):
            self.counts[f"full_{field}"] += 1
            return fieldcrypt.decrypt(enc, field)
        return masked


FLOATING_HEADERS = [
    "姓名",
    "身份证号",
    "联系电话",
    "楼栋",
    "门牌",
    "房东",
    "租期开始",
    "租期结束",
    "工作单位",
]
FLOATING_HEADERS += ["居住证号", "居住证有效期至", "户籍地", "来本地日期", "离开日期"]
CARE_HEADERS = [
    "姓名",
    "性别",
    "年龄",
    "身份证号",
    "联系电话",
    "楼栋",
    "门牌",
    "重点人群",
    "关爱次数",
    "最近关爱",
]


def export_floating(
    viewer: Any,
    out: Any,
    *,
    area_code: str = "",
    which: str = "all",
    full: bool = False,
    reason: str = "",
    ip: str = "",
) -> int:
    """The floating population list (or its permits/leases expiring within 30 days) as
    xlsx: masked, or with a reason in full where the viewer may unmask; audited with the
    row count."""
    from shequ.access.scope import has_anywhere
    from shequ.core.filters import unknown_choices
    from shequ.people import selectors as people_selectors
    from shequ.registry import exporting

    if not has_anywhere(viewer, Permission.FLOATING_MANAGE):
        raise NotFound("名单")
    which = which or "all"
    # A list it does not know is named, as on the page, not exported as the whole list.
    unknown = unknown_choices([("list", "名单", which, people_selectors.FLOATING_LISTS)])
    if unknown:
        raise ValidationFailed(unknown)
    area = get_area(viewer, area_code, Permission.FLOATING_MANAGE) if area_code else None
    qs = people_selectors.floating_rows(viewer, which, area_path=area.path if area else None)
    reason = (reason or "").strip()
    shown = _Shown(_full_paths(viewer, reason) if full else {})
    rows = (
        (
            p.resident.name,
            shown("id_number", p.resident.area_path, p.resident.id_number_enc, p.resident.id_number_masked),
            shown("phone", p.resident.area_path, p.resident.phone_enc, p.resident.phone_masked),
            p.resident.area.name,
            p.resident.household.address,
            landlord.name if (landlord := people_selectors.shown_landlord(viewer, p)) else "",
            p.lease_start,
            p.lease_end,
            p.employer,
            shown("permit_number", p.resident.area_path, p.permit_number_enc, p.permit_number_masked),
            p.permit_expires,
            p.origin,
            p.arrived_on,
            p.left_on,
        )
        for p in qs.iterator(chunk_size=2000)
    )
    count = exporting.write_table(out, "流动人口", FLOATING_HEADERS, rows)
    where = area.path if area else min(scope_paths_for(viewer, Permission.FLOATING_MANAGE), key=len)
    detail: dict[str, Any] = {"rows": count, "list": which, "area": area.code if area else ""}
    if full:
        detail.update(shown.counts, reason=reason)
    audit.record(viewer, "floating.export", area_path=where, detail=detail, ip=ip)
    return count


def export_care(
    viewer: Any,
    out: Any,
    group: str,
    *,
    area_code: str = "",
    full: bool = False,
    reason: str = "",
    ip: str = "",
) -> int:
    """A care-group list as xlsx: masked, or with a reason in full where the viewer may
    unmask; audited with the row count."""
    from shequ.access.scope import has_anywhere
    from shequ.people import selectors as people_selectors
    from shequ.registry import exporting

    if not has_anywhere(viewer, Permission.CARE_MANAGE):
        raise NotFound("名单")
    if group not in people_selectors.CARE_LISTS:
        raise ValidationFailed({"group": "人群类别不存在"})
    area = get_area(viewer, area_code, Permission.CARE_MANAGE) if area_code else None
    qs = people_selectors.care_list(viewer, group, area_path=area.path if area else None)
    reason = (reason or "").strip()
    shown = _Shown(_full_paths(viewer, reason) if full else {})
    if full:
        qs = qs.defer(None)  # the list leaves the ciphertexts out; the full export reads them
    # A masked export never reads a ciphertext: a deferred one costs a query per row.
    rows = (
        (
            r.name,
            r.get_gender_display(),
            r.age,
            shown("id_number", r.area_path, r.id_number_enc if full else "", r.id_number_masked),
            shown("phone", r.area_path, r.phone_enc if full else "", r.phone_masked),
            r.area.name,
            r.household.address,
            "、".join(r.care_group_labels()),
            getattr(r, "care_count", 0),
            getattr(r, "last_care", None),
        )
        for r in qs.iterator(chunk_size=2000)
    )
    title = people_selectors.CARE_LISTS[group]
    count = exporting.write_table(out, title, CARE_HEADERS, rows)
    where = area.path if area else min(scope_paths_for(viewer, Permission.CARE_MANAGE), key=len)
    detail: dict[str, Any] = {"rows": count, "group": group, "area": area.code if area else ""}
    if full:
        detail.update(shown.counts, reason=reason)
    audit.record(viewer, "care.export", area_path=where, detail=detail, ip=ip)
    return count


VISIT_HEADERS = ["走访日期", "楼栋", "门牌", "走访人", "见到的人", "家庭情况", "思想动态"]
VISIT_HEADERS += ["收入水平", "健康状况", "发现的需求", "回访日期"]
UNVISITED_HEADERS = ["楼栋", "门牌", "最近走访"]
LANDLORD_HEADERS = ["房东", "房东电话", "租户", "租户身份证号", "租住楼栋", "租住门牌", "租期至"]
LANDLORD_HEADERS += ["居住证有效期至"]


def _list_area(viewer: Any, area_code: str, permission: Permission) -> Area | None:
    from shequ.access.scope import has_anywhere

    if not has_anywhere(viewer, permission):
        raise NotFound("名单")
    return get_area(viewer, area_code, permission) if area_code else None


def _audit_list_export(
    viewer: Any, event: str, permission: Permission, area: Area | None, detail: dict[str, Any], ip: str
) -> None:
    where = area.path if area else min(scope_paths_for(viewer, permission), key=len)
    audit.record(viewer, event, area_path=where, detail={**detail, "area": area.code if area else ""}, ip=ip)


def export_visits(viewer: Any, out: Any, *, area_code: str = "", ip: str = "") -> int:
    """The visit register (走访台账) of the place, newest first, as xlsx; audited with the
    row count. It holds no ID numbers or phones."""
    from shequ.people import selectors as people_selectors
    from shequ.registry import exporting

    area = _list_area(viewer, area_code, Permission.VISIT_RECORD)
    qs = people_selectors.visit_list(viewer, area_path=area.path if area else None).prefetch_related("needs")
    rows = (
        (
            v.visited_on,
            v.household.building.name,
            v.household.address,
            str(v.visitor),
            # Numbers typed into the notes are masked, as on the pages, for all but the writer.
            shown_to(viewer, v.visitor_id, v.people_met),
            shown_to(viewer, v.visitor_id, v.situation),
            shown_to(viewer, v.visitor_id, v.thoughts),
            v.get_income_level_display(),
            v.get_health_display(),
            "；".join(shown_to(viewer, v.visitor_id, n.description) for n in v.needs.all()),
            v.follow_up_on,
        )
        for v in qs.iterator(chunk_size=2000)
    )
    count = exporting.write_table(out, "走访记录", VISIT_HEADERS, rows)
    _audit_list_export(viewer, "visit.export", Permission.VISIT_RECORD, area, {"rows": count}, ip)
    return count


def export_unvisited(viewer: Any, out: Any, *, area_code: str = "", days: int = 90, ip: str = "") -> int:
    """Households not visited for ``days`` days (never visited first), as xlsx; audited."""
    from shequ.people import selectors as people_selectors
    from shequ.registry import exporting

    area = _list_area(viewer, area_code, Permission.VISIT_RECORD)
    qs = people_selectors.households_not_visited(viewer, area_path=area.path if area else None, days=days)
    rows = (
        (h.building.name, h.address, getattr(h, "last_visit", None) or "从未走访")
        for h in qs.iterator(chunk_size=2000)
    )
    count = exporting.write_table(out, f"{days}天未走访", UNVISITED_HEADERS, rows)
    detail = {"rows": count, "days": days}
    _audit_list_export(viewer, "visit.unvisited_export", Permission.VISIT_RECORD, area, detail, ip)
    return count


def export_landlords(viewer: Any, out: Any, *, area_code: str = "", ip: str = "") -> int:
    """The landlords' roster, one row per tenant, as xlsx, masked (a landlord outside the
    viewer's scope shows as on the page); audited with the row count."""
    from shequ.people import selectors as people_selectors
    from shequ.registry import exporting

    area = _list_area(viewer, area_code, Permission.FLOATING_MANAGE)
    roster = people_selectors.landlords(viewer, area_path=area.path if area else None)
    rows = (
        (
            landlord.name,
            landlord.phone_masked,
            t.resident.name,
            t.resident.id_number_masked,
            t.resident.area.name,
            t.resident.household.address,
            t.lease_end,
            t.permit_expires,
        )
        for landlord, tenants in roster
        for t in tenants
    )
    count = exporting.write_table(out, "房东名册", LANDLORD_HEADERS, rows)
    detail = {"rows": count}
    _audit_list_export(viewer, "floating.landlords_export", Permission.FLOATING_MANAGE, area, detail, ip)
    return count


def scope_paths_for(viewer: Any, permission: Permission) -> list[str]:
    from shequ.access.scope import scope_paths

    return scope_paths(viewer, permission) or [""]
