"""Cells as real registers hold them, turned into clean values or a Chinese reason.

Full-width digits and letters, surrounding spaces, Excel date serials and text dates,
and ID numbers that Excel stored as numbers (``1.50784E+17``: the last digits are gone).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta

from shequ.core.texts import CLEAR_WORDS
from shequ.people import idcard
from shequ.people.models import CareGroup, Relation, ResidenceType


class CellError(ValueError):
    """The message is Chinese and says what is wrong with the cell."""


EXCEL_EPOCH = date(1899, 12, 30)
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+?\d+$", re.IGNORECASE)
# A time of day after the date ("1980-01-02 00:00:00", as other systems export dates)
# is no part of a birth date and is left off.
_DATE_TEXT = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[\sT]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MONTH_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
# An Excel serial held as text (a CSV, a column set to text after the dates were typed):
# five digits are 1927-05-18 to 2173-10-14; four could be a year ("1980"), so are not one.
_SERIAL_TEXT = re.compile(r"^(\d{5})(?:\.0+)?$")
# A year alone: what the masked export writes in 出生日期 (its month and day are digits of
# the ID number).
_YEAR_TEXT = re.compile(r"^\d{4}\s*年$")
# A masked value (the list's export is masked by default): the hidden digits are gone.
MASKED_ID_NUMBER = (
    "身份证号是脱敏后的号码（中间几位是*），不能据此导入；请填写完整的身份证号"
    "（导出的名单默认脱敏，有权查看完整信息的人员可填写事由导出完整名单）"
)
MASKED_PHONE = "联系电话是脱敏后的号码（中间几位是*）；请填写完整的号码，或留空以保留已登记的电话"


def text(value: object) -> str:
    """Any cell as trimmed text: full-width folded (NFKC), numbers without a trailing .0."""
    if type(value) is str:  # most cells: one test instead of the chain below
        return unicodedata.normalize("NFKC", value).strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return unicodedata.normalize("NFKC", str(value)).strip()


def _precision_lost(shown: str) -> CellError:
    return CellError(f"身份证号被 Excel 存成了数字（{shown}），后几位已丢失；请把该列设为文本后重新录入")


def shown_id_number(value: object) -> str:
    """An ID number cell as the error report may show it: a number as Excel displays it
    (``1.50784E+17``), never its full digits (they hold the birth date)."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        return f"{float(value):.5E}"
    cleaned = "".join(text(value).split()).upper()
    if _SCIENTIFIC.match(cleaned):
        return f"{float(cleaned):.5E}"
    return text(value)


def id_number(value: object) -> str:
    """An ID number cell as its 18 characters (validated later by idcard.parse)."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        # Excel keeps 15 significant digits: a number of 16 or more digits is not exact.
        if abs(value) >= 1e15 or (isinstance(value, float) and not value.is_integer()):
            raise _precision_lost(shown_id_number(value))
        raise CellError(f"身份证号被存成了数字（{int(value)}），位数不对；请把该列设为文本后重新录入")
    cleaned = "".join(text(value).split()).upper()
    if _SCIENTIFIC.match(cleaned):
        raise CellError(
            f"身份证号显示为科学计数法（{shown_id_number(cleaned)}），后几位已丢失；请把该列设为文本后重新录入"
        )
    if cleaned.startswith("'"):
        cleaned = cleaned[1:]
    if "*" in cleaned:
        raise CellError(MASKED_ID_NUMBER)
    if len(cleaned) == 17 and cleaned.isdigit() and idcard.check_char(cleaned) == "X":
        # The check character is an X that was left off (typed without it, or cut by a
        # system that keeps digits only): said so, not only "17 digits".
        raise CellError("身份证号只有17位；按前17位算，最后一位应为 X，可能漏填或被删去了，请补上 X")
    # A number Excel rounded and someone then turned into text: the last digits are 000.
    rounded = len(cleaned) == 18 and cleaned.isdigit() and cleaned.endswith("000")
    if rounded and idcard.check_char(cleaned[:17]) != cleaned[17]:
        raise _precision_lost(f"{float(cleaned):.5E}")
    return cleaned


def a_date(value: object) -> date | None:
    """Excel serials (as numbers or as five-digit text), real dates and text dates
    (1980-01-02, 1980/1/2, 1980年1月2日, 19800102)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, float | int) and not isinstance(value, bool):
        # 19800102 typed as a number; Excel serials stop at 2958465 (9999-12-31).
        if 19000101 <= value <= 21001231 and float(value).is_integer():
            return a_date(str(int(value)))
        if 1 <= value < 2958466:
            return EXCEL_EPOCH + timedelta(days=int(value))
        raise CellError(f"日期“{value}”不是有效的日期")
    raw = text(value)
    serial = _SERIAL_TEXT.match(raw)
    if serial is not None:
        return EXCEL_EPOCH + timedelta(days=int(serial.group(1)))
    match = _DATE_TEXT.match(raw) or _DATE_COMPACT.match(raw)
    if match is None and _YEAR_TEXT.match(raw):
        raise CellError(
            f"出生日期只写了年份（“{raw}”），请写到日，如 1980-01-02，或留空（按身份证号中的出生日期）"
        )
    if match is None and _MONTH_TEXT.match(raw):
        raise CellError(f"日期“{raw}”只有年月，请写到日，如 1980-01-02")
    if match is None:
        raise CellError(f"日期“{raw}”无法识别，请写成 1980-01-02")
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise CellError(f"日期“{raw}”不存在") from None


