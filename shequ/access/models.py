from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.access.roles import Role
from shequ.core.fields import ByteOrderCharField


class User(AbstractUser):
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    # The registry entry of a user who is also a resident (their own data).
    resident = models.OneToOneField(
        "people.Resident", on_delete=models.SET_NULL, null=True, blank=True, related_name="user"
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username


class RoleAssignment(models.Model):
    """A user holds ``role`` over everything at or below ``path``.

    ``path`` is the area's path, or for a resident their household's path, so that one
    prefix rule covers every role.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        "people.Household", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    path = ByteOrderCharField(max_length=400)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "path"], name="assignment_unique"),
        ]
        indexes = [models.Index(fields=["role", "path"])]
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.path}"


class ApiToken(models.Model):
    """A bearer token; only its SHA-256 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"


EVENT_LABELS = {
    "auth.login": "登录",
    "auth.token": "获取访问令牌",
    "resident.unmask": "查看完整信息",
    "resident.create": "登记居民",
    "resident.bulk_create": "批量登记居民",
    "household.create": "登记户",
    "household.bulk_create": "批量登记户",
    "area.create": "新建区域",
    "area.geometry": "修改区域范围",
    "area.import": "导入区划",
    "access.user_add": "新增用户",
    "access.assign": "授予角色",
    "access.bulk_assign": "批量授予角色",
    "demo.load": "加载演示数据",
}


class AuditEvent(models.Model):
    """One row of the append-only, hash-chained audit log.

    ``hash`` = SHA-256 over the previous row's hash and this row's content, so a changed,
    removed or inserted row breaks the chain from that point on. Database triggers refuse
    UPDATE and DELETE on this table.
    """

    at = models.DateTimeField(db_index=True)
    # Indexed by (actor_id, event, at) below.
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=150, blank=True)
    event = models.CharField(max_length=50, db_index=True)
    area_path = ByteOrderCharField(max_length=400, blank=True, db_index=True)
    object_type = models.CharField(max_length=50, blank=True)
    object_id = models.CharField(max_length=50, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    ip = models.CharField(max_length=45, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["actor_id", "event", "at"])]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")

    def __str__(self) -> str:
        return f"#{self.pk} {self.event} {self.actor_name}"

    @property
    def event_label(self) -> str:
        return EVENT_LABELS.get(self.event, self.event)
