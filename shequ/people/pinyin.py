"""Pinyin for Chinese names, so that `zs` and `zhangsan` find 张三."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=200_000)
def name_pinyin(name: str) -> tuple[str, str]:
    """(full pinyin, initials), both lower-case ASCII: 张三 → ("zhangsan", "zs").

    The initials are the first letters of the same syllables, so the two always agree.
    """
    syllables = [s.lower() for s in lazy_pinyin(name, style=Style.NORMAL, errors="ignore") if s]
    return "".join(syllables), "".join(s[0] for s in syllables)
