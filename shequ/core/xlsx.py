"""Every workbook the project writes: what people typed goes into a cell as text.

xlsxwriter's ``write`` and ``write_row`` otherwise take a string that starts with "=" for
a formula (a description "=3号楼漏水" becomes a broken formula, a crafted one runs on the
office PC that opens the export) and one that looks like a web address for a link."""

from __future__ import annotations

from typing import Any

import xlsxwriter

SAFE = {"strings_to_formulas": False, "strings_to_urls": False}


def workbook(target: Any, **options: Any) -> xlsxwriter.Workbook:
    """``xlsxwriter.Workbook(target, options)`` with strings always written as text."""
    return xlsxwriter.Workbook(target, {**options, **SAFE})
