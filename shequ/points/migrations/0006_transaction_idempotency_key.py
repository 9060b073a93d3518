"""A resent service-points or 期初积分 form writes its transaction once: the form's key,
unique per writer where given. On SQLite adding the column rebuilds the table, which
drops its triggers, so the append-only triggers are put back after it."""

from django.conf import settings
from django.db import migrations, models

from shequ.points import triggers


def restore_triggers(apps, schema_editor):
    triggers.create(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0001_initial"),
        ("points", "0005_fewer_indexes"),
        ("tasks", "0002_award_one_per_task_unit"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="transaction",
            name="idempotency_key",
            field=models.CharField(blank=True, db_default="", default="", max_length=80),
        ),
        migrations.AddConstraint(
            model_name="transaction",
            constraint=models.UniqueConstraint(
                condition=~models.Q(idempotency_key=""),
                fields=("created_by", "idempotency_key"),
                name="txn_idempotency_unique",
            ),
        ),
        migrations.RunPython(restore_triggers, migrations.RunPython.noop),
    ]
