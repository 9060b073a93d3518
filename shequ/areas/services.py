"""Writes to the area tree: create and rename areas, set grid polygons, import division codes."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from shapely.geometry import shape
from shapely.validation import explain_validity

from shequ.access import audit
from shequ.areas.models import ALLOWED_PARENTS, Area, AreaKind
from shequ.areas.paths import SEP, child_path
from shequ.core.errors import ValidationFailed
from shequ.core.texts import too_long

KIND_LABELS = dict(AreaKind.choices)


# GEOS's reasons (shapely.validation.explain_validity, "Self-intersection[117.05 36.05]"),
# said in Chinese for the operator and the admin's support staff who read them.
INVALID_REASONS = {
    "Self-intersection": "边界自相交（线条交叉，如“8”字形）",
    "Ring Self-intersection": "边界自相交（环在一点上碰到自身）",
    "Too few points": "点太少（多边形的每个环至少4个点，首尾相同）",
    "Too few points in geometry component": "点太少（多边形的每个环至少4个点，首尾相同）",
    "Hole lies outside shell": "内环（洞）在外边界之外",
    "Holes are nested": "内环（洞）互相嵌套",
    "Interior is disconnected": "内环把多边形分成了不相连的几块",
    "Nested shells": "多边形互相嵌套",
    "Duplicate Rings": "有重复的环",
    "Invalid Coordinate": "坐标无效",
    "Ring is not closed": "环没有闭合（首尾两点应相同）",
}


def why_invalid(reason: str) -> str:
    """GEOS's reason in Chinese, with the place it names as 经度、纬度."""
    match = re.fullmatch(r"(.+?)\s*\[(\S+) (\S+)\]", reason.strip())
    if match is None:
        return INVALID_REASONS.get(reason.strip(), reason)
    text, lon, lat = match.groups()
    return f"{INVALID_REASONS.get(text.strip(), text)}（在经度 {lon}、纬度 {lat} 附近）"


def check_geometry(geometry: dict[str, Any] | None) -> None:
    if geometry is None:
        return
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind in ("Feature", "FeatureCollection"):
        # shapely reads a Feature but not a collection; stored, either breaks readers that
        # expect a geometry (the grid index, the map).
        raise ValidationFailed({"geometry": f"范围应为几何对象（Polygon 或 MultiPolygon），不能是 {kind}"})
    try:
        geom = shape(geometry)
    except Exception as exc:  # noqa: BLE001 - shapely raises several kinds
        # shapely's reasons are English ("A linearring requires at least 4 coordinates.").
        raise ValidationFailed(
            {
                "geometry": "范围不是有效的 GeoJSON 几何：每个点应为 [经度, 纬度]，"
                "多边形的每个环至少4个点且首尾相同"
            }
        ) from exc
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValidationFailed({"geometry": "范围必须是多边形（Polygon 或 MultiPolygon）"})
    if not geom.is_valid:
        raise ValidationFailed({"geometry": f"范围多边形无效：{why_invalid(explain_validity(geom))}"})
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        message = "范围坐标必须是 WGS84 经纬度（经度在前、纬度在后）"
        if -90 <= minx <= maxx <= 90 and -180 <= miny <= maxy <= 180:
            # The other way round it would be a place ([36.5, 117.5] in China): a tool that
            # exported latitude first, said so rather than left to guess.
            message += f"：纬度 {maxy:g} 超出 -90 到 90，像是经度，经纬度是否填反了？"
        raise ValidationFailed({"geometry": message})


def geometry_from_geojson(data: Any) -> dict[str, Any]:
    """The geometry in a GeoJSON document as GIS tools export it: a bare geometry, a
    Feature, or a FeatureCollection holding exactly one feature."""
    if not isinstance(data, dict):
        raise ValidationFailed({"geometry": "范围必须是 GeoJSON 对象（以 { 开头）"})
    kind = data.get("type")
    if kind == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list) or len(features) != 1:
            count = len(features) if isinstance(features, list) else 0
            reason = f"FeatureCollection 中有 {count} 个要素，一个区域的范围只能有 1 个：请只导出该区域的边界"
            raise ValidationFailed({"geometry": reason})
        data = features[0]
        kind = data.get("type") if isinstance(data, dict) else None
    if kind == "Feature":
        data = data.get("geometry")
        if not isinstance(data, dict):
            raise ValidationFailed({"geometry": "Feature 中没有 geometry（范围）"})
    check_geometry(data)
    return data


