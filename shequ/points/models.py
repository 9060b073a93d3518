"""The points ledger (积分台账), the redemption store (积分兑换) and its orders.

The ledger is double-entry and append-only: a ``Transaction`` holds two or more
``Entry`` rows whose amounts sum to zero; database triggers refuse UPDATE and DELETE on
both tables (see ``triggers.py``). ``Account.balance`` is a cache of the sum of an
account's entries, moved only by conditional UPDATEs and reconciled by a job."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.access.querysets import ScopedQuerySet
from shequ.core.fields import ByteOrderCharField


class AccountKind(models.TextChoices):
    ISSUER = "issuer", _("社区发放账户")
    RESIDENT = "resident", _("居民")
    PARTY_MEMBER = "party_member", _("党员")
    UNIT = "unit", _("共建单位")


class AccountQuerySet(ScopedQuerySet):
    view_permission = "points.view"


class Account(models.Model):
    kind = models.CharField(max_length=20, choices=AccountKind.choices)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="points_account",
    )
    unit = models.OneToOneField(
        "tasks.PartnerUnit", on_delete=models.PROTECT, null=True, blank=True, related_name="points_account"
    )
    # The community the account belongs to (its issuer, its rankings).
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    area_path = ByteOrderCharField(max_length=400, db_index=True)
    name = models.CharField(max_length=100)
    balance = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AccountQuerySet.as_manager()

    class Meta:
        constraints = [
            # Only the community's issuing account may go below zero.
            models.CheckConstraint(
                condition=models.Q(kind="issuer") | models.Q(balance__gte=0),
                name="account_balance_not_negative",
            ),
            models.UniqueConstraint(
                fields=["area"], condition=models.Q(kind="issuer"), name="account_one_issuer_per_community"
            ),
            models.CheckConstraint(
                condition=(models.Q(kind="issuer", user__isnull=True, unit__isnull=True))
                | (models.Q(kind="unit", user__isnull=True, unit__isnull=False))
                | (models.Q(kind__in=["resident", "party_member"], user__isnull=False, unit__isnull=True)),
                name="account_owner_matches_kind",
            ),
        ]
        verbose_name = _("积分账户")
        verbose_name_plural = _("积分账户")

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"


class TxnKind(models.TextChoices):
    AWARD = "award", _("任务积分")
    SERVICE = "service", _("党员服务积分")
    OPENING = "opening", _("期初积分导入")
    REDEEM = "redeem", _("积分兑换")
    REFUND = "refund", _("取消兑换退回")
    REVERSAL = "reversal", _("冲正")


# Entries of these kinds (and their reversals) count as points *earned*: the rankings.
EARNING_KINDS = (TxnKind.AWARD, TxnKind.SERVICE)


class Transaction(models.Model):
    kind = models.CharField(max_length=10, choices=TxnKind.choices)
    memo = models.CharField(max_length=200)
    community = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    area_path = ByteOrderCharField(max_length=400)
    # Not indexed alone (migration 0005): only a form's key is looked up by its writer,
    # through the unique (created_by, idempotency_key) index where a key is given.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField()
    # What the transaction is for: exactly the link its kind needs. The optional links
    # are indexed only where set (Meta.indexes).
    task = models.ForeignKey(
        "tasks.Task", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    order = models.ForeignKey(
        "Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transactions",
        db_index=False,
    )
    service_record = models.OneToOneField(
        "ServiceRecord", on_delete=models.PROTECT, null=True, blank=True, related_name="transaction"
    )
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    # The key of the form or API request that wrote it (service points, 期初积分), so a
    # double click or a resent request writes it once. The redemption's hand-written
    # INSERT leaves it to the database's default.
    idempotency_key = models.CharField(max_length=80, blank=True, default="", db_default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["task"], condition=models.Q(task__isnull=False), name="txn_task_idx"),
            models.Index(fields=["order"], condition=models.Q(order__isnull=False), name="txn_order_idx"),
            # The 冲正 page walks this newest first and stops after a page (selectors.reversible).
            # Partial on the order so a redemption or refund, which always has one, writes
            # no entry in it (decision 0007); on the order, not the kind, because SQLite
            # matches a partial index's IS NULL but not a bound IN list.
            models.Index(
                fields=["created_at", "id"], condition=models.Q(order__isnull=True), name="txn_reversible_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="award", task__isnull=False))
                | (models.Q(kind="service", service_record__isnull=False))
                | (models.Q(kind__in=["redeem", "refund"], order__isnull=False))
                | (models.Q(kind="reversal", reverses__isnull=False))
                | models.Q(kind="opening"),
                name="txn_links_its_source",
            ),
            # One refund per order: a cancelled order is refunded once.
            models.UniqueConstraint(
                fields=["order"], condition=models.Q(kind="refund"), name="txn_one_refund"
            ),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="txn_idempotency_unique",
            ),
        ]
        verbose_name = _("积分交易")
        verbose_name_plural = _("积分交易")

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} {self.memo}"

    @property
    def memo_shown(self) -> str:
        """The memo with typed numbers masked: memos are written masked, and this covers
        those written before (the ledger is append-only, so they cannot be rewritten)."""
        from shequ.access.masking import mask_free_text

        return mask_free_text(self.memo)


class Entry(models.Model):
    """One line of a transaction: ``amount`` points into (positive) or out of an account."""

    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="entries")
    # Indexed by entry_account_idx, whose first column it is.
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries", db_index=False)
    amount = models.BigIntegerField()
    kind = models.CharField(max_length=10, choices=TxnKind.choices)
    # Counts towards rankings: an award or service entry, or the reversal of one.
    earning = models.BooleanField(default=False)
    # The account's community and kind, copied so rankings read this table alone.
    area_path = ByteOrderCharField(max_length=400)
    account_kind = models.CharField(max_length=20, choices=AccountKind.choices)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["account", "at"], name="entry_account_idx"),
            # Quarterly rankings: one community, earning entries, a date range.
            models.Index(
                fields=["area_path", "account_kind", "at", "account", "amount"],
                condition=models.Q(earning=True),
                name="entry_ranking_idx",
            ),
        ]
        constraints = [models.CheckConstraint(condition=~models.Q(amount=0), name="entry_amount_not_zero")]
        verbose_name = _("积分分录")
        verbose_name_plural = _("积分分录")

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount:+d}"


class EarningTotal(models.Model):
    """Points an account earned in one period (``2026Q4`` or ``2026``): the rankings and
    star levels read these rows instead of summing entries. A cache of the entries like
    ``Account.balance``, raised in the same transaction as the entries it sums
    (``services.post``) and rebuilt from them by ``services.reconcile``."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="earning_totals")
    period = models.CharField(max_length=6)
    area_path = ByteOrderCharField(max_length=400)
    account_kind = models.CharField(max_length=20, choices=AccountKind.choices)
    earned = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "period"], name="earning_total_unique")]
        indexes = [
            models.Index(fields=["area_path", "period", "account_kind", "-earned"], name="earning_rank_idx")
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.period} {self.earned}"


