"""Writes to accounts and role assignments."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone

from shequ.access import audit
from shequ.access.models import Open311Key, RoleAssignment, User
from shequ.access.roles import GRANTS, ROLE_AREA_KIND, Permission, Role
from shequ.access.scope import home_path
from shequ.access.tokens import _digest
from shequ.areas.models import Area, AreaKind
from shequ.core.errors import NotFound, ValidationFailed
from shequ.core.texts import one_line, too_long


def resolve_scope(role: str, code: str) -> tuple[Area, Any, str]:
    """The (area, household, path) a role assignment covers, from an area or household code."""
    from shequ.people.models import Household

    if role not in Role.values:
        raise ValidationFailed({"role": f"角色“{role}”不存在，可选：{'、'.join(Role.values)}"})
    if role == Role.RESIDENT:
        household = Household.objects.select_related("building").filter(code=code).first()
        if household is None:
            raise ValidationFailed({"area": f"居民角色需要户编号，户 {code[:30]} 不存在"})
        return household.building, household, household.area_path
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise ValidationFailed({"area": f"区域编码 {code[:30]} 不存在"})
    return area, None, area.path


# How deep each kind of place lies: a grid station and an estate sit between community
# and grid, side by side.
_LEVEL = {
    AreaKind.STREET: 0,
    AreaKind.COMMUNITY: 1,
    AreaKind.GRID_STATION: 2,
    AreaKind.ESTATE: 2,
    AreaKind.GRID: 3,
    AreaKind.BUILDING: 4,
}


def check_level(role: str, area: Area) -> None:
    """A role is held at its usual kind of place or below, never above: a grid worker
    granted with the community's code (the code people know; a grid's is made up) read
    the whole community and took every grid's dispatched problems."""
    usual = ROLE_AREA_KIND.get(role, "")
    if usual not in _LEVEL or _LEVEL[AreaKind(area.kind)] >= _LEVEL[AreaKind(usual)]:
        return
    labels = dict(AreaKind.choices)
    raise ValidationFailed(
        {
            "area": f"{Role(role).label}只能授予在{labels[usual]}或其下级区域，"
            f"{area.name}（{area.code}）是{labels[area.kind]}"
        }
    )


def assign_role(user: User, role: str, code: str, *, actor: Any = None) -> RoleAssignment:
    area, household, path = resolve_scope(role, code)
    check_level(role, area)
    # Nothing would come of these; saying 已授予 (and auditing a grant) misled.
    if not user.is_active:
        raise ValidationFailed({"username": f"用户 {user.username} 已停用，不能授予角色"})
    if RoleAssignment.objects.filter(user=user, role=role, path=path).exists():
        held = f"{Role(role).label}（{code[:30]}）"
        raise ValidationFailed({"role": f"用户 {user.username} 已有 {held}这一角色"})
    with transaction.atomic():
        assignment, _ = RoleAssignment.objects.get_or_create(
            user=user, role=role, path=path, defaults={"area": area, "household": household}
        )
        audit.record(actor, "access.assign", area_path=path, obj=user, detail={"role": role})
        # Who takes up a place hears of what already waits there (reports to triage,
        # problems to handle or check, proof to accept, lists to approve), as a successor
        # does when someone leaves: told of nothing, they saw it only by opening each list.
        _retell_waiting([(role, path)])
    return assignment


def revoke_role(user: User, role: str, code: str, *, actor: Any = None) -> None:
    """End one of a user's role assignments (a grid worker moved to another grid, a
    secretary's term over); the others stay."""
    _, _, path = resolve_scope(role, code)
    with transaction.atomic():
        deleted, _ = RoleAssignment.objects.filter(user=user, role=role, path=path).delete()
        if not deleted:
            held = f"{Role(role).label}（{code[:30]}）"
            raise ValidationFailed({"role": f"用户 {user.username} 没有 {held}这一角色"})
        released = _release_work(user, actor)
        detail: dict[str, Any] = {"role": role}
        if released:
            detail["problems_released"] = released
        _retell_waiting([(role, path)])
        audit.record(actor, "access.revoke", area_path=path, obj=user, detail=detail)


