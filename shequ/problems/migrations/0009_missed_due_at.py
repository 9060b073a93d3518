"""A 办理时限 that had passed when a problem was escalated is kept for 应结案 (see
shequ/problems/kpi.py), with a partial index for the monthly measures' OR."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("problems", "0008_report_progressed_at")]

    operations = [
        migrations.AddField(
            model_name="problem",
            name="missed_due_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="problem",
            index=models.Index(
                condition=models.Q(missed_due_at__isnull=False),
                fields=["missed_due_at"],
                name="problem_missed_due_idx",
            ),
        ),
    ]
