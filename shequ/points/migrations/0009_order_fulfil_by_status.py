"""The fulfilment index led by the status, so a tab walks a street's orders newest first
and stops after a page: changed in place, no index added to the redemption's order row
(docs/performance.md, 2026-11-24)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("points", "0008_txn_reversible_idx"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="order", name="order_fulfil_idx"),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["status", "created_at", "id", "area_path"], name="order_fulfil_idx"),
        ),
    ]