def next_child_code(parent: Area) -> str:
    """The next free code below ``parent``: its own code and a 3-digit serial, the scheme
    of the demo and the division codes (grid 150784001012001, its building …001001)."""
    taken = set(Area.objects.filter(code__startswith=parent.code).values_list("code", flat=True))
    n = 1
    while f"{parent.code}{n:03d}" in taken:
        n += 1
    return f"{parent.code}{n:03d}"


def create_area(
    *,
    code: str,
    name: str,
    kind: str,
    parent: Area | None,
    geometry: dict[str, Any] | None = None,
    actor: Any = None,
) -> Area:
    code = (code or "").strip()
    name = (name or "").strip()
    errors: dict[str, str] = {}
    if not code or SEP in code or len(code) > 40:
        errors["code"] = "编码必填，不超过40个字符，且不能含“/”"
    if not name:
        errors["name"] = "名称必填"
    too_long(errors, [("name", "名称", name, 100)])  # PostgreSQL refuses a longer one with a crash
    if kind not in KIND_LABELS:
        errors["kind"] = f"类型“{kind}”不存在"
    elif (parent.kind if parent else None) not in ALLOWED_PARENTS[kind]:
        above = KIND_LABELS.get(parent.kind, parent.kind) if parent else "顶层"
        errors["parent"] = f"{KIND_LABELS[kind]}不能放在{above}之下"
    if code and Area.objects.filter(code=code).exists():
        errors["code"] = f"编码 {code} 已存在"
    elif "code" not in errors and parent is not None and not code.startswith(parent.code):
        # The division-code scheme: a place's code begins with its parent's. One that does
        # not reads as another community's place (150784001013005 under 150784001012), and
        # takes the serial `areas add` would have given that community next.
        errors["code"] = (
            f"编码 {code} 应以上级{parent.name}的编码 {parent.code} 开头；"
            f"不填编码则自动取 {next_child_code(parent)}"
        )
    if errors:
        raise ValidationFailed(errors)
    check_geometry(geometry)
    with transaction.atomic():
        area = Area.objects.create(
            code=code,
            name=name,
            kind=kind,
            parent=parent,
            path=child_path(parent.path if parent else SEP, code),
            depth=(parent.depth + 1) if parent else 0,
            geometry=geometry,
        )
        audit.record(actor, "area.create", area_path=area.path, obj=area, detail={"name": name})
    return area


def set_geometry(area: Area, geometry: dict[str, Any] | None, *, actor: Any = None) -> Area:
    check_geometry(geometry)
    with transaction.atomic():
        area.geometry = geometry
        area.save(update_fields=["geometry", "updated_at"])
        audit.record(actor, "area.geometry", area_path=area.path, obj=area)
    return area


def rename_area(area: Area, name: str, *, actor: Any = None) -> Area:
    """A place renamed (a grid split or renumbered, a community's new name): every problem,
    task and ledger of it shows the new name, so the audit row keeps the old one."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed({"name": "请填写区域名称"})
    if len(name) > 100:
        raise ValidationFailed({"name": f"区域名称不能超过100字，现在是{len(name)}字"})
    old = Area.objects.filter(pk=area.pk).values_list("name", flat=True).get()
    if name == old:
        return area
    with transaction.atomic():
        Area.objects.filter(pk=area.pk).update(name=name, updated_at=timezone.now())
        audit.record(actor, "area.rename", area_path=area.path, obj=area, detail={"from": old, "to": name})
    area.name = name
    return area


def delete_area(area: Area, *, actor: Any = None) -> None:
    """Remove a place added by mistake. Only one with nothing placed in it goes: anything
    holding it (a child area, a household, a resident, a role, a problem…) protects it
    (``ProtectedError``). The audit row keeps its code, name and kind."""
    with transaction.atomic():
        audit.record(
            actor,
            "area.delete",
            area_path=area.path,
            obj=area,
            detail={"code": area.code, "name": area.name, "kind": area.kind},
        )
        area.delete()


# --- Import of division codes -------------------------------------------------------

_SUFFIXES = ("社区居民委员会", "居民委员会", "村民委员会", "社区居委会", "居委会", "村委会")


def short_name(name: str) -> str:
    """兴达社区居委会 → 兴达社区; 新城村村委会 → 新城村; 春元里社区居民委员会 → 春元里社区."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            base = name[: -len(suffix)]
            if suffix.startswith("社区"):
                return base + "社区"
            if suffix.startswith("村") and not base.endswith("村"):
                return base + "村"
            return base
    return name


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)


