import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from shequ.problems import services


def jpeg(name="photo.jpg", size=(64, 48), gps=False):
    image = Image.new("RGB", size, (200, 80, 40))
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    if gps:
        exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0), 3: "E", 4: (116.0, 23.0, 0.0)}
    image.save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def grid_point(world, key="A1-1"):
    ring = world.areas[key].geometry["coordinates"][0]
    return (ring[0][0] + ring[1][0]) / 2, (ring[0][1] + ring[2][1]) / 2


def report(world, actor=None, category="blocked_drain", key="A1-1", **kw):
    lon, lat = grid_point(world, key)
    kw.setdefault("description", "楼道下水管堵塞，污水外溢")
    data = services.ReportInput(category=category, lon=lon, lat=lat, **kw)
    problem, _ = services.report_problem(actor or world.resident_wang, data)
    return problem


def act(world, user, problem, action, **kw):
    return services.transition(user, problem.pk, services.TransitionInput(action=action, **kw))


def verified(world):
    """A resident's report taken through to 已结案 by community A1's staff, waiting for
    the reporter's rating."""
    staff = world.users["community_staff@A1"]
    p = report(world)
    for action in ("accept", "dispatch", "start"):
        act(world, staff, p, action)
    act(world, staff, p, "report_back", note="完成", photos=[jpeg()])
    return act(world, world.secretary_zhang, p, "verify_pass")
