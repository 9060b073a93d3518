"""我的积分 shows this quarter's earned points and the year's star level, as the API does."""

import pytest
from django.test import Client, override_settings

from shequ.points.tests.test_recognition import earn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("mid_quarter")]


@override_settings(STAR_THRESHOLDS=[20, 40])
def test_my_points_page_shows_quarter_earned_and_stars(world):
    wang = world.resident_wang
    earn(world, wang, "任务一")
    client = Client()
    client.force_login(wang)
    api = client.get("/api/v1/points/balance").json()
    assert api["earned_this_quarter"] == 20
    assert api["stars"] == 1
    page = client.get("/points/").content.decode()
    assert '本季度已获 <b id="earned-quarter">20</b> 分' in page
    assert "1 星" in page
