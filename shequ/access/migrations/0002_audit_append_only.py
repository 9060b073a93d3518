"""Make the audit table append-only in the database itself (see shequ/access/triggers.py)."""

from django.db import migrations

from shequ.access import triggers


def forwards(apps, schema_editor):
    triggers.create(schema_editor.connection)


def backwards(apps, schema_editor):
    triggers.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("access", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
