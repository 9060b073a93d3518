"""The columns an import understands, the header texts real files use for them, and how
a sheet's header row is found.

A column mapping is ``{header text: field key}``; a header mapped to "" is ignored.
The mapping proposed for a file is the community's remembered one, then the aliases.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # the template's header
    aliases: tuple[str, ...]
    required: bool = False
    example: str = ""


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", ("姓名", "居民姓名", "名字", "户主姓名/成员姓名"), True, "张三"),
    Column(
        "id_number",
        "身份证号",
        ("身份证号", "身份证号码", "公民身份号码", "公民身份证号", "证件号码", "身份证"),
        True,
        "11010519491231002X",
    ),
    Column("gender", "性别", ("性别",), False, "女"),
    Column("birth_date", "出生日期", ("出生日期", "出生年月", "生日"), False, "1949-12-31"),
    Column(
        "phone",
        "联系电话",
        ("联系电话", "手机号", "手机号码", "电话", "联系方式", "手机"),
        False,
        "13812341234",
    ),
    Column("relation", "与户主关系", ("与户主关系", "户主关系", "关系"), False, "户主"),
    Column("building", "楼栋", ("楼栋", "楼号", "楼栋号", "栋", "幢", "楼"), True, "1栋"),
    Column("entrance", "单元", ("单元", "单元号"), False, "2"),
    Column("room", "门牌号", ("门牌号", "房号", "门牌", "房间号", "室"), True, "301"),
    Column("address", "现住址", ("现住址", "住址", "居住地址", "家庭住址", "地址"), False, ""),
    Column("residence_type", "人口类型", ("人口类型", "户籍类型", "人员类型"), False, "户籍人口"),
    Column("care_tags", "重点人群", ("重点人群", "人群类别", "特殊人群"), False, ""),
    Column("party_member_kind", "党员类型", ("党员类型", "政治面貌", "党员类别", "是否党员"), False, ""),
)
BY_KEY = {c.key: c for c in COLUMNS}
LABELS = {c.key: c.label for c in COLUMNS}


def clean_header(text: object) -> str:
    """A header as compared: full-width folded, spaces, line breaks and `*` marks gone."""
    value = unicodedata.normalize("NFKC", str(text or ""))
    return "".join(value.split()).replace("*", "").replace("：", "").replace(":", "")


_ALIASES = {clean_header(alias): c.key for c in COLUMNS for alias in (c.label, *c.aliases)}


def field_for(header: str) -> str:
    return _ALIASES.get(clean_header(header), "")


def propose(sheets: list[list[str]], remembered: dict[str, str] | None = None) -> dict[str, str]:
    """A mapping for the headers of each sheet: the remembered choice first, then the
    aliases; within one sheet a field goes to its first column only."""
    remembered = remembered or {}
    mapping: dict[str, str] = {}
    for headers in sheets:
        taken: set[str] = set()
        for header in headers:
            if not header:
                continue
            key = mapping.get(header)
            if key is None:
                key = remembered.get(header)
            if key is None:
                key = field_for(header)
            if key in taken:
                key = ""
            mapping.setdefault(header, key)
            if key:
                taken.add(key)
    return mapping


def check_mapping(mapping: dict[str, str]) -> dict[str, str]:
    """Field errors for a mapping: unknown fields and required ones missing (楼栋 and
    门牌号 may come from 现住址 instead). Several headers may name one field (sheets
    with different headers); within a sheet its first column is read."""
    errors: dict[str, str] = {}
    seen: set[str] = set()
    for header, key in mapping.items():
        if not key:
            continue
        if key not in BY_KEY:
            errors[header] = f"列“{header}”对应的字段不存在"
        else:
            seen.add(key)
    has_address = "address" in seen
    for column in COLUMNS:
        if not column.required or column.key in seen:
            continue
        if column.key in ("building", "room") and has_address:
            continue
        errors[column.key] = f"没有列对应“{column.label}”（必填）"
    return errors


def header_score(row: list[object]) -> int:
    return sum(1 for cell in row if field_for(str(cell or "")))
