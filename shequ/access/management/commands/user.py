from __future__ import annotations

import getpass
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from shequ.access.masking import mask_id_number
from shequ.access.models import Open311Key, User
from shequ.access.roles import Role
from shequ.access.services import (
    add_open311_key,
    add_user,
    assign_role,
    deactivate_user,
    reset_password,
    revoke_open311_key,
    revoke_role,
)
from shequ.core import fieldcrypt
from shequ.core.errors import DomainError
from shequ.core.numbers import ID_MAX, whole
from shequ.people import idcard
from shequ.people.models import Resident


class Command(BaseCommand):
    help = (
        "管理用户：user add USERNAME --role ROLE --area CODE；user grant|revoke USERNAME --role ROLE "
        "--area CODE；user disable USERNAME；user password USERNAME；user list；"
        "user open311-key add USERNAME --label TEXT | list [USERNAME] | revoke ID"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="新增用户（密码取自 SHEQU_PASSWORD 或交互输入）")
        add.add_argument("username")
        add.add_argument("--role", required=True, choices=Role.values)
        add.add_argument("--area", required=True, help="区域编码（居民角色为户编号）")
        add.add_argument("--name", default="", help="姓名")
        add.add_argument(
            "--resident-id-number",
            default="",
            help="关联登记册中的居民（完整身份证号）：居民角色的住址、党员身份由此而来",
        )
        for name, text in (
            ("grant", "给已有用户增加一个角色"),
            ("revoke", "撤销用户的一个角色，其他角色保留"),
        ):
            one = sub.add_parser(name, help=text)
            one.add_argument("username")
            one.add_argument("--role", required=True, choices=Role.values)
            one.add_argument("--area", required=True, help="区域编码（居民角色为户编号）")
        sub.add_parser(
            "disable", help="停用用户：登录、访问令牌和 Open311 密钥立即失效，记录保留"
        ).add_argument("username")
        sub.add_parser(
            "password",
            help="重设密码（取自 SHEQU_PASSWORD 或交互输入）：其会话和访问令牌失效，登录锁定解除",
        ).add_argument("username")
        sub.add_parser("list", help="列出用户及其角色")
        keys = sub.add_parser(
            "open311-key", help="Open311 密钥（/open311/v2/ 的 api_key）：发放、列出、撤销"
        ).add_subparsers(dest="key_action", required=True)
        key_add = keys.add_parser("add", help="为用户发放一个密钥，密钥只显示这一次")
        key_add.add_argument("username")
        key_add.add_argument("--label", required=True, help="用途，如“区12345平台对接”")
        keys.add_parser("list", help="列出密钥（不显示密钥本身）").add_argument("username", nargs="?")
        keys.add_parser("revoke", help="撤销一个密钥，立即失效").add_argument("id", help="list 所列的编号")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "open311-key":
            self._open311_key(options)
            return
        if options["action"] == "list":
            for user in User.objects.order_by("username").prefetch_related("assignments"):
                roles = ", ".join(
                    f"{a.get_role_display()}@{a.path.strip('/').split('/')[-1]}"
                    for a in user.assignments.all()
                )
                state = "" if user.is_active else "（已停用）"
                self.stdout.write(f"{user.username}\t{user.display_name}\t{roles}{state}")
            return
        if options["action"] == "password":
            self._password(options["username"])
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
        resident = _registered(options["resident_id_number"], options["role"], options["area"])
        password = _new_password()
        try:
            user = add_user(
                options["username"],
                password,
                role=options["role"],
                area_code=options["area"],
                display_name=options["name"] or (resident.name if resident is not None else ""),
                resident=resident,
            )
        except DomainError as exc:
            raise CommandError("；".join(exc.fields.values()) or exc.message) from exc
        linked = (
            f"，已关联居民 {resident.name}（{resident.id_number_masked}）" if resident is not None else ""
        )
        self.stdout.write(self.style.SUCCESS(f"已创建用户 {user.username}{linked}"))

    def _password(self, username: str) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户 {username} 不存在")
        try:
            reset_password(user, _new_password())
        except DomainError as exc:
            raise CommandError("；".join(exc.fields.values()) or exc.message) from exc
        stopped = "；此账号已停用，仍不能登录" if not user.is_active else ""
        done = f"已重设 {user.username} 的密码，其登录会话和访问令牌已失效{stopped}"
        self.stdout.write(self.style.SUCCESS(done))

    def _open311_key(self, options: dict[str, Any]) -> None:
        action = options["key_action"]
        if action == "list":
            rows = Open311Key.objects.select_related("user").order_by("pk")
            if options["username"]:
                if not User.objects.filter(username=options["username"]).exists():
                    raise CommandError(f"用户 {options['username']} 不存在")
                rows = rows.filter(user__username=options["username"])
            for row in rows:  # never the key itself: only its digest is kept
                used = f"最近使用 {_when(row.last_used_at)}" if row.last_used_at else "从未使用"
                state = (
                    f"已撤销 {_when(row.revoked_at)}"
                    if row.revoked_at
                    else ("有效" if row.user.is_active else "账号已停用（密钥不可用）")
                )
                made = f"发放 {_when(row.created_at)}"
                self.stdout.write(f"{row.pk}\t{row.user.username}\t{row.label}\t{made}\t{used}\t{state}")
            return
        try:
            if action == "add":
                found = User.objects.filter(username=options["username"]).first()
                if found is None:
                    raise CommandError(f"用户 {options['username']} 不存在")
                row, key = add_open311_key(found, options["label"])
                self.stdout.write(
                    self.style.SUCCESS(f"已为 {found.username} 发放 Open311 密钥 {row.pk}（{row.label}）：")
                )
                self.stdout.write(key)
                self.stdout.write(
                    "此密钥只显示这一次，系统不保存密钥本身，请立即交给对接方；遗失请撤销后重新发放。"
                )
            else:
                number = whole(options["id"], low=1, high=ID_MAX)
                if number is None:
                    raise CommandError(f"ID：必须是 open311-key list 所列的编号（收到 {options['id'][:20]}）")
                row = revoke_open311_key(number)
                self.stdout.write(
                    self.style.SUCCESS(f"已撤销 Open311 密钥 {row.pk}（{row.user.username}，{row.label}）")
                )
        except DomainError as exc:
            raise CommandError("；".join(exc.fields.values()) or exc.message) from exc