def read_division_rows(text: str, street_code: str) -> tuple[tuple[str, str] | None, list[tuple[str, str]]]:
    """Find the street and its communities in one of the three known CSV layouts.

    - this project's ``divisions.csv``: ``code,name,level,parent_code``
    - china-division ``streets.csv``: ``code,name,areaCode,provinceCode,cityCode``
    - china-division ``villages.csv``: ``code,name,streetCode,provinceCode,cityCode,areaCode``
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = set(reader.fieldnames or [])
    street: tuple[str, str] | None = None
    communities: list[tuple[str, str]] = []
    if {"code", "name", "level", "parent_code"} <= header:
        for row in reader:
            if row["code"] == street_code:
                street = (row["code"], row["name"])
            elif row["parent_code"] == street_code and row["level"] == "community":
                communities.append((row["code"], row["name"]))
    elif {"code", "name", "streetCode"} <= header:
        communities = [(r["code"], r["name"]) for r in reader if r["streetCode"] == street_code]
    elif {"code", "name", "areaCode"} <= header:
        for row in reader:
            if row["code"] == street_code:
                street = (row["code"], row["name"])
    else:
        raise ValidationFailed(
            {
                "file": "无法识别的文件格式：需要 code,name,level,parent_code 或 china-division 的 "
                "streets.csv / villages.csv 表头"
            }
        )
    return street, communities


def _division_text(file: Path) -> str:
    """The file's text: UTF-8, or GB18030 as Excel on a Chinese Windows saves a CSV (read as
    UTF-8 only, such a file stopped the command with a UnicodeDecodeError traceback)."""
    raw = file.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed({"file": f"{file.name}：文件编码无法识别，请另存为 UTF-8 的 CSV"})


def import_divisions(
    files: Iterable[Path],
    street_code: str,
    *,
    only_names: Iterable[str] | None = None,
    actor: Any = None,
) -> ImportResult:
    """Create the street and its communities from division-code files (idempotent)."""
    street: tuple[str, str] | None = None
    communities: list[tuple[str, str]] = []
    for file in files:
        found_street, found = read_division_rows(_division_text(Path(file)), street_code)
        street = street or found_street
        communities.extend(found)
    existing_street = Area.objects.filter(code=street_code).first()
    if street is None and existing_street is None:
        raise ValidationFailed({"street": f"文件中没有街道编码 {street_code}"})
    wanted = set(only_names) if only_names is not None else None
    result = ImportResult()
    with transaction.atomic():
        if existing_street is None:
            assert street is not None
            existing_street = create_area(
                code=street[0], name=street[1], kind=AreaKind.STREET, parent=None, actor=actor
            )
            result.created.append(street[0])
        else:
            result.existing.append(street_code)
        for code, name in sorted(set(communities)):
            short = short_name(name)
            if wanted is not None and short not in wanted:
                continue
            if Area.objects.filter(code=code).exists():
                result.existing.append(code)
                continue
            create_area(code=code, name=short, kind=AreaKind.COMMUNITY, parent=existing_street, actor=actor)
            result.created.append(code)
        audit.record(
            actor,
            "area.import",
            area_path=existing_street.path,
            detail={"street": street_code, "created": len(result.created)},
        )
    return result
