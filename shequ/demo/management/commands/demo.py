from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.areas.models import Area
from shequ.demo.generator import (
    DEMO_PASSWORD,
    DemoAccount,
    DemoRefused,
    demo_accounts,
    half_loaded,
    interrupted_message,
    load,
)


class Command(BaseCommand):
    help = "演示数据：demo load [--seed N] [--if-empty]"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        ld = sub.add_parser("load", help="加载拉布大林、杏山、龙滩子三个街道的演示数据")
        ld.add_argument("--seed", type=int, default=2026, help="随机种子（同一种子生成同样的数据）")
        ld.add_argument("--if-empty", action="store_true", help="数据库已有区域时什么也不做")
        ld.add_argument("--quiet", action="store_true", help="不列出演示账号（make run 随后会列出）")
        sub.add_parser("accounts", help="列出演示账号")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "accounts":
            self._print_accounts(demo_accounts())
            return
        if half_loaded():
            raise CommandError(interrupted_message())
        if options["if_empty"] and Area.objects.exists():
            self.stdout.write("数据库已有数据，未加载演示数据。")
            return
        started = time.monotonic()
        try:
            accounts = load(seed=options["seed"])
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"演示数据已加载（{time.monotonic() - started:.1f} 秒）。")
        if not options["quiet"]:
            self._print_accounts(accounts)

    def _print_accounts(self, accounts: list[DemoAccount]) -> None:
        if not accounts:
            self.stdout.write("没有演示账号。")
            return
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for a in accounts:
            self.stdout.write(f"  {a.username:<22} {a.role:<8} {a.area}")
