"""Pinyin for Chinese names, so that `zs` and `zhangsan` find 张三."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT, RE_HANS
from pypinyin.seg.mmseg import seg as phrases
from pypinyin.seg.simpleseg import simple_seg


@lru_cache(maxsize=50_000)
def _word(word: str) -> tuple[str, ...]:
    return tuple(s.lower() for s in lazy_pinyin(word, style=Style.NORMAL, errors="ignore") if s)


def _words(name: str) -> list[str]:
    """The name cut as pypinyin cuts it (``pypinyin.seg.simpleseg.seg``): runs of Chinese
    characters, each run by its phrase dictionary; runs of anything else have no reading
    (``errors="ignore"``) and are left out. Most names are one run and skip the first cut."""
    runs = [name] if RE_HANS.match(name) else [run for run in simple_seg(name) if RE_HANS.match(run)]
    if not PHRASES_DICT:
        return runs
    return [word for run in runs for word in phrases.cut(run)]


# Surnames whose reading as a surname differs from the everyday one pypinyin gives
# (曾伟 is Zeng Wei, not Ceng Wei): the first character of a name takes this reading.
SURNAME_READINGS = {
    "曾": "zeng",
    "单": "shan",
    "解": "xie",
    "仇": "qiu",
    "覃": "qin",
    "区": "ou",
    "查": "zha",
    "朴": "piao",
    "缪": "miao",
    "翟": "zhai",
    "盖": "ge",
    "种": "chong",
    "召": "shao",
}


@lru_cache(maxsize=50_000)
def name_pinyin(name: str) -> tuple[str, str]:
    """(full pinyin, initials), both lower-case ASCII: 张三 → ("zhangsan", "zs").

    The initials are the first letters of the same syllables, so the two always agree.

    pypinyin reads each word of a cut name on its own, so reading the words one by one
    (each remembered) gives the same result as reading the whole name, and a registry
    import of 100,000 mostly different names reuses its surnames and given-name words
    (a whole name through pypinyin costs ~40 µs, cutting it and looking words up ~10 µs).
    """
    syllables = [s for word in _words(name) for s in _word(word)]
    if syllables and name[:1] in SURNAME_READINGS:
        syllables[0] = SURNAME_READINGS[name[0]]
    return "".join(syllables), "".join(s[0] for s in syllables)
