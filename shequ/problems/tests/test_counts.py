from datetime import timedelta

from django.utils import timezone

from shequ.problems.models import Problem, Status
from shequ.problems.selectors import status_counts
from shequ.problems.tests.helpers import report


def test_counts_cover_only_what_the_viewer_may_see(db, world):
    for key in ("A1-1", "A1-1", "A1-2", "A2-1"):
        report(world, world.user(f"resident@{key[:2]}-1-h1"), key=key)
    late = Problem.objects.filter(area_path__startswith=world.areas["A1-1"].path).earliest("id")
    Problem.objects.filter(pk=late.pk).update(
        status=Status.DISPATCHED, due_at=timezone.now() - timedelta(hours=1)
    )
    street, community = world.areas["A"].path, world.areas["A1"].path

    whole = status_counts(world.street_chen, street)
    assert (whole.get("reported"), whole.get("dispatched"), whole["overdue"]) == (3, 1, 1)
    # A secretary asking about the whole street gets their community's problems alone.
    theirs = status_counts(world.secretary_zhang, street)
    assert (theirs.get("reported"), theirs.get("dispatched"), theirs["overdue"]) == (2, 1, 1)
    # A grid worker asking about the community gets their grid's.
    grid = status_counts(world.grid_worker_li, community)
    assert (grid.get("reported"), grid.get("dispatched"), grid["overdue"]) == (1, 1, 1)
    # Someone from another street sees nothing here.
    assert status_counts(world.outsider_zhao, street) == {"overdue": 0}
