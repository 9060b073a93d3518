"""`shequ import residents FILE --community CODE [--dry-run] [--errors OUT.xlsx]`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.core.errors import DomainError
from shequ.registry import importing, services

ACTIONS = (("new", "新增"), ("changed", "变更"), ("moved", "换户"), ("unchanged", "未变"))


class Command(BaseCommand):
    help = "从 Excel 或 CSV 导入户和居民：import residents FILE --community CODE [--dry-run] [--errors X]"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        residents = sub.add_parser("residents", help="导入户和居民（按身份证号新增或更新）")
        residents.add_argument("file", help="xlsx 或 csv 文件")
        residents.add_argument("--community", required=True, help="社区编码（区划代码）")
        residents.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        residents.add_argument("--errors", help="把错误报告写到这个 xlsx 文件")
        residents.add_argument(
            "--map", action="append", default=[], metavar="表头=字段", help="指定列对应，如 手机=phone"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"文件不存在：{path}")
        if options["errors"] and Path(options["errors"]).resolve() == path.resolve():
            # The report is written over the path it is given: the register itself was lost.
            raise CommandError(f"--errors 不能是要导入的文件本身（{path}），请另给一个文件名")
        mapping = {}
        for item in options["map"]:
            header, sep, key = item.partition("=")
            if not sep:
                raise CommandError(f"--map 应写成 表头=字段，现在是 {item}")
            mapping[header] = key
        try:
            result, _ = services.import_file(
                path, options["community"], dry_run=options["dry_run"], mapping=mapping
            )
        except DomainError as exc:  # refused, or the registry changed while checking
            raise CommandError(exc.message) from exc
        summary = result.summary()
        counts = "，".join(f"{label} {summary[key]}" for key, label in ACTIONS)
        tail = f"新户 {summary['new_households']}，有误 {summary['refused']}"
        self.stdout.write(f"共 {summary['total']} 行：{counts}，{tail}")
        if ignored := importing.ignored_note(result):
            self.stdout.write(ignored)
        if skipped := importing.skipped_note(result, 2):
            self.stdout.write(skipped)
        for error in result.errors[:20]:
            self.stdout.write(f"  {error.sheet} 第{error.row}行 {error.column}：{error.reason}")
        if len(result.errors) > 20:
            self.stdout.write(f"  ……共 {len(result.errors)} 条错误")
        if options["errors"] and result.errors:
            services.write_errors(result.errors, out=options["errors"])
            self.stdout.write(f"错误报告已写入 {options['errors']}")
        if result.errors:
            raise CommandError(f"{summary['refused']} 行有误，未导入任何数据")
        if not result.rows:
            raise CommandError(importing.nothing_message(result))
        self.stdout.write("检查通过（未写入）。" if options["dry_run"] else "导入完成。")