class ServiceKind(models.TextChoices):
    ERRAND = "errand", _("代办服务")
    OPINION = "opinion", _("收集社情民意")
    MEDIATION = "mediation", _("调解邻里纠纷")
    CARE = "care", _("关爱“三特三留”人员")


class ServiceRecordQuerySet(ScopedQuerySet):
    view_permission = "points.view"


class ServiceRecord(models.Model):
    """A party member's service (无职党员服务积分制), recorded by staff."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="service_records"
    )
    kind = models.CharField(_("服务类型"), max_length=10, choices=ServiceKind.choices)
    note = models.CharField(_("服务内容"), max_length=200)
    points = models.PositiveIntegerField(_("积分"))
    served_on = models.DateField(_("服务日期"))
    area_path = ByteOrderCharField(max_length=400)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    objects = ServiceRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-served_on", "-id"]
        verbose_name = _("党员服务记录")
        verbose_name_plural = _("党员服务记录")

    def __str__(self) -> str:
        return f"{self.member_id} {self.kind}"


class StoreItemQuerySet(ScopedQuerySet):
    view_permission = "store.manage"


class StoreItem(models.Model):
    """One article of a street's or community's catalogue (油、米、锅、纸…)."""

    name = models.CharField(_("名称"), max_length=50)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    price = models.PositiveIntegerField(_("所需积分"))
    stock = models.IntegerField(_("库存"))
    per_person_limit = models.PositiveIntegerField(_("每人每期限兑"), default=1)
    active = models.BooleanField(_("上架"), default=True)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    area_path = ByteOrderCharField(max_length=400, db_index=True)

    objects = StoreItemQuerySet.as_manager()
    # Not stored: set by points.selectors.with_windows for the store page and the API.
    open_period: Any
    coming_window: Any

    class Meta:
        ordering = ["area_path", "price", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(stock__gte=0), name="store_item_stock_not_negative"),
            models.CheckConstraint(condition=models.Q(price__gte=1), name="store_item_price_positive"),
            # One item of a name on a store's shelf: a double click on 上架 lists it once
            # (one taken off the shelf may be listed again under its name).
            models.UniqueConstraint(
                fields=["area", "name"], condition=models.Q(active=True), name="store_item_one_on_shelf"
            ),
        ]
        verbose_name = _("兑换物品")
        verbose_name_plural = _("兑换物品")

    def __str__(self) -> str:
        return self.name


class RedemptionWindow(models.Model):
    """Dates when a street's or community's store is open. Without any, the store is open
    the whole quarter and the per-person limit counts per quarter."""

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    area_path = ByteOrderCharField(max_length=400, db_index=True)
    name = models.CharField(_("名称"), max_length=50)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="window_dates_order"
            )
        ]
        verbose_name = _("兑换期")
        verbose_name_plural = _("兑换期")

    def __str__(self) -> str:
        return self.name


class OrderStatus(models.TextChoices):
    PLACED = "placed", _("已下单")
    PACKED = "packed", _("已备货")
    SHIPPED = "shipped", _("已发货")
    DELIVERED = "delivered", _("已送达")
    CANCELLED = "cancelled", _("已取消")


class OrderQuerySet(ScopedQuerySet):
    view_permission = "store.manage"


class Order(models.Model):
    # Lookups by user read order_limit_period_idx, which starts with it: no index of its own.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="store_orders", db_index=False
    )
    # Not indexed: orders are read by buyer (user), item and place, not by account.
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="orders", db_index=False)
    item = models.ForeignKey(StoreItem, on_delete=models.PROTECT, related_name="orders")
    quantity = models.PositiveIntegerField()
    points = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=OrderStatus.choices, default=OrderStatus.PLACED)
    window = models.CharField(max_length=20, help_text="the redemption period the limit counts in")
    courier = models.CharField(_("快递公司"), max_length=30, blank=True)
    tracking_no = models.CharField(_("快递单号"), max_length=40, blank=True)
    # The buyer's community: who fulfils and who may see the order.
    area_path = ByteOrderCharField(max_length=400)
    idempotency_key = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The per-person limit counts the buyer's orders of the item placed within the
            # period's dates (services._TAKEN): the range is read from this index alone,
            # however long the buyer's history of the item.
            models.Index(fields=["user", "item", "created_at"], name="order_limit_period_idx"),
            # The fulfilment tabs (selectors.orders_to_fulfil): one status walked newest
            # first, the scope tested on the path in the index, so a street's history stops
            # after a page and its count reads no rows. Changed, not added: a redemption
            # writes every index of its order (decision 0007).
            models.Index(fields=["status", "created_at", "id", "area_path"], name="order_fulfil_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="order_idempotency_unique",
            ),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="order_quantity_positive"),
        ]
        verbose_name = _("兑换订单")
        verbose_name_plural = _("兑换订单")

    def __str__(self) -> str:
        return f"#{self.pk} {self.item_id}×{self.quantity}"


class OrderEvent(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    # Not indexed: an order's timeline is read by order, never by who acted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    note = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.action}"

    @property
    def label(self) -> str:
        from shequ.points.lifecycle import TRANSITIONS

        if self.action in TRANSITIONS:
            return TRANSITIONS[self.action].label
        return {"place": "下单"}.get(self.action, self.action)
