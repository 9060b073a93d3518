"""The task list and points for the demo (seed 004: 龙滩子街道's 云号手 practice; seed 001:
麻江's 39 service teams and its registry of 能人、才人、艺人).

龙滩子街道 gets a resource list, a year of monthly task lists (with their 审批记录) and ad-hoc
tasks with claims, awards and quarterly redemptions, and — made through the services,
today — in every community open tasks, claims and orders in every state, this month's
list, lists returned and approved, a cancelled task and a 冲正; in 龙滩园 what its named
unit, team and party-member logins see. 杏山街道 gets its 39 service teams with members
and a skills registry. The past year is written in bulk with its own dates (the ledger
through ``points.services.post`` so every balance is the sum of its entries)."""

from __future__ import annotations

import io
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from PIL import Image, ImageDraw

from shequ.access import audit
from shequ.access.models import User
from shequ.access.roles import Role
from shequ.access.services import bulk_add_role_holders
from shequ.areas.models import Area, AreaKind
from shequ.core import rawsql
from shequ.core.numbers import month_label
from shequ.demo.crew import Crew, office_hours, person_name, resident_logins
from shequ.notifications.models import Notification
from shequ.people.models import Resident
from shequ.points import services as points
from shequ.points.models import Order, OrderEvent, OrderStatus, ServiceKind, ServiceRecord, StoreItem, TxnKind
from shequ.tasks import proofs
from shequ.tasks import services as tasks
from shequ.tasks.models import (
    Audience,
    Award,
    Claim,
    ClaimEvent,
    ClaimStatus,
    Difficulty,
    ListStatus,
    MonthlyList,
    PartnerUnit,
    ProofFile,
    ServiceTeam,
    Talent,
    Task,
    TaskStatus,
    TeamMember,
)

ROUTINE = [
    ("replace_bulb", "更换楼道灯泡", "easy"),
    ("clear_ads", "清理楼道小广告", "easy"),
    ("greening", "小区绿化带除草", "normal"),
    ("moving", "帮独居老人搬运物品", "normal"),
    ("tutoring", "周末辅导留守儿童作业", "normal"),
    ("appliance_repair", "为困难家庭维修家电", "hard"),
    ("mediation", "协助调解邻里纠纷", "hard"),
    ("skills_training", "开展手机使用技能培训", "normal"),
    ("hardship_aid", "走访慰问困难群众", "normal"),
]
TARGETED = [
    ("power_maintenance", "小区配电设备运维检查", "区供电所"),
    ("greening", "小区绿化管护", "物业服务中心"),
    ("septic", "化粪池清掏", "环卫所"),
]
UNITS = [  # name, kind, what it offers (seed 004's 共建单位 and their 定向任务)
    ("区供电所", "department", "电力设备运维、用电安全检查"),
    ("物业服务中心", "property_company", "小区绿化管护、化粪池清掏、楼道保洁"),
    ("环卫所", "department", "垃圾清运、化粪池清掏、道路清扫"),
    ("大足农商行龙滩子支行", "stationed_unit", "金融知识宣传、防范电信诈骗讲座、上门代办社保卡"),
]
ITEMS = [
    ("大米 5kg", 60, 400, 2, "街道"),
    ("菜籽油 5L", 120, 200, 1, "街道"),
    ("不粘锅", 150, 60, 1, "街道"),
    ("抽纸 10包", 30, 600, 3, "社区"),
    ("洗衣液 2kg", 50, 300, 2, "社区"),
]
TEAMS = [
    ("志愿服务队", "volunteer"),
    ("平安巡逻队", "patrol"),
    ("五老服务队", "five_elders"),
    ("党员先锋服务队", "party"),
]
TALENTS = [
    ("able", "家电维修", "电器", "空调冰箱维修"),
    ("able", "水电安装", "建筑", "水电管线维修"),
    ("able", "调解", "法律", "邻里纠纷调解"),
    ("gifted", "教育", "中小学", "数学辅导"),
    ("gifted", "医疗", "护理", "老人健康咨询"),
    ("artist", "文艺", "舞蹈", "广场舞编排"),
    ("artist", "文艺", "书法", "书法春联"),
    ("artist", "文艺", "戏曲", "川剧"),
]
COURIERS = ["中国邮政", "顺丰速运", "京东物流"]


# The named demo logins of a community (shequ.demo.generator) that play a part here: the
# contact of its 区供电所, a member of its 志愿服务队 and a party member who serves.
NAMED = {"500111003001": "longtanyuan"}
NAMED_UNIT, NAMED_TEAM = "区供电所", "志愿服务队"


def _named(community: Area) -> dict[str, User]:
    """Part ("unit", "team", "party") → the community's named login for it, if it has one."""
    prefix = NAMED.get(community.code)
    if prefix is None:
        return {}
    parts = ("unit", "team", "party")
    found = User.objects.filter(username__in=[f"{prefix}_{p}" for p in parts]).select_related("resident")
    return {u.username.removeprefix(f"{prefix}_"): u for u in found}


