"""One item of a name on a store's shelf: a double click on 上架 lists it once. Items a
double click listed before this are first told apart: a second one on the shelf of the
same name is renamed 名称（2）, 名称（3）… (its orders, stock and price stay as they are)."""

from django.db import migrations, models


def tell_apart(apps, schema_editor):
    StoreItem = apps.get_model("points", "StoreItem")
    seen: dict[tuple, int] = {}
    taken = set(StoreItem.objects.filter(active=True).values_list("area_id", "name"))
    for pk, area_id, name in StoreItem.objects.filter(active=True).order_by("id").values_list("id", "area_id", "name"):
        count = seen.get((area_id, name), 0) + 1
        seen[(area_id, name)] = count
        if count == 1:
            continue
        n = count
        while (area_id, f"{name[:45]}（{n}）") in taken:
            n += 1
        renamed = f"{name[:45]}（{n}）"
        taken.add((area_id, renamed))
        StoreItem.objects.filter(pk=pk).update(name=renamed)


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0001_initial"),
        ("points", "0006_transaction_idempotency_key"),
    ]

    operations = [
        migrations.RunPython(tell_apart, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="storeitem",
            constraint=models.UniqueConstraint(
                condition=models.Q(active=True), fields=("area", "name"), name="store_item_one_on_shelf"
            ),
        ),
    ]
