"""Pinyin for Chinese names, so that `zs` and `zhangsan` find 张三."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=65536)
def name_pinyin(name: str) -> tuple[str, str]:
    """(full pinyin, initials), both lower-case ASCII: 张三 → ("zhangsan", "zs")."""
    full = lazy_pinyin(name, style=Style.NORMAL, errors="ignore")
    initials = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")
    return "".join(full).lower(), "".join(initials).lower()
