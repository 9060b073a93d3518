"""`shequ user grant / revoke / disable`: staff change places and leave; one role is
ended without the others, and a stopped account's session and tokens end at once."""

import io
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from shequ.access.models import AuditEvent, RoleAssignment, User
from shequ.access.services import add_user
from shequ.core.errors import ValidationFailed
from shequ.testing.world import PASSWORD

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("user", *args, stdout=out)
    return out.getvalue()


def test_a_grid_worker_moves_grid_and_keeps_nothing_of_the_old_one(world):
    old, new = world.areas["A1-1"], world.areas["A1-2"]
    user = add_user("mover", PASSWORD, role="grid_worker", area_code=old.code)
    assert "已授予 mover 网格员" in run("grant", "mover", "--role", "grid_worker", "--area", new.code)
    assert "已撤销 mover 的 网格员" in run("revoke", "mover", "--role", "grid_worker", "--area", old.code)
    assert list(RoleAssignment.objects.filter(user=user).values_list("path", flat=True)) == [new.path]
    assert AuditEvent.objects.filter(event="access.revoke", object_id=str(user.pk)).count() == 1
    client = Client()
    client.force_login(user)
    assert client.get(f"/areas/{old.code}/").status_code == 404
    assert client.get(f"/areas/{new.code}/").status_code == 200
    # Revoking what the user does not hold says so and changes nothing.
    with pytest.raises(CommandError, match="没有 网格员"):
        run("revoke", "mover", "--role", "grid_worker", "--area", old.code)
    with pytest.raises(CommandError, match="不存在"):
        run("revoke", "nobody", "--role", "grid_worker", "--area", old.code)


