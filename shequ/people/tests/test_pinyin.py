"""Name pinyin read word by word (cached) must equal pypinyin reading the whole name."""

from hypothesis import given, settings
from hypothesis import strategies as st
from pypinyin import Style, lazy_pinyin

from shequ.people.pinyin import SURNAME_READINGS, name_pinyin

# Surnames and given-name characters that form phrases with each other (国庆, 长生, 建国,
# 重阳, 朝阳 …) and polyphones whose reading depends on the phrase (长, 重, 朝, 乐, 行, 单).
CHARS = "张王李赵欧阳单曾长生国庆建重朝乐行秀英志强明华伟红军民居一二三·A1 "


def _whole(name: str) -> tuple[str, str]:
    syllables = [s.lower() for s in lazy_pinyin(name, style=Style.NORMAL, errors="ignore") if s]
    if syllables and name[:1] in SURNAME_READINGS:  # the rule the module adds: a surname's reading
        syllables[0] = SURNAME_READINGS[name[0]]
    return "".join(syllables), "".join(s[0] for s in syllables)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=CHARS, min_size=0, max_size=8))
def test_word_by_word_equals_the_whole_name(name):
    assert name_pinyin(name) == _whole(name)


def test_phrase_readings_are_kept():
    assert name_pinyin("张长生") == ("zhangchangsheng", "zcs")
    assert name_pinyin("欧阳国庆") == ("ouyangguoqing", "oygq")
    assert name_pinyin("居民12") == ("jumin", "jm")
    assert name_pinyin("") == ("", "")
    assert name_pinyin("A张三") == name_pinyin("张三") == ("zhangsan", "zs")


def test_a_surname_is_read_as_a_surname():
    """覃琴 was found by "tq" but not by "qq", 曾伟 by "cw" but not by "zw"."""
    assert name_pinyin("曾伟") == ("zengwei", "zw")
    assert name_pinyin("单丽") == ("shanli", "sl")
    assert name_pinyin("覃琴") == ("qinqin", "qq")
    assert name_pinyin("区华") == ("ouhua", "oh")
    assert name_pinyin("张曾") == ("zhangceng", "zc")  # only the first character is a surname
