from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.points.services import reconcile, unbalanced_transactions
from shequ.tasks.services import publish_due_lists


class Command(BaseCommand):
    help = (
        "积分与任务清单：points reconcile（核对积分余额）、"
        "points publish（发布到期的月度任务清单；shequ periodic 每小时运行）"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("reconcile", help="用分录合计核对每个账户的余额，修正并记入审计日志")
        sub.add_parser("publish", help="发布已审批且到发布日的月度任务清单")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "reconcile":
            wrong = reconcile()
            for pk, cached, true in wrong:
                self.stdout.write(f"账户 {pk}：缓存余额 {cached}，分录合计 {true}，已修正")
            unbalanced = unbalanced_transactions()
            for txn, total in unbalanced:
                self.stdout.write(f"交易 #{txn}：分录合计 {total}，不平衡，请核查")
            self.stdout.write(f"核对完成，{len(wrong)} 个账户余额已修正，{len(unbalanced)} 笔交易分录不平衡")
            if unbalanced:
                # No repair here: a cron line or a monitor learns of it by the exit status.
                raise CommandError(f"{len(unbalanced)} 笔交易分录不平衡，需要人工核查（见上方所列交易）")
        else:
            self.stdout.write(f"已发布 {publish_due_lists()} 份月度任务清单")
