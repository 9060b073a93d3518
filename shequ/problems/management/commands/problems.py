from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shequ.problems.services import send_due_reminders


class Command(BaseCommand):
    help = "问题清单：problems remind（提醒即将到期与已超期的问题；shequ periodic 每10分钟运行）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("remind", help="发送到期提醒")

    def handle(self, *args: Any, **options: Any) -> None:
        soon, overdue = send_due_reminders()
        self.stdout.write(f"即将到期提醒 {soon} 件，超期提醒 {overdue} 件")
