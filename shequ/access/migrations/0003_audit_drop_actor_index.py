"""Drop the index on actor_id alone: (actor_id, event, at) starts with it."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0002_audit_append_only"),
    ]

    operations = [
        # Only the indexes are dropped: Django's AlterField would rebuild the table on
        # SQLite (losing its triggers) and re-check every foreign key on PostgreSQL.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="actor_id",
                    field=models.BigIntegerField(blank=True, null=True),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "access_auditevent_actor_id_6b860062"',
                    reverse_sql='CREATE INDEX "access_auditevent_actor_id_6b860062" ON "access_auditevent" ("actor_id")',
                ),
            ],
        ),
    ]
