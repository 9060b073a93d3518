"""The 冲正 page's newest-first walk over the transactions a redemption never writes
(those without an order): docs/performance.md, 2026-11-24."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("points", "0007_one_item_of_a_name_on_shelf"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="transaction",
            index=models.Index(
                condition=models.Q(("order__isnull", True)),
                fields=["created_at", "id"],
                name="txn_reversible_idx",
            ),
        ),
    ]
