from django.db import migrations

from shequ.problems.catalogue import install


def forwards(apps, schema_editor):
    install(apps.get_model("problems", "ProblemCategory"))


class Migration(migrations.Migration):
    dependencies = [("problems", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