def _release_work(user: User, actor: Any) -> int:
    """Open problems the person may no longer handle go back to their place's handlers."""
    from shequ.problems.services import release_assignments

    return release_assignments(user, actor=actor)


def _retell_waiting(held: list[tuple[str, str]]) -> None:
    """What waited on the person where they held these (role, path) pairs — reports to
    triage, proof to accept, monthly lists to approve — is told to who takes it there now."""
    from shequ.problems.services import tell_waiting_in_hand, tell_waiting_triage
    from shequ.tasks.services import tell_waiting_under

    tell_waiting_triage([path for role, path in held if Permission.PROBLEM_TRIAGE in GRANTS.get(role, ())])
    tell_waiting_in_hand(
        [
            path
            for role, path in held
            if {Permission.PROBLEM_HANDLE, Permission.PROBLEM_VERIFY} & GRANTS.get(role, frozenset())
        ]
    )
    tell_waiting_under(
        [path for role, path in held if Permission.TASK_ACCEPT in GRANTS.get(role, ())],
        [path for role, path in held if Permission.TASK_APPROVE in GRANTS.get(role, ())],
    )


def _withdraw_claims(user: User, actor: Any) -> int:
    """A stopped account can never send the proof of what it claimed: those places go back."""
    from shequ.tasks.models import Claim
    from shequ.tasks.services import withdraw_unproved

    return withdraw_unproved(actor, Claim.objects.filter(user=user), "账号已停用，未提交凭证的接单自动撤回")


def deactivate_user(user: User, *, actor: Any = None) -> None:
    """Stop an account (someone who left): its sessions, API tokens and Open311 keys end
    at once (the keys revoked, so turning the account on again does not revive them), its
    role assignments and everything it recorded are kept for the record. What it can no
    longer do goes back: open problems in its hands, and task claims without proof sent."""
    from shequ.access.models import ApiToken

    # Stopping a stopped account said 已停用 again and filed a second 停用用户 row.
    if not User.objects.filter(pk=user.pk, is_active=True).exists():
        raise ValidationFailed({"username": f"用户 {user.username} 已经停用，无需再次停用"})
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=False)
        ApiToken.objects.filter(user=user).delete()
        keys = Open311Key.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
        released = _release_work(user, actor)
        detail: dict[str, Any] = {"username": user.username}
        if keys:
            detail["open311_keys_revoked"] = keys
        if released:
            detail["problems_released"] = released
        withdrawn = _withdraw_claims(user, actor)
        held = list(RoleAssignment.objects.filter(user=user).values_list("role", "path"))
        _retell_waiting(held)
        if withdrawn:
            detail["claims_withdrawn"] = withdrawn
        # Filed where the account works (its widest role), so that the auditor there sees
        # who stopped it; with no place no auditor ever did.
        where = min((path for _, path in held), key=len, default="")
        audit.record(actor, "access.deactivate", area_path=where, obj=user, detail=detail)
    user.is_active = False


