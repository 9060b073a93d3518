"""Chinese mobile and landline numbers: validated with `phonenumbers`, stored normalised."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType


class PhoneError(ValueError):
    pass


_MOBILE = {PhoneNumberType.MOBILE}
_LANDLINE = {PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE, PhoneNumberType.VOIP}


_MOBILE_SHAPE = re.compile(r"1\d{10}")
_FULL_WIDTH = {ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９＋－"}
# Two numbers in one cell (a mobile and a home number), as registers write them.
_ONE_NUMBER = re.compile(r"(?:\+?86-?)?1\d{10}|0\d{2,3}-?\d{7,8}")
_BETWEEN_NUMBERS = re.compile(r"[/、,，;；|]|\s+|或")
# A note in brackets beside the number, as registers write whose phone it is:
# 13800000001（本人）, 13800000001 (母亲), 【女儿】13800000001. The note is dropped; brackets
# holding digits are an area code, (0571)87654321, and stay.
_NOTE = re.compile(r"[（(【\[［][^）)】\]］0-9０-９]*[）)】\]］]")
# A local landline without its area code (a county register's 2345678).
_NO_AREA_CODE = re.compile(r"[2-9]\d{6,7}")


@lru_cache(maxsize=8192)
def _mobile_block(prefix: str) -> bool:
    """Whether the 11-digit mobiles starting with these 7 digits are valid: the numbering
    plan assigns mobile blocks by their first digits, so one parse answers for the block
    (bulk imports check ~100,000 phones; a full parse is ~100 µs)."""
    try:
        number = phonenumbers.parse(prefix + "0000", "CN")
    except NumberParseException:
        return False  # the full parse below says why
    return phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in _MOBILE


def normalize(raw: str) -> str:
    """Return ``13812341234`` for a mobile or ``0571-87654321`` for a landline."""
    raw = _NOTE.sub(" ", str(raw)).strip() or str(raw)
    text = "".join(raw.split()).translate(_FULL_WIDTH)
    if not text:
        raise PhoneError("电话号码为空")
    if _MOBILE_SHAPE.fullmatch(text) and _mobile_block(text[:7]):
        return text
    parts = _BETWEEN_NUMBERS.split(str(raw).translate(_FULL_WIDTH))
    several = sum(1 for part in parts if _ONE_NUMBER.fullmatch(part))
    if several > 1:
        raise PhoneError(f"联系电话只能填一个号码，这里填了 {several} 个")
    if _NO_AREA_CODE.fullmatch(text.replace("-", "")):
        raise PhoneError("固定电话要带区号，请在号码前加上区号（如 0537）")
    try:
        number = phonenumbers.parse(text, "CN")
    except NumberParseException as exc:
        raise PhoneError(f"“{raw}”不是电话号码") from exc
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        raise PhoneError(f"“{raw}”不是有效的中国大陆手机号或固定电话")
    kind = phonenumbers.number_type(number)
    national = str(number.national_number)
    if kind in _MOBILE:
        return national
    if kind in _LANDLINE:
        formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        area, _, rest = formatted.partition(" ")
        return f"{area}-{rest.replace(' ', '')}"
    raise PhoneError(f"“{raw}”不是手机号或固定电话")
