"""Fewer indexes for every report to write: the reporter's and the category's are prefixes of
(reporter, reported_at) and (category, lat); the optional links are indexed where set.
docs/decisions/0004-hot-create-path.md"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0001_initial"),
        ("people", "0002_visits_floating_care"),
        ("problems", "0004_kpi_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Only the indexes are dropped: Django's AlterField would rebuild the table on
        # SQLite (losing its triggers) and re-check every foreign key on PostgreSQL.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="problem",
                    name="assignee",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="problem",
                    name="category",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="problems",
                        to="problems.problemcategory",
                    ),
                ),
                migrations.AlterField(
                    model_name="problem",
                    name="merged_into",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="problems.problem",
                    ),
                ),
                migrations.AlterField(
                    model_name="problem",
                    name="on_behalf_of",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="people.resident",
                    ),
                ),
                migrations.AlterField(
                    model_name="problem",
                    name="reporter",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reported_problems",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="problem",
                    name="responsible_area",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="areas.area",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "problems_problem_assignee_id_15daeb4c"',
                    reverse_sql='CREATE INDEX "problems_problem_assignee_id_15daeb4c" ON "problems_problem" ("assignee_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "problems_problem_category_id_2eedf206"',
                    reverse_sql='CREATE INDEX "problems_problem_category_id_2eedf206" ON "problems_problem" ("category_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "problems_problem_merged_into_id_f3db0855"',
                    reverse_sql='CREATE INDEX "problems_problem_merged_into_id_f3db0855" ON "problems_problem" ("merged_into_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "problems_problem_on_behalf_of_id_a89932c3"',
                    reverse_sql='CREATE INDEX "problems_problem_on_behalf_of_id_a89932c3" ON "problems_problem" ("on_behalf_of_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "problems_problem_reporter_id_f2b79f8c"',
                    reverse_sql='CREATE INDEX "problems_problem_reporter_id_f2b79f8c" ON "problems_problem" ("reporter_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "problems_problem_responsible_area_id_41cd53e0"',
                    reverse_sql='CREATE INDEX "problems_problem_responsible_area_id_41cd53e0" ON "problems_problem" ("responsible_area_id")',
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="problem",
            index=models.Index(
                condition=models.Q(("on_behalf_of__isnull", False)),
                fields=["on_behalf_of"],
                name="problem_on_behalf_of_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="problem",
            index=models.Index(
                condition=models.Q(("responsible_area__isnull", False)),
                fields=["responsible_area"],
                name="problem_responsible_area_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="problem",
            index=models.Index(
                condition=models.Q(("assignee__isnull", False)),
                fields=["assignee"],
                name="problem_assignee_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="problem",
            index=models.Index(
                condition=models.Q(("merged_into__isnull", False)),
                fields=["merged_into"],
                name="problem_merged_into_idx",
            ),
        ),
    ]
