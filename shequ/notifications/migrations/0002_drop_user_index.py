"""Drop the index on user alone: (user, read_at) starts with it."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Only the indexes are dropped: Django's AlterField would rebuild the table on
        # SQLite (losing its triggers) and re-check every foreign key on PostgreSQL.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="notification",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notifications",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "notifications_notification_user_id_b5e8c0ff"',
                    reverse_sql='CREATE INDEX "notifications_notification_user_id_b5e8c0ff" ON "notifications_notification" ("user_id")',
                ),
            ],
        ),
    ]
