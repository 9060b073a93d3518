from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.areas.services import import_divisions
from shequ.core.errors import DomainError


class Command(BaseCommand):
    help = "区域：areas import FILE [FILE...] --street CODE"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser(
            "import",
            help="从区划代码文件导入街道及其社区（divisions.csv，或 china-division 的 "
            "streets.csv 与 villages.csv）",
        )
        imp.add_argument("files", nargs="+", type=Path)
        imp.add_argument("--street", required=True, help="街道的9位区划代码")

    def handle(self, *args: Any, **options: Any) -> None:
        for file in options["files"]:
            if not file.exists():
                raise CommandError(f"文件不存在：{file}")
        try:
            result = import_divisions(options["files"], options["street"])
        except DomainError as exc:
            raise CommandError("；".join(exc.fields.values()) or exc.message) from exc
        self.stdout.write(
            f"新建 {len(result.created)} 个区域，已存在 {len(result.existing)} 个：{' '.join(result.created)}"
        )