def _new_password() -> str:
    password = os.environ.get("SHEQU_PASSWORD")
    if not password:
        password = getpass.getpass("密码：")
        if password != getpass.getpass("再次输入密码："):
            raise CommandError("两次输入的密码不一致")
    return password


def _when(value: Any) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


def _registered(raw: str, role: str, area_code: str) -> Resident | None:
    """The registry resident a new login is for, found by full ID number (its keyed
    hash). Without it a resident's login has no address and no party membership."""
    if not raw.strip():
        return None
    try:
        number = idcard.parse(raw).number
    except idcard.IdNumberError as exc:
        raise CommandError(f"--resident-id-number：{exc}") from exc
    resident = (
        Resident.objects.filter(id_number_hash=fieldcrypt.lookup_hash(number, "id_number"))
        .select_related("household")
        .first()
    )
    shown = mask_id_number(number)
    if resident is None:
        raise CommandError(
            f"--resident-id-number：身份证号 {shown} 不在登记册中，请先导入名册（shequ import residents）"
        )
    taken = User.objects.filter(resident=resident).values_list("username", flat=True).first()
    if taken is not None:
        raise CommandError(f"--resident-id-number：居民 {resident.name}（{shown}）已关联用户 {taken}")
    if role == Role.RESIDENT and resident.household.code != area_code:
        raise CommandError(
            f"--resident-id-number：居民 {resident.name} 登记在户 {resident.household.code}，"
            f"与 --area {area_code} 不符"
        )
    return resident
