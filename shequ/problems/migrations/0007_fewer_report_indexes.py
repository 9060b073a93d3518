"""Two indexes fewer for every report to write: nothing reads a timeline row by its actor,
and a follower row's problem is the first column of its unique (problem, user) index.
docs/decisions/0004-hot-create-path.md"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("problems", "0006_hotline_order_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Only the index is dropped: Django's AlterField would rebuild the table on SQLite.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="problemevent",
                    name="actor",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "problems_problemevent_actor_id_1b9b9ebc"',
                    reverse_sql='CREATE INDEX "problems_problemevent_actor_id_1b9b9ebc" '
                    'ON "problems_problemevent" ("actor_id")',
                ),
            ],
        ),
        # The followers table is Django's own (no model here to say db_index=False on), so
        # its index is dropped by name; the unique (problem_id, user_id) index serves every
        # lookup by problem.
        migrations.RunSQL(
            'DROP INDEX IF EXISTS "problems_problem_followers_problem_id_06e121cd"',
            reverse_sql='CREATE INDEX "problems_problem_followers_problem_id_06e121cd" '
            'ON "problems_problem_followers" ("problem_id")',
        ),
    ]