def add_user(
    username: str,
    password: str,
    *,
    role: str,
    area_code: str,
    display_name: str = "",
    resident: Any = None,
    actor: Any = None,
    check_password: bool = True,
    password_hash: str = "",
) -> User:
    """A login holding ``role`` over ``area_code``. ``password_hash``, when given, is
    ``password`` already hashed by ``make_password``: the demo and the test personas give
    many logins one published password, and an Argon2 hash costs 0.2–0.5 s on two cores."""
    from shequ.people.services import normal_name

    username = (username or "").strip()
    # As a resident's name is kept: `--name "王 芳"` (or "王　芳", padded as registers pad
    # two-character names) is 王芳, the name the registry and the searches know.
    display_name = normal_name(one_line(display_name))
    errors: dict[str, str] = {}
    # The column limits and Django's username rule, checked here: SQLite kept whatever was
    # typed, PostgreSQL crashed on a long one, and the admin refused to save a spaced one.
    too_long(errors, [("username", "用户名", username, 150), ("display_name", "姓名", display_name, 50)])
    if not username:
        errors["username"] = "用户名必填"
    elif "username" not in errors:
        try:
            UnicodeUsernameValidator()(username)
        except DjangoValidationError:
            errors["username"] = "用户名只能包含字母、数字和 @ . + - _，不能有空格"
        else:
            if User.objects.filter(username=username).exists():
                errors["username"] = f"用户名 {username} 已存在"
    if check_password:
        try:
            # Against the account being made too: a password like its username is refused.
            validate_password(password, User(username=username, display_name=display_name))
        except DjangoValidationError as exc:
            errors["password"] = "；".join(exc.messages)
    if errors:
        raise ValidationFailed(errors)
    # Role, area and its level are checked before anything is written.
    area, _, path = resolve_scope(role, area_code)
    check_level(role, area)
    with transaction.atomic():
        user = User(username=username, display_name=display_name, resident=resident)
        if password_hash:
            user.password = password_hash
        else:
            user.set_password(password)
        user.save()
        # Filed at the place of its role, as the grant is: the auditor there sees it.
        audit.record(actor, "access.user_add", area_path=path, obj=user, detail={"username": username})
        assign_role(user, role, area_code, actor=actor)
    return user


def change_password(user: User, old: str, new: str, again: str, *, request: Any = None) -> None:
    """The account holder sets their own password (the operator's first one, the demo's
    published one): the old one is checked, the new one twice and by the same rules as
    at creation. Its API tokens end (``User.save``); the audit row names no password.
    With ``request`` the old password is checked as a login is (``authenticate``), so that
    guesses count towards the lockout (a session left open could otherwise try old
    passwords without end); once locked, the lockout answers (429)."""
    errors: dict[str, str] = {}
    if request is not None:
        from django.contrib.auth import authenticate

        right = authenticate(request, username=user.get_username(), password=old or "") is not None
    else:
        right = user.check_password(old or "")
    if not right:
        errors["old_password"] = "原密码不正确"
    if not new:
        errors["new_password1"] = "请填写新密码"
    elif new != again:
        errors["new_password2"] = "两次输入的新密码不一致"
    elif new == old:
        errors["new_password1"] = "新密码不能与原密码相同"
    else:
        try:
            validate_password(new, user)
        except DjangoValidationError as exc:
            errors["new_password1"] = "新密码：" + "；".join(exc.messages)
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        user.set_password(new)
        user.save()
        ip = audit.client_ip(request)
        audit.record(user, "access.password", area_path=home_path(user), obj=user, ip=ip)


def reset_password(user: User, password: str, *, actor: Any = None) -> None:
    """An administrator sets an account's password (`shequ user password`): one forgotten,
    or a login made without one (the demo's `demo-…` accounts, a resident's login made for
    their points). By the rules of ``add_user``; the account's sessions and API tokens end
    (``User.save``), a lockout of its name is lifted, and the audit row names no password."""
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed({"password": "；".join(exc.messages)}) from exc
    with transaction.atomic():
        user.set_password(password)
        user.save()
        audit.record(actor, "access.password_reset", area_path=home_path(user), obj=user)
    from axes.utils import reset

    reset(username=user.username)  # its failed logins (5 of them lock it for 30 minutes)


def bulk_add_role_holders(
    rows: list[tuple[str, str, Any, Area]], role: str, *, actor: Any = None
) -> list[User]:
    """Create many users holding ``role`` over an area each: (username, display name,
    resident or None, area). They get no usable password until an administrator sets one.
    One audit row for the batch."""
    if role not in Role.values:
        raise ValidationFailed({"role": f"角色“{role}”不存在"})
    taken = set(User.objects.filter(username__in=[r[0] for r in rows]).values_list("username", flat=True))
    if taken:
        raise ValidationFailed({"username": f"用户名已存在：{'、'.join(sorted(taken))}"})
    users = []
    for username, display_name, resident, _area in rows:
        user = User(username=username, display_name=display_name, resident=resident)
        user.set_unusable_password()
        users.append(user)
    with transaction.atomic():
        User.objects.bulk_create(users)
        RoleAssignment.objects.bulk_create(
            RoleAssignment(user=u, role=role, area=row[3], path=row[3].path)
            for u, row in zip(users, rows, strict=True)
        )
        if rows:
            top = min((row[3].path for row in rows), key=len)
            audit.record(
                actor,
                "access.bulk_assign",
                area_path=top.rsplit("/", 2)[0] + "/",
                detail={"role": role, "count": len(rows)},
            )
    return users