GENDER_WORDS = {"男": "M", "男性": "M", "M": "M", "女": "F", "女性": "F", "F": "F"}


def gender(value: object) -> str:
    raw = text(value).upper()
    if not raw:
        return ""
    if raw not in GENDER_WORDS:
        raise CellError(f"性别“{raw}”应为男或女")
    return GENDER_WORDS[raw]


RELATION_WORDS: dict[str, str] = {
    "户主": Relation.HEAD,
    "本人": Relation.HEAD,
    "配偶": Relation.SPOUSE,
    "妻": Relation.SPOUSE,
    "妻子": Relation.SPOUSE,
    "夫": Relation.SPOUSE,
    "丈夫": Relation.SPOUSE,
    "子女": Relation.CHILD,
    "子": Relation.CHILD,
    "女": Relation.CHILD,
    "儿子": Relation.CHILD,
    "女儿": Relation.CHILD,
    "长子": Relation.CHILD,
    "次子": Relation.CHILD,
    "长女": Relation.CHILD,
    "次女": Relation.CHILD,
    "父母": Relation.PARENT,
    "父亲": Relation.PARENT,
    "母亲": Relation.PARENT,
    "父": Relation.PARENT,
    "母": Relation.PARENT,
    "孙子女": Relation.GRANDCHILD,
    "孙子": Relation.GRANDCHILD,
    "孙女": Relation.GRANDCHILD,
    "外孙": Relation.GRANDCHILD,
    "外孙女": Relation.GRANDCHILD,
    "兄弟姐妹": Relation.SIBLING,
    "兄": Relation.SIBLING,
    "弟": Relation.SIBLING,
    "姐": Relation.SIBLING,
    "妹": Relation.SIBLING,
    "哥哥": Relation.SIBLING,
    "弟弟": Relation.SIBLING,
    "姐姐": Relation.SIBLING,
    "妹妹": Relation.SIBLING,
    "其他": Relation.OTHER,
}
# The rest of a 户口簿's relations (GB/T 4761 家庭关系): in-laws of a child under 子女, of a
# grandchild under 孙子女, of a sibling under 兄弟姐妹; a spouse's parents and step- or
# adoptive parents under 父母; grandparents, nephews and others, which have no group here,
# under 其他.
for _group, _words in (
    (
        Relation.CHILD,
        "独生子 三子 四子 五子 养子 继子 其他儿子 独生女 三女 四女 五女 养女 继女 其他女儿 女婿 儿媳 儿媳妇",
    ),
    (Relation.GRANDCHILD, "外孙子 孙媳妇 外孙媳妇 孙女婿 外孙女婿 曾孙 曾孙子 曾孙女 外曾孙子 外曾孙女"),
    (Relation.PARENT, "公公 婆婆 岳父 岳母 继父 继母 养父 养母"),
    (Relation.SIBLING, "嫂 嫂子 弟媳 弟妹 姐夫 妹夫"),
    (
        Relation.OTHER,
        "祖父 祖母 外祖父 外祖母 爷爷 奶奶 外公 外婆 伯父 伯母 叔父 婶母 舅父 舅母 姨父 姨母 姑父 姑母 "
        "侄子 侄女 外甥 外甥女 其他亲属 非亲属 保姆 租客",
    ),
):
    RELATION_WORDS.update(dict.fromkeys(_words.split(), _group))
