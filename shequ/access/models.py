from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
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

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A new password ends the API tokens issued under the old one (a leaked phone's
        # token kept working for hours after the reset), as it ends the web sessions.
        changed = self.pk is not None and getattr(self, "_password", None) is not None
        super().save(*args, **kwargs)
        if changed:
            ApiToken.objects.filter(user_id=self.pk).delete()


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


class Open311Key(models.Model):
    """A static ``api_key`` for one Open311 client, acting as ``user``; only its SHA-256
    digest is stored. Unlike an ApiToken it does not expire: a 311 client is configured
    once. It ends when revoked, and stops while its user is disabled."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="open311_keys")
    digest = models.CharField(max_length=64, unique=True)
    label = models.CharField(_("用途"), max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 密钥")
        verbose_name_plural = _("Open311 密钥")

    def __str__(self) -> str:
        return f"{self.user} · {self.label}"


EVENT_LABELS = {
    "auth.login": "登录",
    "auth.token": "获取访问令牌",
    "access.open311_key_add": "发放 Open311 密钥",
    "access.open311_key_revoke": "撤销 Open311 密钥",
    "resident.unmask": "查看完整信息",
    "resource.unit_unmask": "查看共建单位完整电话",
    "resident.create": "登记居民",
    "resident.bulk_create": "批量登记居民",
    "resident.bulk_update": "批量更新居民",
    "resident.rename": "更正居民姓名",
    "resident.party": "更改党员信息",
    "resident.id_number_fix": "更正居民身份证号",
    "resident.export": "导出居民名单",
    "resident.number_search": "按完整证件号或电话查找",
    "household.create": "登记户",
    "household.bulk_create": "批量登记户",
    "area.create": "新建区域",
    "area.geometry": "修改区域范围",
    "area.rename": "区域改名",
    "area.delete": "删除区域",
    "area.import": "导入区划",
    "access.user_add": "新增用户",
    "access.assign": "授予角色",
    "access.revoke": "撤销角色",
    "access.deactivate": "停用用户",
    "access.password": "修改密码",
    "access.password_reset": "重设密码",
    "access.bulk_assign": "批量授予角色",
    "demo.start": "开始加载演示数据",
    "demo.load": "加载演示数据",
    "registry.upload": "上传居民名册",
    "registry.mapping": "设置名册列对应",
    "registry.check": "检查居民名册（核对身份证号）",
    "registry.confirm": "确认导入名册",
    "registry.import": "导入居民名册",
    "floating.update": "更新流动人口信息",
    "floating.export": "导出流动人口名单",
    "care.create": "记录关爱服务",
    "care.export": "导出关爱名单",
    "visit.export": "导出走访记录",
    "visit.unvisited_export": "导出久未走访名单",
    "floating.landlords_export": "导出房东名册",
    "visit.plan": "安排走访",
    "visit.create": "记录走访",
    "visit.need_to_problem": "走访诉求转入问题清单",
    "party.org_create": "新建党组织",
    "party.dual_register": "登记双报到",
    "party.dual_end": "撤销双报到",
    # 问题清单
    "problem.report": "上报问题",
    "problem.follow": "关注问题",
    "problem.accept": "立案",
    "problem.reject": "不予立案",
    "problem.merge": "合并重复问题",
    "problem.dispatch": "派遣",
    "problem.start": "开始处置",
    "problem.report_back": "反馈处置结果",
    "problem.verify_pass": "核查通过并结案",
    "problem.verify_fail": "核查不通过（返工）",
    "problem.evaluate": "回访评价",
    "problem.reopen": "重新打开",
    "problem.escalate": "上报上一级",
    "problem.urge": "督办",
    "problem.agenda_discussed": "联席会议议题已讨论",
    "problem.category_add": "新增问题类别",
    "problem.category_edit": "修改问题类别",
    "problem.import_history": "导入历史问题",
    "problem.ledger_export": "导出台账",
    "problem.monthly_report": "生成月报",
    "problem.monthly_report_submit": "月报报送街道",
    "problem.report_download": "下载月报",
    # 任务清单、资源清单
    "task.create": "新建任务",
    "task.update": "修改任务",
    "task.attach": "添加任务附件",
    "task.publish": "发布任务",
    "task.close": "结束任务",
    "task.cancel": "取消任务",
    "task.claim": "接单",
    "task.claim_submit": "提交完成凭证",
    "task.claim_accept": "验收通过",
    "task.claim_return": "退回凭证",
    "task.claim_withdraw": "撤回接单",
    "task.claim_release": "释放名额",
    "task.list_create": "新建月度任务清单",
    "task.list_submit": "月度清单报街道审批",
    "task.list_approve": "审批通过月度清单",
    "task.list_return": "退回月度清单",
    "task.list_publish": "发布月度清单",
    "resource.unit_add": "登记共建单位",
    "resource.unit_member": "共建单位添加成员",
    "resource.unit_member_remove": "共建单位移除成员",
    "resource.team_add": "登记服务队",
    "resource.team_member": "服务队添加队员",
    "resource.team_member_remove": "服务队移除队员",
    "resource.talent_add": "登记能人才人艺人",
    "resource.venue_add": "登记场地设备",
    "points.account_open": "开立积分账户",
    "resource.unit_edit": "修改共建单位",
    "resource.unit_offer": "共建单位更新可提供的服务",
    "resource.team_edit": "修改服务队",
    "resource.venue_edit": "修改场地设备",
    "resource.talent_remove": "删除能人才人艺人登记",
    # 积分与兑换
    "points.service": "记录服务积分",
    "points.opening": "录入期初积分",
    "points.reverse": "冲正",
    "points.reconcile": "核对修正账户余额",
    "points.unbalanced": "发现不平衡的积分交易",
    "points.account_kind": "更正账户类型",
    "store.item_create": "上架兑换物品",
    "store.item_terms": "修改兑换物品",
    "store.item_active": "上架或下架物品",
    "store.restock": "入库或出库",
    "store.window": "设置兑换期",
    "store.window_dates": "修改兑换期日期",
    "store.window_remove": "删除兑换期",
    "task.list_publish_on": "修改月度清单发布日期",
    "store.redeem": "积分兑换下单",
    "store.pack": "订单备货",
    "store.ship": "订单发货",
    "store.deliver": "订单送达",
    "store.cancel": "取消订单",
    "store.correct_shipping": "更正快递单号",
}

# What an audit row is about (the model's name), as the log shows it.
OBJECT_LABELS = {
    "user": "用户",
    "area": "区域",
    "resident": "居民",
    "household": "户",
    "problem": "问题",
    "problemcategory": "问题类别",
    "reportrun": "月报",
    "agendaitem": "联席会议议题",
    "task": "任务",
    "claim": "接单",
    "award": "任务积分奖励",
    "account": "积分账户",
    "monthlylist": "月度任务清单",
    "partnerunit": "共建单位",
    "serviceteam": "服务队",
    "talent": "能人才人艺人",
    "venue": "场地设备",
    "transaction": "积分交易",
    "servicerecord": "服务积分记录",
    "storeitem": "兑换物品",
    "redemptionwindow": "兑换期",
    "order": "兑换订单",
    "visit": "走访",
    "visitplan": "走访计划",
    "visitneed": "走访诉求",
    "carerecord": "关爱记录",
    "floatingprofile": "流动人口信息",
    "partyorg": "党组织",
    "dualregistration": "双报到登记",
    "importrun": "名册导入",
    "open311key": "Open311 密钥",
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
        indexes = [
            models.Index(fields=["actor_id", "event", "at"]),
            # A monthly task list's page reads its history here; partial, so the rows the
            # hot paths append (reports, orders) write no entry in it.
            models.Index(
                fields=["object_id"], condition=Q(object_type="monthlylist"), name="audit_monthly_list_idx"
            ),
        ]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")

    def __str__(self) -> str:
        return f"#{self.pk} {self.event} {self.actor_name}"

    @property
    def event_label(self) -> str:
        return EVENT_LABELS.get(self.event, self.event)

    @property
    def object_label(self) -> str:
        return OBJECT_LABELS.get(self.object_type, self.object_type)

    @property
    def detail_shown(self) -> list[tuple[str, str]]:
        """The row's details as the log page shows them: each key by its Chinese name,
        ``[before, after]`` as "before → after", and ID or phone numbers typed into a
        note or reason masked as on every other page."""
        return [
            (
                DETAIL_LABELS.get(k, k),
                _choice_label(v) if k in _CHOICE_KEYS else _shown_value(v, k in _LIST_KEYS),
            )
            for k, v in (self.detail or {}).items()
        ]


# The keys the services write into an audit row's details, as the log page names them.
DETAIL_LABELS = {
    "fields": "修改的字段",
    "monthly_list": "月度清单（由→至）",
    "contact_name": "联系人",
    "contact_phone_enc": "联系电话",
    "contact_phone_masked": "联系电话",
    "services": "可提供的服务",
    "capacity": "容量/数量",
    "skill": "特长",
    "digest": "查找摘要",
    "note": "说明",
    "reason": "原因",
    "key": "防重复提交标识",
    "from": "原为",
    "to": "改为",
    "count": "数量",
    "rows": "行数",
    "month": "月份",
    "late": "逾期报送",
    "correction": "更正",
    "name": "名称",
    "label": "用途",
    "code": "编码",
    "area": "区域",
    "q": "检索词",
    "list": "名单",
    "group": "人群",
    "days": "天数",
    "role": "角色",
    "user": "用户编号",
    "username": "用户名",
    "resident": "居民编号",
    "field": "字段",
    "kind": "类型",
    "kind_label": "类型",
    "active": "启用",
    "add": "增加",
    "changed": "改动",
    "published": "同时发布",
    "by": "执行",
    "expired": "已过截止时间取消的任务",
    "claims_withdrawn": "撤回的接单",
    "open311_keys_revoked": "撤销的 Open311 密钥",
    "account": "账户编号",
    "transaction": "交易编号",
    "sum": "合计",
    "cached": "缓存余额",
    "true": "实际余额",
    "starts_on": "开始日期",
    "ends_on": "结束日期",
    "seed": "随机种子",
    "streets": "街道",
    "street": "街道",
    "created": "新建",
    "for": "用途",
    "password": "密码",
    "geometry": "边界",
    "parent": "上级区域",
    "price": "单价",
    "stock": "库存",
    "limit": "每人限兑",
    "description": "说明",
    "per_person_limit": "每人限兑",
    "level": "处置层级",
    "handling_level": "处置层级",
    "responsible_role": "责任方",
    "ledger_type": "台账类型",
    "deadline_class": "时限类别",
    "sort": "排序",
    "overdue": "仅超期",
    "total": "总行数",
    "refused": "有误行数",
    "new": "新增",
    "unchanged": "未变",
    "moved": "迁入",
    "new_households": "新建户",
    "registered_elsewhere": "已在本社区以外登记（行）",
    "number_searches": "按完整身份证号查找（行）",
    "problems_released": "交回所在地处置的在办问题（件）",
    "full_id_number": "完整身份证号（行）",
    "full_phone": "完整电话（行）",
}
# Detail keys whose values are codes of a choice list, shown by the list's label.
_CHOICE_KEYS = {"role", "level", "handling_level", "responsible_role", "ledger_type", "deadline_class"}
_DETAIL_VALUES = {True: "是", False: "否", "job": "定时任务", "none": "未设置", "resident": "居民"}


def _choice_label(value: object) -> str:
    from shequ.problems.models import DeadlineClass, HandlingLevel, LedgerType, ResponsibleRole

    for choices in (Role, HandlingLevel, ResponsibleRole, LedgerType, DeadlineClass):
        if value in choices.values:
            return str(choices(value).label)
    if isinstance(value, list):
        return " → ".join(_choice_label(v) for v in value)
    return _shown_value(value)


# Keys whose value is a list of things (two tasks cancelled are not a change from one to
# the other); any other two-item list is [before, after].
_LIST_KEYS = {"expired", "streets", "fields", "titles"}


def _shown_value(value: object, items: bool = False) -> str:
    from shequ.access.masking import mask_free_text

    if isinstance(value, (bool, str)) and value in _DETAIL_VALUES:
        return _DETAIL_VALUES[value]
    if isinstance(value, list):
        if not items and len(value) == 2 and not any(isinstance(v, (list, dict)) for v in value):
            return f"{_shown_value(value[0])} → {_shown_value(value[1])}"
        return "、".join(_shown_value(v) for v in value)
    if isinstance(value, dict):
        return "；".join(
            f"{DETAIL_LABELS.get(k, k)}：{_choice_label(v) if k in _CHOICE_KEYS else _shown_value(v)}"
            for k, v in value.items()
        )
    if value is None or value == "":
        return "—"
    return mask_free_text(str(value))
