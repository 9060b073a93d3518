"""Make the points ledger append-only in the database itself (see shequ/points/triggers.py)."""

from django.db import migrations

from shequ.points import triggers


def forwards(apps, schema_editor):
    triggers.create(schema_editor.connection)


def backwards(apps, schema_editor):
    triggers.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("points", "0002_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
