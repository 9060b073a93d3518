from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.areas.models import Area, AreaKind
from shequ.areas.services import (
    KIND_LABELS,
    create_area,
    geometry_from_geojson,
    import_divisions,
    next_child_code,
    set_geometry,
)
from shequ.core.errors import DomainError

# Streets and communities come from the division codes (`areas import`); the rest is
# added by hand, one command per place.
ADDED_KINDS = [k for k in AreaKind.values if k not in (AreaKind.STREET, AreaKind.COMMUNITY)]


def _failed(exc: DomainError) -> CommandError:
    return CommandError("；".join(exc.fields.values()) or exc.message)


def _area(code: str, what: str) -> Area:
    found = Area.objects.filter(code=code).first()
    if found is None:
        raise CommandError(f"{what}编码 {code} 不存在（用 shequ areas list 查看已有区域）")
    return found


# The JSON parser's reasons, said in Chinese: "Expecting value: line 1 column 1 (char 0)"
# told an operator who had picked a KML or a Shapefile nothing they could act on.
JSON_REASONS = {
    "Expecting value": "这里应是一个值（文件不是 JSON？KML、Shapefile 等请先在 GIS 软件中导出为 GeoJSON）",
    "Expecting property name enclosed in double quotes": "属性名应使用英文双引号（多余的逗号也会这样）",
    "Expecting ',' delimiter": "缺少英文逗号，或括号没有配对",
    "Expecting ':' delimiter": "缺少英文冒号",
    "Extra data": "JSON 已经结束，后面还有多余的内容",
    "Unterminated string starting at": "字符串缺少结束的英文双引号",
    "Invalid control character at": "字符串中有换行等控制字符",
    "Invalid \\escape": "字符串中有无效的反斜杠转义",
}


def _read_geojson(file: Path) -> Any:
    if not file.exists():
        raise CommandError(f"文件不存在：{file}")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except IsADirectoryError as exc:
        raise CommandError(f"{file} 是文件夹，请给出 GeoJSON 文件的路径") from exc
    except UnicodeDecodeError as exc:
        raise CommandError(
            f"文件 {file} 不是有效的 GeoJSON：不是 UTF-8 编码的文本（GeoJSON 应为 UTF-8）"
        ) from exc
    except OSError as exc:
        raise CommandError(f"无法读取文件 {file}（{exc.strerror}）") from exc
    if not text.strip():
        raise CommandError(f"文件 {file} 不是有效的 GeoJSON：文件是空的")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        reason = JSON_REASONS.get(exc.msg, "JSON 格式错误")
        where = f"第 {exc.lineno} 行第 {exc.colno} 列"
        raise CommandError(f"文件 {file} 不是有效的 GeoJSON：{where}{reason}") from exc
    except ValueError as exc:  # a number too long to read, and the like
        raise CommandError(f"文件 {file} 不是有效的 GeoJSON：JSON 格式错误") from exc


class Command(BaseCommand):
    help = (
        "区域：areas import FILE --street CODE；areas add [CODE] --kind KIND --parent CODE --name NAME；"
        "areas geometry CODE FILE.geojson；areas household BUILDING_CODE --address 门牌；areas list"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser(
            "import",
            help="从区划代码文件导入街道及其社区（divisions.csv，或 china-division 的 "
            "streets.csv 与 villages.csv）",
        )
        imp.add_argument("files", nargs="+", type=Path)
        imp.add_argument("--street", required=True, help="街道的9位区划代码")
        add = sub.add_parser("add", help="在社区之下新建网格工作站、小区、网格或楼栋")
        add.add_argument(
            "code", nargs="?", default="", help="编码；省略时取上级编码加3位序号（如 150784001012001）"
        )
        add.add_argument("--kind", required=True, choices=ADDED_KINDS, help="类型")
        add.add_argument("--parent", required=True, help="上级区域的编码")
        add.add_argument("--name", required=True, help="名称，如 第1网格、3号楼")
        add.add_argument("--geometry", type=Path, help="范围：GeoJSON 文件（网格的边界）")
        geometry = sub.add_parser(
            "geometry",
            help="设置区域（网格）的范围：GeoJSON 几何、Feature 或只含一个要素的 FeatureCollection",
        )
        geometry.add_argument("code")
        geometry.add_argument("file", type=Path)
        household = sub.add_parser("household", help="在楼栋下登记一户")
        household.add_argument("building", help="楼栋编码")
        household.add_argument("--address", required=True, help="单元、门牌号，如 1单元101")
        listing = sub.add_parser("list", help="列出区域（编码、类型、名称）")
        listing.add_argument("--under", default="", help="只列出此编码及其下的区域")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            getattr(self, f"do_{action}")(options)
        except DomainError as exc:
            raise _failed(exc) from exc

    def do_import(self, options: dict[str, Any]) -> None:
        for file in options["files"]:
            if not file.exists():
                raise CommandError(f"文件不存在：{file}")
            if file.is_dir():
                raise CommandError(f"{file} 是文件夹，请给出区划代码 CSV 文件的路径")
        try:
            result = import_divisions(options["files"], options["street"])
        except OSError as exc:
            raise CommandError(f"无法读取文件 {exc.filename}（{exc.strerror}）") from exc
        self.stdout.write(
            f"新建 {len(result.created)} 个区域，已存在 {len(result.existing)} 个：{' '.join(result.created)}"
        )

    def do_add(self, options: dict[str, Any]) -> None:
        parent = _area(options["parent"], "上级区域")
        geometry = geometry_from_geojson(_read_geojson(options["geometry"])) if options["geometry"] else None
        code = options["code"] or next_child_code(parent)
        area = create_area(
            code=code, name=options["name"], kind=options["kind"], parent=parent, geometry=geometry
        )
        kind = KIND_LABELS[area.kind]
        self.stdout.write(
            self.style.SUCCESS(f"已新建{kind}“{area.name}”，编码 {area.code}，上级 {parent.name}")
        )

    def do_geometry(self, options: dict[str, Any]) -> None:
        area = _area(options["code"], "区域")
        set_geometry(area, geometry_from_geojson(_read_geojson(options["file"])))
        self.stdout.write(
            self.style.SUCCESS(f"已设置{KIND_LABELS[area.kind]}“{area.name}”（{area.code}）的范围")
        )

    def do_household(self, options: dict[str, Any]) -> None:
        from shequ.people.services import register_household

        building = _area(options["building"], "楼栋")
        if building.kind != AreaKind.BUILDING:
            raise CommandError(
                f"{building.name}（{building.code}）是{KIND_LABELS[building.kind]}，户必须登记在楼栋下"
            )
        address = options["address"].strip()
        if building.households.filter(address=address).exists():
            raise CommandError(f"{building.name} 已有门牌 {address} 的户")
        household = register_household(building=building, address=address)
        self.stdout.write(
            self.style.SUCCESS(f"已登记户 {household.code}：{building.name} {household.address}")
        )

    def do_list(self, options: dict[str, Any]) -> None:
        areas = Area.objects.all()
        if options["under"]:
            areas = areas.under(_area(options["under"], "区域").path)
        for area in areas.order_by("path"):
            bounds = ""
            if area.kind == AreaKind.GRID:
                bounds = "\t有范围" if area.geometry else "\t无范围"
            self.stdout.write(
                f"{'  ' * area.depth}{area.code}\t{KIND_LABELS[area.kind]}\t{area.name}{bounds}"
            )
