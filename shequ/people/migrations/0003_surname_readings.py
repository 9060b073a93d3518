"""Residents whose surname pypinyin read as an everyday word (曾伟 as cengwei) take the
surname's reading (zengwei), so that a search by its pinyin or initials finds them.

It reads the names through the project's own ``name_pinyin`` (a migration normally keeps
its own copy of what it needs; here the point is to store exactly what a new registration
stores), and only names that begin with one of the surnames concerned."""

from django.db import migrations



def reread(apps, schema_editor):
    from shequ.people.pinyin import SURNAME_READINGS, name_pinyin

    Resident = apps.get_model("people", "Resident")
    for surname in SURNAME_READINGS:
        changed = []
        for resident in Resident.objects.filter(name__startswith=surname).only("name", "name_pinyin", "name_initials"):
            full, initials = name_pinyin(resident.name)
            if (full, initials) != (resident.name_pinyin, resident.name_initials):
                resident.name_pinyin, resident.name_initials = full, initials
                changed.append(resident)
        Resident.objects.bulk_update(changed, ["name_pinyin", "name_initials"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("people", "0002_visits_floating_care")]

    operations = [migrations.RunPython(reread, migrations.RunPython.noop)]
