"""When a monthly report's job last reported progress, so that a run whose worker stopped
is shown as interrupted instead of generating for ever."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("problems", "0007_fewer_report_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="reportrun",
            name="progressed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
