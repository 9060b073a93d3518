from __future__ import annotations

import getpass
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.access.models import User
from shequ.access.roles import Role
from shequ.access.services import add_user, assign_role, deactivate_user, revoke_role
from shequ.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "管理用户：user add USERNAME --role ROLE --area CODE；user grant|revoke USERNAME --role ROLE "
        "--area CODE；user disable USERNAME；user list"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="新增用户（密码取自 SHEQU_PASSWORD 或交互输入）")
        add.add_argument("username")
        add.add_argument("--role", required=True, choices=Role.values)
        add.add_argument("--area", required=True, help="区域编码（居民角色为户编号）")
        add.add_argument("--name", default="", help="姓名")
        for name, text in (
            ("grant", "给已有用户增加一个角色"),
            ("revoke", "撤销用户的一个角色，其他角色保留"),
        ):
            one = sub.add_parser(name, help=text)
            one.add_argument("username")
            one.add_argument("--role", required=True, choices=Role.values)
            one.add_argument("--area", required=True, help="区域编码（居民角色为户编号）")
        sub.add_parser("disable", help="停用用户：登录和访问令牌立即失效，记录保留").add_argument("username")
        sub.add_parser("list", help="列出用户及其角色")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for user in User.objects.order_by("username").prefetch_related("assignments"):
                roles = ", ".join(
                    f"{a.get_role_display()}@{a.path.strip('/').split('/')[-1]}"
                    for a in user.assignments.all()
                )
                state = "" if user.is_active else "（已停用）"
                self.stdout.write(f"{user.username}\t{user.display_name}\t{roles}{state}")
            return
        if options["action"] in ("grant", "revoke", "disable"):
            found = User.objects.filter(username=options["username"]).first()
            if found is None:
                raise CommandError(f"用户 {options['username']} 不存在")
            user = found
            try:
                if options["action"] == "grant":
                    assign_role(user, options["role"], options["area"])
                    done = f"已授予 {user.username} {Role(options['role']).label}（{options['area']}）"
                elif options["action"] == "revoke":
                    revoke_role(user, options["role"], options["area"])
                    done = f"已撤销 {user.username} 的 {Role(options['role']).label}（{options['area']}）"
                else:
                    deactivate_user(user)
                    done = f"已停用 {user.username}"
            except DomainError as exc:
                raise CommandError("；".join(exc.fields.values()) or exc.message) from exc
            self.stdout.write(self.style.SUCCESS(done))
            return
        password = os.environ.get("SHEQU_PASSWORD")
        if not password:
            password = getpass.getpass("密码：")
            if password != getpass.getpass("再次输入密码："):
                raise CommandError("两次输入的密码不一致")
        try:
            user = add_user(
                options["username"],
                password,
                role=options["role"],
                area_code=options["area"],
                display_name=options["name"],
            )
        except DomainError as exc:
            raise CommandError("；".join(exc.fields.values()) or exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"已创建用户 {user.username}"))
