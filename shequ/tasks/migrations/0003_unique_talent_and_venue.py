"""A double click on 登记 registers a skill or a venue once. Rows a double click made
before this (nothing could delete them) are first made unique: a repeated skill of the
same resident is removed (the first entry stays), a second venue of the same name in
one area is renamed 名称（2）, 名称（3）… so no description or capacity is lost."""

from django.db import migrations, models


def make_unique(apps, schema_editor):
    Talent = apps.get_model("tasks", "Talent")
    Venue = apps.get_model("tasks", "Venue")
    seen: set[tuple] = set()
    repeated = []
    for row in Talent.objects.order_by("id").values_list("id", "resident_id", "kind", "trade", "skill"):
        if row[1:] in seen:
            repeated.append(row[0])
        seen.add(row[1:])
    Talent.objects.filter(id__in=repeated).delete()
    names: dict[tuple, int] = {}
    taken = set(Venue.objects.values_list("area_id", "name"))
    for pk, area_id, name in Venue.objects.order_by("id").values_list("id", "area_id", "name"):
        count = names.get((area_id, name), 0) + 1
        names[(area_id, name)] = count
        if count == 1:
            continue
        n = count
        while (area_id, f"{name[:95]}（{n}）") in taken:
            n += 1
        renamed = f"{name[:95]}（{n}）"
        taken.add((area_id, renamed))
        Venue.objects.filter(pk=pk).update(name=renamed)


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0001_initial"),
        ("people", "0002_visits_floating_care"),
        ("tasks", "0002_award_one_per_task_unit"),
    ]

    operations = [
        migrations.RunPython(make_unique, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="talent",
            constraint=models.UniqueConstraint(
                fields=("resident", "kind", "trade", "skill"), name="talent_unique_skill"
            ),
        ),
        migrations.AddConstraint(
            model_name="venue",
            constraint=models.UniqueConstraint(fields=("area", "name"), name="venue_unique_name"),
        ),
    ]