RELATION_WORDS.update({value: value for value in Relation.values})


def relation(value: object) -> str:
    raw = text(value)
    if not raw:
        return Relation.OTHER
    if raw not in RELATION_WORDS:
        raise CellError(f"与户主关系“{raw}”无法识别，可填：户主、配偶、子女、父母、孙子女、兄弟姐妹、其他")
    return RELATION_WORDS[raw]


RESIDENCE_WORDS = {
    "户籍人口": ResidenceType.REGISTERED,
    "户籍": ResidenceType.REGISTERED,
    "常住": ResidenceType.REGISTERED,
    "常住人口": ResidenceType.REGISTERED,
    "户籍人员": ResidenceType.REGISTERED,
    "本地户籍": ResidenceType.REGISTERED,
    "流动人口": ResidenceType.FLOATING,
    "流动": ResidenceType.FLOATING,
    "暂住": ResidenceType.FLOATING,
    "暂住人口": ResidenceType.FLOATING,
    "外来人口": ResidenceType.FLOATING,
    "流入人口": ResidenceType.FLOATING,
}


def residence_type(value: object) -> str:
    raw = text(value)
    if not raw:
        return ResidenceType.REGISTERED
    if raw not in RESIDENCE_WORDS:
        raise CellError(f"人口类型“{raw}”应为户籍人口或流动人口")
    return RESIDENCE_WORDS[raw]


_TAG_WORDS = {str(label): value for value, label in CareGroup.choices} | {v: v for v in CareGroup.values}
# The short names registers write for a category (低保 for 低保户, 残疾 for 残疾人…).
_TAG_WORDS |= {
    "独居": CareGroup.ELDERLY_ALONE,
    "失业": CareGroup.UNEMPLOYED,
    "低保": CareGroup.LOW_INCOME,
    "低保对象": CareGroup.LOW_INCOME,
    "残疾": CareGroup.DISABLED,
    "退伍军人": CareGroup.VETERAN,
    "特困": CareGroup.DESTITUTE,
}
_TAG_HINT = "、".join(str(label) for label in CareGroup.labels)
_TAG_SPLIT = re.compile(r"[、,，;；/\s]+")


def care_tags(value: object) -> tuple[str, ...]:
    raw = text(value)
    if not raw or raw in CLEAR_WORDS:  # "无": the registered tags are taken off
        return ()
    words = [w for w in _TAG_SPLIT.split(raw) if w]
    unknown = [w for w in words if w not in _TAG_WORDS]
    if unknown:
        raise CellError(f"重点人群“{'、'.join(unknown)}”不在可选类别中，可填：{_TAG_HINT}（多个用顿号分隔）")
    return tuple(sorted({_TAG_WORDS[w] for w in words}))


_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2}


def _cn_number(raw: str) -> str:
    """一 → 1, 十二 → 12, 二十 → 20 (units and entrances up to 99); anything else as it is."""
    if not raw or any(c not in _CN_DIGITS and c != "十" for c in raw) or raw.count("十") > 1:
        return raw
    if "十" not in raw:
        return str(_CN_DIGITS[raw]) if len(raw) == 1 else raw
    tens, _, ones = raw.partition("十")
    if len(tens) > 1 or len(ones) > 1:
        return raw
    return str((_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0))


_CN_UNIT = re.compile(r"^([零一二两三四五六七八九十]+)单元")


def door(value: str) -> str:
    """A door with its unit as a number: 二单元301 is 2单元301, as a re-import must find
    the household registered there (it was split into a new one)."""
    return _CN_UNIT.sub(lambda m: f"{_cn_number(m.group(1))}单元", value, count=1)


def entrance(value: object) -> str:
    """A unit as its number: 2, 2单元, 二单元 and 二 are the same unit."""
    raw = text(value)
    raw = raw[:-2] if raw.endswith("单元") else raw
    return _cn_number(raw)


def room(value: object) -> str:
    raw = text(value)
    return raw[:-1] if raw.endswith("室") and raw[:-1] else raw