def login_for_resident(resident: Any, *, actor: Any = None) -> User:
    """The resident's account, made when a record needs one and they have none (a retired
    party member's service points, recorded by staff): linked to the registry record,
    holding the resident role on their household, with no usable password until an
    administrator sets one. Their points are then theirs when they first sign in."""
    from shequ.people.models import Resident

    with transaction.atomic():
        # Two staff recording for the same person at once: the second waits here for the
        # first's commit (PostgreSQL's row lock; SQLite's write transaction is already
        # exclusive) and then finds the login it made.
        Resident.objects.select_for_update().filter(pk=resident.pk).values_list("pk").first()
        found = User.objects.filter(resident_id=resident.pk).first()
        if found is not None:
            return found
        return _new_login(resident, actor)


def _new_login(resident: Any, actor: Any) -> User:
    base = f"r{resident.pk}"
    username = base
    n = 1
    while User.objects.filter(username=username).exists():
        n += 1
        username = f"{base}-{n}"
    household = resident.household
    with transaction.atomic():
        user = User(username=username, display_name=resident.name, resident=resident)
        user.set_unusable_password()
        user.save()
        audit.record(
            actor,
            "access.user_add",
            area_path=household.area_path,
            obj=user,
            detail={"username": username, "for": "resident", "password": "none"},
        )
        assign_role(user, Role.RESIDENT, household.code, actor=actor)
    return user


def add_open311_key(user: User, label: str, *, actor: Any = None) -> tuple[Open311Key, str]:
    """A static ``api_key`` for one Open311 client acting as ``user``. The key is returned
    here once; only its digest is kept, so a lost key is revoked and a new one issued."""
    label = (label or "").strip()
    errors: dict[str, str] = {}
    if not label:
        errors["label"] = "用途必填（如“区12345平台对接”），撤销时凭它找到密钥"
    elif not label.isprintable():  # a tab or a line break would break `list`'s rows
        errors["label"] = "用途不能含换行、制表符等控制字符"
    elif len(label) > 100:  # the column's max_length
        errors["label"] = f"用途最多 100 个字（现 {len(label)} 个字）"
    if not user.is_active:
        errors["username"] = f"用户 {user.username} 已停用，不能发放密钥"
    if errors:
        raise ValidationFailed(errors)
    key = secrets.token_urlsafe(32)
    by = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        row = Open311Key.objects.create(user=user, digest=_digest(key), label=label, created_by=by)
        audit.record(
            actor,
            "access.open311_key_add",
            area_path=home_path(user),
            obj=row,
            detail={"username": user.username, "label": label},
        )
    return row, key


def revoke_open311_key(key_id: int, *, actor: Any = None) -> Open311Key:
    """End one Open311 key at once (its client retired, or the key seen where it should
    not be); the row stays, for the list and the record."""
    with transaction.atomic():
        row = Open311Key.objects.select_for_update().select_related("user").filter(pk=key_id).first()
        if row is None:
            raise NotFound(f"Open311 密钥 {key_id} ")
        if row.revoked_at is not None:
            when = timezone.localtime(row.revoked_at)
            raise ValidationFailed({"id": f"Open311 密钥 {key_id} 已于 {when:%Y-%m-%d %H:%M} 撤销"})
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at"])
        audit.record(
            actor,
            "access.open311_key_revoke",
            area_path=home_path(row.user),
            obj=row,
            detail={"username": row.user.username, "label": row.label},
        )
    return row