def _claimants(community: Area, count: int, rng: random.Random) -> list[User]:
    """Resident accounts (no usable password) for the community's residents who claim tasks:
    a third of them party members (亮身份、领任务), so that both quarterly lists, 社区治理能人
    and 社区治理先锋, have names."""
    pool = (
        Resident.objects.filter(area_path__startswith=community.path, user__isnull=True)
        .select_related("household")
        .order_by("area_path", "id")
    )
    members = list(pool.exclude(party_member_kind="")[: count * 2])
    chosen = rng.sample(members, min(count // 3, len(members)))
    others = list(pool.filter(party_member_kind="")[: count * 8])
    chosen += rng.sample(others, min(count - len(chosen), len(others)))
    return resident_logins(chosen)


def _resources(communities: list[Area], crews: dict[str, Crew], rng: random.Random) -> dict[int, list[Any]]:
    """Each community's partner units (each with a contact who has a login and claims the
    unit's targeted tasks), service teams, skills registry, venue and equipment, entered
    by the community's staff."""
    units: dict[int, list[Any]] = {}
    for community in communities:
        admin = crews[community.path].staff
        units[community.pk] = []
        named = _named(community)
        for name, kind, offers in UNITS:
            login = named.get("unit") if name == NAMED_UNIT else None
            unit = tasks.add_unit(
                admin,
                tasks.UnitInput(
                    name=name,
                    kind=kind,
                    area=community.code,
                    contact_name=login.display_name if login else person_name(f"{community.code}-{name}"),
                    contact_phone=f"023-{rng.randrange(43000000, 43999999)}",
                    services=offers,
                ),
            )
            units[community.pk].append(unit)
        unnamed = [u for u in units[community.pk] if u.name != NAMED_UNIT or "unit" not in named]
        contacts = bulk_add_role_holders(
            [(f"demo-unit-{u.pk}", u.contact_name, None, community) for u in unnamed],
            Role.PARTNER_UNIT,
        )
        by_unit = dict(zip([u.pk for u in unnamed], contacts, strict=True))
        for unit in units[community.pk]:
            tasks.add_unit_member(admin, unit.pk, by_unit.get(unit.pk) or named["unit"])
        pool = _adults(community, rng)
        for name, kind in TEAMS[:3]:
            joiner = named.get("team") if name == NAMED_TEAM else None
            joining = joiner.resident if joiner is not None else None
            members = _pick(pool, kind, 8 if joining is None else 7, joining)
            leader = members[0].name
            team = tasks.add_team(admin, f"{community.name}{name}", kind, community.code, leader=leader)
            TeamMember.objects.bulk_create(TeamMember(team=team, resident=m) for m in members)
            if joining is not None:  # as staff add one on the team's page
                tasks.add_team_member(admin, team.pk, joining.pk)
        _talents(pool, 12, rng)
        tasks.add_venue(
            admin, f"{community.name}党群服务中心活动室", "venue", community.code, "可容纳60人", 60
        )
        tasks.add_venue(admin, "便民工具箱", "equipment", community.code, "梯子、电钻、万用表", 3)
    return units


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


# Who may serve in a team of each kind, by age: 五老 are the retired elders; the others
# and the skills registry are working-age adults.
AGES = {"five_elders": (60, 120)}
WORKING_AGE = (18, 70)


def _adults(community: Area, rng: random.Random, size: int = 800) -> list[Resident]:
    """A stretch of the community's adults, from a random place in the registry, in a
    random order: the people its teams and skills registry are drawn from."""
    today = timezone.localdate()
    adults = Resident.objects.filter(
        area_path__startswith=community.path, birth_date__lte=today.replace(year=today.year - 18, day=1)
    )
    start = rng.randrange(max(1, adults.count() - size))
    pool = list(
        adults.order_by("id").only("id", "name", "birth_date", "household_id", "area_path")[
            start : start + size
        ]
    )
    rng.shuffle(pool)
    return pool


def _pick(pool: list[Resident], kind: str, count: int, joining: Resident | None = None) -> list[Resident]:
    """``count`` people of an age for a team of ``kind``, at most one per household (with
    ``joining``, who joins later), taken out of ``pool`` so nobody is in two."""
    low, high = AGES.get(kind, WORKING_AGE)
    today = timezone.localdate()
    homes = {joining.household_id} if joining is not None else set()
    chosen: list[Resident] = []
    for r in list(pool):
        if len(chosen) == count:
            break
        if r.household_id not in homes and low <= _age(r.birth_date, today) <= high and r != joining:
            homes.add(r.household_id)
            chosen.append(r)
            pool.remove(r)
    return chosen


def _talents(pool: list[Resident], count: int, rng: random.Random) -> None:
    """The skills registry: ``count`` adults of working age, a skill each."""
    residents = _pick(pool, "talent", count)
    Talent.objects.bulk_create(
        Talent(resident=r, kind=kind, trade=trade, field=field, skill=skill, area_path=r.area_path)
        for r, (kind, trade, field, skill) in zip(residents, rng.choices(TALENTS, k=count), strict=True)
    )


def xingshan_teams(street: Area, admin: User, rng: random.Random) -> None:
    """麻江 (seed 001): 39 service teams across the four communities, and the skills registry."""
    communities = list(Area.objects.filter(parent=street, kind=AreaKind.COMMUNITY).order_by("code"))
    kinds = [
        ("志愿服务队", "volunteer"),
        ("巡逻队", "patrol"),
        ("五老服务队", "five_elders"),
        ("党员服务队", "party"),
    ]
    pools = {c.pk: _adults(c, rng) for c in communities}
    for n in range(39):
        # Every community has teams of each kind, numbered within the kind (第1…第3: a
        # "第10" would be listed before "第2").
        community = communities[n % len(communities)]
        round_ = n // len(communities)
        label, kind = kinds[round_ % len(kinds)]
        members = _pick(pools[community.pk], kind, 8)
        team = tasks.add_team(
            admin,
            f"{community.name}第{round_ // len(kinds) + 1}{label}",
            kind,
            community.code,
            leader=members[0].name,
        )
        TeamMember.objects.bulk_create(TeamMember(team=team, resident=m) for m in members)
    for community in communities:
        _talents(pools[community.pk], 15, rng)


def _month_starts(now: datetime, months: int) -> list[datetime]:
    """When each of the last ``months`` months' lists went out (this month's included):
    the configured publish day, at 09:00, when the publishing job has run."""
    from django.conf import settings

    day = settings.TASK_LIST_PUBLISH_DAY
    local = timezone.localtime(now).replace(day=day, hour=9, minute=0, second=0, microsecond=0)
    out = []
    for back in range(months - 1, -1, -1):
        year, month = local.year, local.month - back
        while month < 1:
            month += 12
            year -= 1
        out.append(local.replace(year=year, month=month))
    return out


# Why the street sends a list back, as its reviewers write it.
RETURN_REASONS = [
    "清单中“化粪池清掏”应定向派给环卫所，请改为定向任务后再报",
    "辅导学生的任务请写明时间和地点，名额请与志愿者人数核对",
    "本月已有同类任务未完成验收，请先结束后再列入",
]


def _audit_at(actor: User, event: str, obj: Any, at: datetime, detail: dict[str, Any] | None = None) -> None:
    """An audit row as the service writes it, dated when the step was taken: the past year
    is written after the fact, and the list's 审批记录 is read from these rows."""
    row = audit.build(actor, event, area_path=obj.area_path, obj=obj, detail=detail)
    # In UTC, as the database gives it back: the hash is taken over the time's text, and
    # a +08:00 time read back as +00:00 would no longer match it (a broken chain).
    row.at = at.astimezone(UTC)
    audit.appended(row, rawsql.run(audit.append_statements(row))[-1])


def _list_review(
    monthly: MonthlyList, staff: User, admin: User, approved: datetime, rng: random.Random
) -> None:
    """A past list's 审批记录, as ``transition_list`` and the publishing job write it: drawn
    up and sent by the community's staff (some returned by the street once and sent
    again), approved by the street, published on its day by the job."""
    steps: list[tuple[User, str, timedelta, dict[str, Any] | None]] = [
        (staff, "task.list_create", timedelta(days=10), None),
        (staff, "task.list_submit", timedelta(hours=20), {"note": ""}),
    ]
    if rng.random() < 0.15:
        steps += [
            (admin, "task.list_return", timedelta(hours=14), {"note": rng.choice(RETURN_REASONS)}),
            (staff, "task.list_submit", timedelta(hours=4), {"note": ""}),
        ]
    steps.append((admin, "task.list_approve", timedelta(0), {"note": ""}))
    for actor, event, before, detail in steps:
        _audit_at(actor, event, monthly, approved - before, detail)
    if monthly.published_at is not None:  # else its day is still to come
        _audit_at(admin, "task.list_publish", monthly, monthly.published_at, {"by": "job"})


def _history(
    communities: list[Area],
    admin: User,
    crews: dict[str, Crew],
    claimants: dict[int, list[User]],
    units: dict[int, list[Any]],
    proof_photos: list[proofs.Stored],
    rng: random.Random,
) -> None:
    """Twelve months up to today: monthly lists (assembled by the community's staff,
    approved by the street, published on the publish day), ad-hoc tasks, claims (most accepted, some withdrawn
    or returned first) with their proof photos, awards on the ledger, and quarterly
    redemptions delivered by courier. A resident's proof is checked by the grid worker of
    their grid, a unit's by the community's staff. This month holds only what has
    happened by now: its tasks still open are on the board, their claims in hand."""
    now = timezone.now()
    from django.conf import settings

    # Nothing in the last hour: the steps the services take at load time come after.
    happened = now - timedelta(hours=1)

    items = {
        c.pk: list(StoreItem.objects.filter(area_path__in=[c.path, c.path.rsplit("/", 2)[0] + "/"]))
        for c in communities
    }
    for start in _month_starts(now, 12):
        month = f"{start:%Y%m}"
        first = start.replace(day=1)
        out = start > happened  # this month's list, approved, its day still to come
        days = max(1, min(25, (happened - first).days))  # days of the month gone by
        for community in communities:
            crew = crews[community.path]
            approved = start - timedelta(days=3)
            monthly = MonthlyList.objects.create(
                area=community,
                area_path=community.path,
                month=month,
                publish_on=start.date(),
                status=ListStatus.APPROVED if out else ListStatus.PUBLISHED,
                created_by=crew.staff,
                approved_by=admin,
                approved_at=approved,
                published_at=None if out else start,
            )
            _list_review(monthly, crew.staff, admin, approved, rng)
            users = claimants[community.pk]
            for k in range(6):
                category, title, difficulty = rng.choice(ROUTINE)
                listed, targeted = k < 4, k == 5
                if targeted:
                    category, title, unit_name = rng.choice(TARGETED)
                    difficulty = Difficulty.HARD
                if listed:  # put on the list before the street approved it, open from the 1st
                    created = approved - timedelta(days=rng.randrange(1, 8), hours=rng.randrange(0, 8))
                    published = start
                else:  # ad hoc: published when written
                    created = first + timedelta(days=rng.randrange(0, days), hours=rng.randrange(0, 8))
                    published = created
                places = rng.randint(1, 3)
                deadline = published + timedelta(days=rng.randrange(10, 25))
                if listed and out:
                    state = TaskStatus.SCHEDULED
                elif deadline > now:
                    state = TaskStatus.PUBLISHED
                else:
                    state = TaskStatus.CLOSED
                task = Task.objects.create(
                    title=title,
                    description=f"{community.name}{title}（{month[4:]}月）",
                    category=category,
                    difficulty=difficulty,
                    points=settings.TASK_POINTS[difficulty],
                    places=places,
                    filled=0,
                    deadline=deadline,
                    audience="targeted" if targeted else "public",
                    status=state,
                    monthly_list=monthly if listed else None,
                    area=community,
                    area_path=community.path,
                    community_path=community.path,
                    created_by=crew.staff,
                    created_at=created,
                    published_at=None if state == TaskStatus.SCHEDULED else published,
                )
                if state == TaskStatus.SCHEDULED:
                    continue
                if targeted:
                    unit = next(
                        (u for u in units[community.pk] if u.name == unit_name), units[community.pk][0]
                    )
                    task.target_units.add(unit)
                    contact = unit.members.get()
                    takers: list[tuple[User, Any, str, User]] = [(contact, unit, task.area_path, crew.staff)]
                else:
                    takers = []
                    for user in rng.sample(users, min(places, len(users))):
                        assert user.resident is not None
                        lives = user.resident.area_path
                        takers.append((user, None, lives, crew.grid_workers[crew.grid_of(lives)]))
                filled = 0
                for user, unit, place, checker in takers:
                    at = published + timedelta(hours=rng.randrange(2, 48))
                    fate = rng.random()
                    status = ClaimStatus.WITHDRAWN if fate < 0.08 else ClaimStatus.ACCEPTED
                    steps = [("claim", "", ClaimStatus.CLAIMED, at)]
                    if status == ClaimStatus.WITHDRAWN:
                        steps.append(
                            ("withdraw", ClaimStatus.CLAIMED, ClaimStatus.WITHDRAWN, at + timedelta(hours=5))
                        )
                    else:
                        steps.append(
                            ("submit", ClaimStatus.CLAIMED, ClaimStatus.SUBMITTED, at + timedelta(days=1))
                        )
                        if fate > 0.9:  # checked in office hours, as the accept below
                            returned = office_hours(at + timedelta(days=1, hours=3), steps[-1][3])
                            steps.append(("return", ClaimStatus.SUBMITTED, ClaimStatus.RETURNED, returned))
                            steps.append(
                                (
                                    "submit",
                                    ClaimStatus.RETURNED,
                                    ClaimStatus.SUBMITTED,
                                    max(at + timedelta(days=2), returned + timedelta(hours=1)),
                                )
                            )
                        accepted = office_hours(at + timedelta(days=3), steps[-1][3])
                        steps.append(("accept", ClaimStatus.SUBMITTED, ClaimStatus.ACCEPTED, accepted))
                    steps = [s for s in steps if s[3] <= happened]  # this month: so far
                    if not steps:
                        continue
                    status = steps[-1][2]
                    decided = [when for a, _f, _t, when in steps if a in ("accept", "return")]
                    filled += status != ClaimStatus.WITHDRAWN
                    # Its times are those of its steps: proved at its last 提交, decided at 验收.
                    submits = [when for a, _f, _t, when in steps if a == "submit"]
                    claim = Claim.objects.create(
                        task=task,
                        user=user,
                        unit=unit,
                        status=status,
                        area_path=place,
                        claimed_at=at,
                        submitted_at=submits[-1] if submits else None,
                        decided_at=decided[-1] if decided else None,
                        decided_by=checker if decided else None,
                        proof_note="已完成，附照片" if submits else "",
                        return_reason="照片不清晰" if status == ClaimStatus.RETURNED else "",
                        # A claim returned once and proved again keeps the reason in its
                        # timeline (the return step); a new proof clears it on the claim.
                    )
                    events = ClaimEvent.objects.bulk_create(
                        ClaimEvent(
                            claim=claim,
                            action=a,
                            from_status=f,
                            to_status=t,
                            actor=checker if a in ("accept", "return") else user,
                            note="照片不清晰" if a == "return" else "",
                            at=when,
                        )
                        for a, f, t, when in steps
                    )
                    # Each proof its photo (drawn here, stored once and shared).
                    ProofFile.objects.bulk_create(
                        ProofFile(
                            claim=claim,
                            event=event,
                            kind=photo.kind,
                            file=photo.file,
                            content_type=photo.content_type,
                            sha256=photo.sha256,
                            size=photo.size,
                        )
                        for event in events
                        if event.action == "submit"
                        for photo in [rng.choice(proof_photos)]
                    )
                    if status == ClaimStatus.ACCEPTED:
                        account = points.account_for_unit(unit) if unit else points.account_for_user(user)
                        txn = points.post(
                            TxnKind.AWARD,
                            f"完成任务：{task.title}",
                            checker,
                            community,
                            [(points.issuer_for(community), -task.points), (account, task.points)],
                            task=task,
                            at=steps[-1][3],
                        )
                        Award.objects.create(
                            task=task,
                            user=user,
                            unit=unit,
                            claim=claim,
                            points=task.points,
                            transaction=txn,
                            at=txn.created_at,
                        )
                Task.objects.filter(pk=task.pk).update(filled=filled)
            # Party members' service points, a few a month, recorded by the staff.
            members = [u for u in users if u.resident and u.resident.party_member_kind]
            for user in members[:3]:
                kind = rng.choice(ServiceKind.values)
                when = first + timedelta(days=rng.randrange(0, days))
                home = user.resident
                assert home is not None
                record = ServiceRecord.objects.create(
                    member=user,
                    kind=kind,
                    note=str(ServiceKind(kind).label),
                    points=rng.choice([3, 5, 8]),
                    served_on=when.date(),
                    area_path=home.area_path,
                    recorded_by=crew.staff,
                    recorded_at=when,
                )
                account = points.account_for_user(user)
                points.post(
                    TxnKind.SERVICE,
                    f"{ServiceKind(kind).label}",
                    crew.staff,
                    community,
                    [(points.issuer_for(community), -record.points), (account, record.points)],
                    service_record=record,
                    at=when,
                )
            # Quarterly redemption (the first month of each quarter), delivered by courier.
            if start.month in (1, 4, 7, 10):
                _redeem_history(community, users, items[community.pk], crew.staff, start, rng)


def _redeem_history(
    community: Area,
    users: list[User],
    items: list[StoreItem],
    staff: User,
    start: datetime,
    rng: random.Random,
) -> None:
    quarter = (start.month - 1) // 3 + 1
    window = f"{start.year}Q{quarter}"
    for user in users:
        account = points.account_for_user(user)
        account.refresh_from_db()
        affordable = [i for i in items if i.price <= account.balance]
        if not affordable or rng.random() < 0.3:
            continue
        item = rng.choice(affordable)
        at = start + timedelta(days=rng.randrange(1, 10), hours=rng.randrange(0, 9))
        if at > timezone.now() - timedelta(hours=1):  # this quarter's still to come
            continue
        if StoreItem.objects.filter(pk=item.pk, stock__gte=1).update(stock=F("stock") - 1) != 1:
            continue
        order = Order.objects.create(
            user=user,
            account=account,
            item=item,
            quantity=1,
            points=item.price,
            status=OrderStatus.DELIVERED,
            window=window,
            courier=rng.choice(COURIERS),
            tracking_no=f"{rng.randrange(10**11, 10**12)}",
            area_path=account.area_path,
            created_at=at,
            updated_at=at + timedelta(days=4),
        )
        points.post(
            TxnKind.REDEEM,
            f"兑换 {item.name}×1",
            user,
            community,
            [(account, -item.price), (points.issuer_for(community), item.price)],
            order=order,
            at=at,
        )
        OrderEvent.objects.bulk_create(
            OrderEvent(
                order=order,
                action=a,
                from_status=f,
                to_status=t,
                actor=user if a == "place" else staff,
                at=at + timedelta(days=d),
            )
            for a, f, t, d in (
                ("place", "", "placed", 0),
                ("pack", "placed", "packed", 1),
                ("ship", "packed", "shipped", 2),
                ("deliver", "shipped", "delivered", 4),
            )
        )


def _photo(rng: random.Random) -> SimpleUploadedFile:
    """A drawn proof photo (no files from elsewhere)."""
    image = Image.new("RGB", (480, 360), (rng.randrange(120, 220), rng.randrange(120, 220), 200))
    ImageDraw.Draw(image).ellipse([180, 120, 300, 240], fill=(250, 240, 120))  # a lit bulb
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return SimpleUploadedFile("proof.jpg", buffer.getvalue(), content_type="image/jpeg")


def _today(
    community: Area, admin: User, crew: Crew, claimants: list[User], rng: random.Random, *, count: int = 6
) -> None:
    """Today's state, through the services: ``count`` open tasks, claims and orders in
    every state. The community's staff write and publish, the claimant's grid worker
    checks proofs, the street's admin tops up a balance carried over from 云号手. Taken one
    after another over today's working hours so far, not all in the minute of the load."""
    staff = crew.staff
    deadline = timezone.now() + timedelta(days=14)
    # The services' clock is put back even if a step fails, for the rest of the process.
    with _Clock(2 * count + 30) as clock:
        open_tasks = []
        for category, title, difficulty in ROUTINE[:count]:
            clock.tick()
            task, _ = tasks.create_task(
                staff,
                tasks.TaskInput(
                    title=title,
                    description=f"{community.name}{title}",
                    category=category,
                    difficulty=difficulty,
                    places=4,
                    deadline=deadline,
                    area=community.code,
                ),
            )
            clock.tick()
            open_tasks.append(tasks.transition_task(staff, task.pk, "publish"))
        states = [
            ClaimStatus.CLAIMED,
            ClaimStatus.SUBMITTED,
            ClaimStatus.RETURNED,
            ClaimStatus.ACCEPTED,
            ClaimStatus.WITHDRAWN,
        ]
        for i, status in enumerate(states):
            user = claimants[i % len(claimants)]
            clock.tick()
            claim = tasks.claim_task(user, open_tasks[(i + 1) % len(open_tasks)].pk)
            if status == ClaimStatus.WITHDRAWN:
                clock.tick()
                tasks.transition_claim(user, claim.pk, tasks.ClaimActionInput("withdraw"))
                continue
            if status == ClaimStatus.CLAIMED:
                continue
            photo = _photo(rng)
            clock.tick()
            tasks.transition_claim(user, claim.pk, tasks.ClaimActionInput("submit", "已完成", [photo]))
            assert user.resident is not None
            checker = crew.grid_workers[crew.grid_of(user.resident.area_path)]
            if status in (ClaimStatus.RETURNED, ClaimStatus.ACCEPTED):
                checked = clock.tick()
                if status == ClaimStatus.RETURNED:
                    action = tasks.ClaimActionInput("return", "请补充完成后的照片")
                else:
                    action = tasks.ClaimActionInput("accept")
                tasks.transition_claim(checker, claim.pk, action)
                _read(checker, "", checked, f"/tasks/claims/{claim.pk}/")
        # Orders in every state.
        items = list(
            StoreItem.objects.filter(
                area_path__in=[community.path, community.path.rsplit("/", 2)[0] + "/"], price__lte=60
            )
        )
        moves: dict[str, list[tuple[str, dict[str, Any]]]] = {
            OrderStatus.PLACED: [],
            OrderStatus.PACKED: [("pack", {})],
            OrderStatus.SHIPPED: [
                ("pack", {}),
                ("ship", {"courier": "中国邮政", "tracking_no": "9800012345678"}),
            ],
            OrderStatus.DELIVERED: [
                ("pack", {}),
                ("ship", {"courier": "顺丰速运", "tracking_no": "SF1234567890"}),
                ("deliver", {}),
            ],
            OrderStatus.CANCELLED: [("cancel", {"note": "兑换人来电要求取消"})],
        }
        for i, (_status, steps) in enumerate(moves.items()):
            user = claimants[(i + 5) % len(claimants)]
            clock.tick()
            _top_up(admin, user)
            clock.tick()
            order, _ = points.redeem(user, points.OrderInput(item=items[i % len(items)].pk))
            for move, extra in steps:
                clock.tick()
                points.transition_order(staff, order.pk, points.OrderTransitionInput(action=move, **extra))


def _top_up(admin: User, user: User) -> None:
    """A balance carried over from 云号手 for someone who has too little left to redeem."""
    account = points.account_for_user(user)
    account.refresh_from_db()
    if account.balance < 60:
        points.opening_balance(admin, user, 100, "期初积分（云号手平台结转）")


def _listed(
    staff: User,
    community: Area,
    month: str,
    routine: list[tuple[str, str, str]],
    deadline: datetime,
    note: str,
) -> MonthlyList:
    """A month's list drawn up by the community's staff with its routine tasks."""
    monthly = tasks.create_monthly_list(staff, community.code, month)
    for category, title, difficulty in routine:
        tasks.create_task(
            staff,
            tasks.TaskInput(
                title=title,
                description=f"{community.name}{title}{note}",
                category=category,
                difficulty=difficulty,
                places=2,
                deadline=deadline,
                area=community.code,
                monthly_list=monthly.pk,
            ),
        )
    return monthly


def _lists_now(communities: list[Area], admin: User, crews: dict[str, Crew], rng: random.Random) -> None:
    """Through ``transition_list``, so each list has its 审批记录, over the last few working
    hours (the service dates each step "now": here, when it was taken): next month's lists
    of 龙滩园 (waiting for the street), 双龙东路 (returned with the street's reason) and
    连二坡 (approved, its tasks 待发布 until its day). This month's lists are the year's
    history's. What the street's admin decided, it has read the 待审批 notice of."""
    local = timezone.localtime(timezone.now())
    next_month = f"{local.year + (local.month == 12)}{local.month % 12 + 1:02d}"
    deadline = timezone.now() + timedelta(days=44)
    base = (local - timedelta(days=3)).replace(hour=9, minute=40, second=0, microsecond=0)
    for n, (community, fate) in enumerate(zip(communities[:3], ("submit", "return", "approve"), strict=True)):
        staff = crews[community.path].staff
        drawn = base + timedelta(minutes=37 * n)  # drawn up, sent a day later, decided the next
        with _at(drawn):
            monthly = _listed(staff, community, next_month, ROUTINE[6:9], deadline, "（下月）")
        with _at(drawn + timedelta(days=1, hours=5)):
            tasks.transition_list(staff, monthly.pk, "submit")
        decided = drawn + timedelta(days=2, hours=1)
        with _at(decided):
            if fate == "return":
                tasks.transition_list(admin, monthly.pk, "return", rng.choice(RETURN_REASONS))
            elif fate == "approve":
                tasks.transition_list(admin, monthly.pk, "approve")
        if fate != "submit":
            _read(admin, f"{community.name}{month_label(next_month)}月度任务清单待审批", decided)


class _Clock:
    """Today's working hours so far (or, early in the day, the hour before now), cut into
    ``steps`` moments: ``tick`` moves the services' "now" to the next one."""

    def __init__(self, steps: int) -> None:
        now = timezone.localtime(timezone.now())
        opens = now.replace(hour=8, minute=30, second=0, microsecond=0)
        start, end = opens, min(now, now.replace(hour=18, minute=0)) - timedelta(minutes=5)
        if end - start < timedelta(hours=1):
            midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
            start, end = max(now - timedelta(minutes=55), midnight), now  # today's, still
        self.moment, self.step = start, (end - start) / steps
        self.patch: Any = None

    def __enter__(self) -> _Clock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def tick(self) -> datetime:
        self.stop()
        self.moment += self.step
        self.patch = _at(self.moment)
        self.patch.start()
        return self.moment

    def stop(self) -> None:
        if self.patch is not None:
            self.patch.stop()
            self.patch = None


def _at(moment: datetime) -> Any:
    """The services date what they record "now": now is ``moment``."""
    from unittest import mock

    return mock.patch.object(timezone, "now", return_value=moment.astimezone(UTC))


def _read(user: User, text: str, at: datetime, link: str = "") -> None:
    """``user`` has read the notices (``text``, or those linking to ``link``) of a matter they
    handled at ``at``: an inbox does not keep asking about what is done."""
    found = Notification.objects.filter(user=user, read_at__isnull=True, created_at__lte=at)
    found = found.filter(link=link) if link else found.filter(text=text)
    found.update(read_at=at)


def _reversal(community: Area, crew: Crew) -> None:
    """One 冲正 by the community's staff: a resident's award taken back, with the reason,
    from someone whose balance still holds it (not one of the named logins)."""
    awards = (
        Award.objects.filter(task__community_path=community.path, unit__isnull=True)
        .exclude(user__username__startswith=f"{NAMED.get(community.code, '-')}_")
        .select_related("user")
        .order_by("-at", "-id")
    )
    for award in awards[:50]:
        account = points.account_for_user(award.user)
        if account.balance >= award.points:
            points.reverse(
                crew.staff,
                award.transaction_id,
                "经核查，该任务实际由物业保洁人员完成，误记为居民完成，予以冲正",
            )
            return


def _cancelled(community: Area, crew: Crew) -> None:
    """A task drawn up and cancelled before publication, with the reason."""
    task, _ = tasks.create_task(
        crew.staff,
        tasks.TaskInput(
            title="清理楼道堆放杂物",
            description=f"{community.name}清理楼道堆放杂物，消除消防隐患",
            category="other",
            difficulty=Difficulty.EASY,
            places=3,
            deadline=timezone.now() + timedelta(days=10),
            area=community.code,
        ),
    )
    tasks.transition_task(crew.staff, task.pk, "cancel", "物业已安排保洁统一清理，任务取消")


def _named_now(community: Area, admin: User, crew: Crew) -> None:
    """What the community's named logins find on their first screen: a task aimed at the
    unit and one at the team, open for 接单 and told to them when published; the party
    member's service points this quarter and an order on its way."""
    named = _named(community)
    staff = crew.staff
    deadline = timezone.now() + timedelta(days=10)
    unit = PartnerUnit.objects.get(area=community, name=NAMED_UNIT)
    team = ServiceTeam.objects.get(area=community, name=f"{community.name}{NAMED_TEAM}")
    aimed = [
        ("power_maintenance", "小区配电设备运维检查", Difficulty.HARD, [unit.pk], []),
        ("moving", "协助社区搬运慰问物资", Difficulty.NORMAL, [], [team.pk]),
    ]
    for category, title, difficulty, to_units, to_teams in aimed:
        task, _ = tasks.create_task(
            staff,
            tasks.TaskInput(
                title=title,
                description=f"{community.name}{title}（定向）",
                category=category,
                difficulty=difficulty,
                places=2,
                deadline=deadline,
                area=community.code,
                audience=Audience.TARGETED,
                target_units=to_units,
                target_teams=to_teams,
            ),
        )
        tasks.transition_task(staff, task.pk, "publish")
    party = named.get("party")
    if party is None:
        return
    points.record_service(
        staff,
        points.ServiceInput(
            member=party.pk, kind=ServiceKind.ERRAND, note="为行动不便的老人代办医保续缴", points=5
        ),
    )
    _top_up(admin, party)
    items = StoreItem.objects.filter(
        area_path__in=[community.path, community.path.rsplit("/", 2)[0] + "/"], price__lte=60
    ).order_by("price", "id")
    for item in items:
        try:
            order, _ = points.redeem(party, points.OrderInput(item=item.pk))
        except points.Refused:  # over this window's limit: the next item
            continue
        points.transition_order(staff, order.pk, points.OrderTransitionInput(action="pack"))
        points.transition_order(
            staff,
            order.pk,
            points.OrderTransitionInput(action="ship", courier="中国邮政", tracking_no="9800098765432"),
        )
        return


# In-service party members (在职党员) of the next community who report to the first one
# (双报到), with the offices they work in.
DUAL_UNITS = ("区住房城乡建委", "区人民医院")


def _dual(communities: list[Area], crews: dict[str, Crew], claimants: dict[int, list[User]]) -> None:
    """双报到: two party members living in the street's second community, registered by the
    first one's staff to report there; the first has claimed one of its open tasks."""
    from shequ.core.errors import DomainError
    from shequ.party.services import register_dual

    if len(communities) < 2:
        return
    here, home = communities[0], communities[1]
    staff = crews[here.path].staff
    members = [u for u in claimants[home.pk] if u.resident is not None and u.resident.party_member_kind]
    for user, unit in zip(members, DUAL_UNITS, strict=False):
        register_dual(staff, here.code, user.username, unit)
    if not members:
        return
    member = members[0]
    open_tasks = Task.objects.filter(
        community_path=here.path, status=TaskStatus.PUBLISHED, audience="public", filled__lt=F("places")
    ).exclude(claims__user=member)
    for task in open_tasks.order_by("id")[:5]:
        try:
            tasks.claim_task(member, task.pk)
        except DomainError:
            continue  # its deadline passed, or another claimed the last place: the next
        break


def build(street: Area, admin: User, crews: dict[str, Crew], rng: random.Random) -> None:
    """Everything above for 龙滩子街道 (``street``): the street's admin stocks the street's
    store and approves the lists; each community's crew (shequ.demo.crew) does the rest."""
    communities = list(Area.objects.filter(parent=street, kind=AreaKind.COMMUNITY).order_by("code"))
    with transaction.atomic():
        units = _resources(communities, crews, rng)
    for name, price, stock, limit, level in ITEMS:
        target = street if level == "街道" else communities[0]
        points.create_item(
            admin,
            points.ItemInput(name=name, price=price, stock=stock, per_person_limit=limit, area=target.code),
        )
    for community in communities[1:]:
        points.create_item(
            admin,
            points.ItemInput(name="抽纸 10包", price=30, stock=300, per_person_limit=3, area=community.code),
        )
    claimants = {c.pk: _claimants(c, 24, rng) for c in communities}
    party = _named(communities[0]).get("party")
    if party is not None:  # 亮身份、领任务: a year of claims and service points
        claimants[communities[0].pk].insert(0, party)
    proof_photos = [proofs.store(p) for p in proofs.prepare([_photo(rng) for _ in range(3)])]
    with transaction.atomic():  # one commit for the year, not one per row
        _history(communities, admin, crews, claimants, units, proof_photos, rng)
    resident = User.objects.filter(username="longtanyuan_resident").first()
    if resident is not None:  # the demo resident's balance carried over from 云号手
        points.opening_balance(admin, resident, 80, "期初积分（云号手平台结转）")
    _reversal(communities[0], crews[communities[0].path])
    _lists_now(communities, admin, crews, rng)
    _cancelled(communities[0], crews[communities[0].path])
    for n, community in enumerate(communities):
        _today(
            community, admin, crews[community.path], claimants[community.pk], rng, count=6 if n == 0 else 3
        )
    _named_now(communities[0], admin, crews[communities[0].path])
    _dual(communities, crews, claimants)
