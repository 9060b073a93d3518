"""Helpers shared by the registry's tests."""

from shequ.people.models import FloatingProfile, Resident


def grid_floating(world, grid="A1-1"):
    """The grid's residents made floating in the database, none with a profile yet."""
    ids = [r.pk for k, r in sorted(world.residents.items()) if k.startswith(grid + "-")]
    Resident.objects.filter(pk__in=ids).update(residence_type="floating")
    FloatingProfile.objects.filter(resident_id__in=ids).delete()
    found = Resident.objects.in_bulk(ids)
    return [found[i] for i in ids]
