"""The pages a user lands on when something is refused (页面或记录不存在, 出错了, 登录已超时,
服务器出错了) had no heading: a screen reader user who jumps to the page's heading, as
on every other page, heard nothing and had to read the page from the top (the header's
links first) to learn why nothing happened. Each has one <h1> now, and its title."""

import re

import pytest
from django.test import Client

from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def headings(body: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h1\b[^>]*>(.*?)</h1>", body, re.S)]


def test_a_missing_page_has_one_heading(world):
    r = client_for(world.resident_wang).get("/problems/99999999/")
    assert r.status_code == 404
    assert headings(r.content.decode()) == ["未找到"]


def test_a_refused_page_has_one_heading(world):
    r = client_for(world.resident_wang).get("/tasks/monthly/")
    assert r.status_code == 403
    body = r.content.decode()
    assert headings(body) == ["出错了"] and "只有工作人员可以查看月度任务清单" in body


def test_a_form_sent_after_the_session_ended_has_one_heading(world):
    r = Client().post(
        "/problems/new/", {"description": "路灯不亮"}, HTTP_REFERER="http://testserver/problems/new/"
    )
    assert r.status_code == 401
    body = r.content.decode()
    assert headings(body) == ["登录已超时"] and "路灯不亮" in body


def test_the_server_error_page_has_one_heading_and_a_title(rf):
    from shequ.core.errorpages import server_error

    body = server_error(rf.get("/")).content.decode()
    assert headings(body) == ["服务器出错了"] and "<title>" in body
