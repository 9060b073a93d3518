import struct
from datetime import timedelta

from django.utils import timezone

from shequ.tasks import services


def task_body(world, **kw):
    """A JSON body for POST /api/v1/tasks/; ``kw`` replaces or adds fields."""
    return {
        "title": "更换楼道灯泡",
        "description": "2单元3楼楼道灯不亮",
        "category": "replace_bulb",
        "difficulty": "normal",
        "places": 1,
        "deadline": (timezone.now() + timedelta(days=3)).isoformat(),
        "area": world.areas["A1-1"].code,
        **kw,
    }


def make_task(world, actor=None, key="A1-1", publish=True, **kw):
    data = {
        "title": "更换楼道灯泡",
        "description": "3单元2楼楼道灯泡坏了，需要更换",
        "category": "replace_bulb",
        "difficulty": "easy",
        "places": 2,
        "deadline": timezone.now() + timedelta(days=7),
        "area": world.areas[key].code,
    }
    data.update(kw)
    task, _ = services.create_task(actor or world.secretary_zhang, services.TaskInput(**data))
    if publish:
        task = services.transition_task(actor or world.secretary_zhang, task.pk, "publish")
    return task


def task_input(task, **kw):
    """What the task editor sends for ``task`` as it stands; ``kw`` changes fields."""
    data = {
        "title": task.title,
        "description": task.description,
        "category": task.category,
        "difficulty": task.difficulty,
        "places": task.places,
        "deadline": task.deadline,
        "area": task.area.code,
        **kw,
    }
    return services.TaskInput(**data)


def submitted_list(world):
    """Next month's list of community A1, with one draft task, sent to the street."""
    today = timezone.localdate()
    monthly = services.create_monthly_list(
        world.secretary_zhang,
        world.areas["A1"].code,
        f"{today + timedelta(days=1):%Y%m}",
        publish_on=today + timedelta(days=1),
    )
    make_task(world, publish=False, monthly_list=monthly.pk, deadline=timezone.now() + timedelta(days=10))
    services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    return monthly


def staff_living_at(world, username, resident_key, role="grid_worker", area_key="A1-1"):
    """A staff login that works at ``area_key`` and is linked to the registry record of
    ``resident_key``: it claims public tasks where that resident lives, as any resident."""
    from shequ.access.services import add_user

    return add_user(
        username,
        "pass-2026-xyz",
        role=role,
        area_code=world.areas[area_key].code,
        resident=world.residents[resident_key],
        check_password=False,
    )


def act(user, claim, action, **kw):
    return services.transition_claim(user, claim.pk, services.ClaimActionInput(action=action, **kw))


def prove(user, claim, note="已更换，灯亮了"):
    from shequ.problems.tests.helpers import jpeg

    return act(user, claim, "submit", note=note, files=[jpeg()])


def unit_with_member(world, name="区供电所"):
    """A department of community A1 with the partner-unit login of A1 as its member."""
    unit = services.add_unit(
        world.secretary_zhang,
        services.UnitInput(name=name, kind="department", area=world.areas["A1"].code),
    )
    partner = world.users["partner_unit@A1"]
    services.add_unit_member(world.secretary_zhang, unit.pk, partner)
    return unit, partner


def another_member(world, unit, username, display_name):
    """A further partner-unit login of community A1, added to ``unit``."""
    from shequ.access.services import add_user

    other = add_user(
        username,
        "x",
        role="partner_unit",
        area_code=world.areas["A1"].code,
        display_name=display_name,
        check_password=False,
    )
    services.add_unit_member(world.secretary_zhang, unit.pk, other)
    return other


def unit_task(world, unit, **kw):
    """A published task of community A1 targeted at ``unit``."""
    data = {
        "title": "配电箱检修",
        "category": "power_maintenance",
        "audience": "targeted",
        "target_units": [unit.pk],
    }
    return make_task(world, key="A1", **{**data, **kw})


def unit_task_accepted(world):
    """A unit task claimed by the unit's member, proved and accepted: (unit, member, task)."""
    unit, partner = unit_with_member(world)
    task = unit_task(world, unit)
    claim = prove(partner, services.claim_task(partner, task.pk))
    act(world.secretary_zhang, claim, "accept")
    return unit, partner, task


LOCATION = b"+31.2304+121.4737/"
SAMPLES = (b"FRAME-ONE-", b"FRAME-TWO-")


def box(kind: bytes, payload: bytes, *, large: bool = False) -> bytes:
    if large:  # size 1: the real size follows as 64 bits
        return struct.pack(">I4sQ", 1, kind, 16 + len(payload)) + payload
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def mp4(location: bytes = LOCATION, *, fast_start: bool = True) -> bytes:
    """A small MP4 as a phone writes it: the place it was shot in moov/udta ©xyz, in
    moov/meta (Apple's ISO6709 key) and in a track's udta; two tracks whose chunk
    offsets (stco, co64) point at their sample in mdat."""
    xyz = box(b"\xa9xyz", struct.pack(">HH", len(location), 0x15C7) + location)
    key = b"mdtacom.apple.quicktime.location.ISO6709"
    meta = box(
        b"meta",
        b"\0\0\0\0"
        + box(b"hdlr", b"\0" * 8 + b"mdta" + b"\0" * 13)
        + box(b"keys", struct.pack(">II", 0, 1) + struct.pack(">I", 4 + len(key)) + key)
        + box(b"ilst", box(b"\0\0\0\1", box(b"data", struct.pack(">II", 1, 0) + location))),
    )

    def moov(offsets: tuple[int, int]) -> bytes:
        def trak(table: bytes, extra: bytes) -> bytes:
            stbl = box(b"stbl", box(b"stsd", b"\0" * 8) + table)
            minf = box(b"minf", box(b"dinf", box(b"dref", b"\0" * 8)) + stbl)
            mdia = box(
                b"mdia", box(b"mdhd", b"\0" * 24) + box(b"hdlr", b"\0" * 8 + b"vide" + b"\0" * 13) + minf
            )
            return box(
                b"trak", box(b"tkhd", b"\0" * 84) + box(b"edts", box(b"elst", b"\0" * 8)) + mdia + extra
            )

        stco = box(b"stco", struct.pack(">III", 0, 1, offsets[0]))
        co64 = box(b"co64", struct.pack(">IIQ", 0, 1, offsets[1]))
        return box(
            b"moov",
            box(b"mvhd", b"\0" * 100)
            + trak(stco, box(b"udta", xyz, large=True))
            + trak(co64, box(b"meta", b"\0\0\0\0" + box(b"ilst", location)))
            + box(b"udta", xyz)
            + meta,
        )

    ftyp = box(b"ftyp", b"isom\0\0\2\0isomiso2avc1mp41")
    mdat = box(b"mdat", b"".join(SAMPLES))
    size = len(moov((0, 0)))
    if fast_start:
        first = len(ftyp) + size + 8
        return ftyp + moov((first, first + len(SAMPLES[0]))) + mdat
    first = len(ftyp) + 8
    return ftyp + mdat + moov((first, first + len(SAMPLES[0])))