def test_a_disabled_account_loses_its_session_and_its_tokens_at_once(world):
    user = add_user("leaver", PASSWORD, role="community_staff", area_code=world.areas["A1"].code)
    page = Client()
    page.force_login(user)
    assert page.get("/").status_code == 200
    api = Client()
    token = api.post(
        "/api/v1/auth/token",
        json.dumps({"username": "leaver", "password": PASSWORD}),
        content_type="application/json",
    ).json()["token"]
    area = f"/api/v1/areas/{world.areas['A1'].code}"
    assert api.get(area, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200

    assert "已停用 leaver" in run("disable", "leaver")

    assert page.get("/").status_code == 302  # back to the login page
    assert api.get(area, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    again = Client().post(
        "/api/v1/auth/token",
        json.dumps({"username": "leaver", "password": PASSWORD}),
        content_type="application/json",
    )
    assert again.status_code == 401
    assert RoleAssignment.objects.filter(user=user).exists()  # kept for the record
    assert AuditEvent.objects.filter(event="access.deactivate", object_id=str(user.pk)).exists()


def test_a_residents_login_is_linked_to_the_register_by_full_id_number(world, monkeypatch):
    from shequ.access.models import User
    from shequ.people import idcard
    from shequ.people.models import Resident
    from shequ.people.services import ResidentInput, register_household, register_resident

    monkeypatch.setenv("SHEQU_PASSWORD", PASSWORD)
    # Given a household and a resident registered in it (by the registry import)
    building = world.areas["A2-1-b"]
    household = register_household(building=building, address="9单元901")
    number = idcard.make("370103", date(1980, 3, 4), 377, "F")
    resident, _ = register_resident(
        ResidentInput(name="林小红", id_number=number, relation="head"), household
    )
    args = ("add", "linhong", "--role", "resident", "--area", household.code)

    # A wrong number, an unregistered one and another household's are refused, naming the option
    with pytest.raises(CommandError, match="--resident-id-number：.*校验"):
        run(*args, "--resident-id-number", number[:-1] + ("0" if number[-1] != "0" else "1"))
    unregistered = idcard.make("370103", date(1980, 3, 4), 378, "F")
    with pytest.raises(CommandError, match="不在登记册中，请先导入名册"):
        run(*args, "--resident-id-number", unregistered)
    elsewhere = world.households["A1-1-h1"]
    with pytest.raises(CommandError, match=f"登记在户 {household.code}，与 --area {elsewhere.code} 不符"):
        run("add", "linhong", "--role", "resident", "--area", elsewhere.code, "--resident-id-number", number)
    assert not User.objects.filter(username="linhong").exists()

    printed = run(*args, "--resident-id-number", number)
    user = User.objects.get(username="linhong")
    assert user.resident == resident and user.display_name == "林小红"
    assert "已关联居民 林小红" in printed and number not in printed  # masked
    with pytest.raises(CommandError, match="已关联用户 linhong"):
        run("add", "linhong2", "--role", "resident", "--area", household.code, "--resident-id-number", number)
    assert Resident.objects.filter(pk=resident.pk).exists()


def test_a_role_is_not_granted_above_the_level_it_is_held_at(world):
    """A grid worker granted with the community's code (the code people know; a grid's is
    made up) saw and could read the phones of the whole community, and took every grid's
    dispatched problems: the command said 已授予."""
    community, grid = world.areas["A1"], world.areas["A1-1"]
    user = add_user("misplaced", PASSWORD, role="community_staff", area_code=community.code)
    with pytest.raises(CommandError, match=f"网格员只能授予在网格或其下级.*{community.code}.*是社区"):
        run("grant", "misplaced", "--role", "grid_worker", "--area", community.code)
    assert not RoleAssignment.objects.filter(user=user, role="grid_worker").exists()
    with pytest.raises(CommandError, match="楼栋长只能授予在楼栋"):
        run("grant", "misplaced", "--role", "building_head", "--area", grid.code)
    with pytest.raises(ValidationFailed) as refused:
        add_user("misplaced-2", PASSWORD, role="grid_worker", area_code=world.areas["A"].code)
    assert "是街道" in refused.value.fields["area"]
    assert not User.objects.filter(username="misplaced-2").exists()
    # At its own level, or below it, it is granted as before.
    assert "已授予" in run("grant", "misplaced", "--role", "grid_worker", "--area", grid.code)
    assert "已授予" in run("grant", "misplaced", "--role", "community_secretary", "--area", grid.code)


def test_a_grant_that_changes_nothing_says_so(world):
    """Granting a role the account already holds, or to a stopped account, printed 已授予
    and wrote 授予角色 to the audit log, though nothing could come of it."""
    grid = world.areas["A1-2"]
    user = add_user("granted-twice", PASSWORD, role="grid_worker", area_code=grid.code)
    with pytest.raises(CommandError, match="已有 网格员"):
        run("grant", "granted-twice", "--role", "grid_worker", "--area", grid.code)
    assert AuditEvent.objects.filter(event="access.assign", object_id=str(user.pk)).count() == 1
    run("disable", "granted-twice")
    with pytest.raises(CommandError, match="已停用"):
        run("grant", "granted-twice", "--role", "grid_worker", "--area", world.areas["A1-1"].code)
    assert RoleAssignment.objects.filter(user=user).count() == 1


def test_a_username_or_name_the_database_cannot_keep_is_named_before_anything_is_written(world):
    """`shequ user add "wang fang"` made an account whose name has a space (the admin then
    refuses to save its page, so 有效 could not be unticked there), and a name longer than
    its column was written to SQLite as typed and crashed the command on PostgreSQL
    (a DataError traceback) instead of saying which field and why."""
    community = world.areas["A1"].code
    for username, name, field, message in (
        ("wang fang", "", "username", "用户名只能包含"),
        ("x" * 151, "", "username", "用户名不能超过 150 个字"),
        ("long-name", "张" * 51, "display_name", "姓名不能超过 50 个字"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            add_user(username, PASSWORD, role="community_staff", area_code=community, display_name=name)
        assert message in refused.value.fields[field]
        assert not User.objects.filter(username=username).exists()
    # Letters of any script, digits and @ . + - _ are a username, as Django's admin takes them.
    assert add_user("王芳.demo-1", PASSWORD, role="community_staff", area_code=community, display_name="王芳")


def test_a_name_typed_with_spaces_is_kept_as_the_registry_keeps_it(world, monkeypatch):
    """`shequ user add wangfang --name "王 芳"` kept the space: the account read 王 芳 in the
    lists, the audit log and the problems it handled, where the register says 王芳."""
    monkeypatch.setenv("SHEQU_PASSWORD", PASSWORD)
    community = world.areas["A1"].code
    run("add", "wangfang", "--role", "community_staff", "--area", community, "--name", " 王 芳 ")
    run("add", "ouyang", "--role", "community_staff", "--area", community, "--name", "欧阳\u3000 小明")
    run("add", "anna", "--role", "community_staff", "--area", community, "--name", "Anna  Li")
    names = dict(
        User.objects.filter(username__in=["wangfang", "ouyang", "anna"]).values_list(
            "username", "display_name"
        )
    )
    assert names == {"wangfang": "王芳", "ouyang": "欧阳小明", "anna": "Anna Li"}
    assert "wangfang\t王芳\t" in run("list")


def test_an_operator_sets_a_forgotten_or_missing_password(world, monkeypatch):
    """A secretary who forgot her password, locked out after five guesses, or a `demo-…`
    login made without one ("an administrator can set one"): the operator had no command
    for it, only Django's `changepassword`, which wrote no audit row and left the lockout."""
    user = add_user("forgetful", PASSWORD, role="community_staff", area_code=world.areas["A1"].code)
    kept = Client()
    kept.force_login(user)
    for _ in range(5):
        Client().post("/login/", {"username": "forgetful", "password": "wrong"})
    assert Client().post("/login/", {"username": "forgetful", "password": PASSWORD}).status_code == 429

    monkeypatch.setenv("SHEQU_PASSWORD", "12345678")
    with pytest.raises(CommandError, match="密码"):
        run("password", "forgetful")
    with pytest.raises(CommandError, match="用户 nobody 不存在"):
        run("password", "nobody")
    monkeypatch.setenv("SHEQU_PASSWORD", "new-secret-2026")
    printed = run("password", "forgetful")
    assert "已重设 forgetful 的密码" in printed and "new-secret-2026" not in printed

    assert kept.get("/").status_code == 302  # the old session ends
    again = Client()
    assert again.post("/login/", {"username": "forgetful", "password": "new-secret-2026"}).status_code == 302
    user.refresh_from_db()
    assert not user.check_password(PASSWORD)
    row = AuditEvent.objects.get(event="access.password_reset", object_id=str(user.pk))
    assert row.area_path == world.areas["A1"].path and "new-secret-2026" not in json.dumps(row.detail)


def test_disabling_a_stopped_account_says_so_and_files_nothing(world):
    """`user disable` run twice (a second operator, a script run again) printed 已停用 again
    and filed a second 停用用户 row, as if the account had been working until then."""
    user = add_user("left-twice", PASSWORD, role="community_staff", area_code=world.areas["A1"].code)
    assert "已停用 left-twice" in run("disable", "left-twice")
    with pytest.raises(CommandError, match="用户 left-twice 已经停用，无需再次停用"):
        run("disable", "left-twice")
    assert AuditEvent.objects.filter(event="access.deactivate", object_id=str(user.pk)).count() == 1
