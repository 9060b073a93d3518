"""Fewer indexes for every redemption and award to write: the entry's account index is a
prefix of (account, at); nothing reads orders by account, or transactions and order
events by the user who made them; a transaction's task and order are indexed only where
set. docs/decisions/0007-redemption-in-one-batch.md"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _fk(to: str, related_name: str, *, null: bool = False) -> models.ForeignKey:
    return models.ForeignKey(
        blank=null,
        db_index=False,
        null=null,
        on_delete=django.db.models.deletion.PROTECT,
        related_name=related_name,
        to=to,
    )


# The foreign-key indexes Django made (the same names on SQLite and PostgreSQL).
_DROPPED = [
    ("points_entry_account_id_a1b6e3ff", "points_entry", "account_id"),
    ("points_order_account_id_f46e8994", "points_order", "account_id"),
    ("points_orderevent_actor_id_44aa17bc", "points_orderevent", "actor_id"),
    ("points_transaction_created_by_id_b8877fa1", "points_transaction", "created_by_id"),
    ("points_transaction_order_id_df96f631", "points_transaction", "order_id"),
    ("points_transaction_task_id_a5ba1bae", "points_transaction", "task_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0001_initial"),
        ("points", "0004_order_limit_by_date"),
        ("tasks", "0002_award_one_per_task_unit"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Only the indexes are dropped: Django's AlterField would rebuild the tables on
        # SQLite (losing the ledger's append-only triggers) and re-check every foreign key
        # on PostgreSQL.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="entry", name="account", field=_fk("points.account", "entries")
                ),
                migrations.AlterField(
                    model_name="order", name="account", field=_fk("points.account", "orders")
                ),
                migrations.AlterField(
                    model_name="orderevent", name="actor", field=_fk(settings.AUTH_USER_MODEL, "+")
                ),
                migrations.AlterField(
                    model_name="transaction", name="created_by", field=_fk(settings.AUTH_USER_MODEL, "+")
                ),
                migrations.AlterField(
                    model_name="transaction",
                    name="order",
                    field=_fk("points.order", "transactions", null=True),
                ),
                migrations.AlterField(
                    model_name="transaction", name="task", field=_fk("tasks.task", "+", null=True)
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{index}"',
                    reverse_sql=f'CREATE INDEX "{index}" ON "{table}" ("{column}")',
                )
                for index, table, column in _DROPPED
            ],
        ),
        migrations.AddIndex(
            model_name="transaction",
            index=models.Index(condition=models.Q(task__isnull=False), fields=["task"], name="txn_task_idx"),
        ),
        migrations.AddIndex(
            model_name="transaction",
            index=models.Index(
                condition=models.Q(order__isnull=False), fields=["order"], name="txn_order_idx"
            ),
        ),
    ]
