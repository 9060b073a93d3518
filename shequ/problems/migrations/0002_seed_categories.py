"""The starting catalogue of problem categories, taken from the examples in seed article
004_6e582914e595eab2.txt (龙滩子街道): 邻里矛盾、垃圾清运 are solved inside the estate;
管道堵塞、化粪池清淤 by the community with the department concerned; 就业、社保、低保、养老
policy questions by the community's full-time staff; 物业管理、饮用水质量、消防通道整改 are
coordinated by the secretary with the street (joint meeting); 整治河道、森林防火通道、
市政道路扩建 belong to departments. The catalogue is editable afterwards.

Frozen here as written; the catalogue is edited afterwards through the pages, the admin or
`save_category`, never by changing this list."""

from django.db import migrations

# code, name, level, ledger type, deadline class, responsible role
CATEGORIES = [
    ("neighbour_dispute", "邻里矛盾", "estate", "neighbour", "general", "grid_leader"),
    ("garbage", "垃圾清运", "estate", "property", "utilities", "grid_leader"),
    ("blocked_drain", "管道堵塞", "community", "property", "utilities", "community_staff"),
    ("septic_tank", "化粪池清淤", "community", "property", "general", "community_staff"),
    ("employment_policy", "就业政策咨询", "community", "livelihood", "general", "full_time_staff"),
    ("social_security_policy", "社保政策咨询", "community", "livelihood", "general", "full_time_staff"),
    ("subsistence_policy", "低保政策咨询", "community", "livelihood", "general", "full_time_staff"),
    ("pension_policy", "养老政策咨询", "community", "livelihood", "general", "full_time_staff"),
    ("property_management", "物业管理", "street", "property", "complex", "secretary"),
    ("drinking_water", "饮用水质量", "street", "livelihood", "utilities", "secretary"),
    ("fire_lane", "消防通道整改", "street", "safety", "complex", "secretary"),
    ("river_management", "整治河道", "department", "safety", "complex", "department"),
    ("forest_fire_lane", "森林防火通道", "department", "safety", "complex", "department"),
    ("road_expansion", "市政道路扩建", "department", "livelihood", "complex", "department"),
    ("hotline_order", "12345热线诉求", "community", "hotline", "general", "community_staff"),
    ("safety_hazard", "安全隐患", "community", "safety", "emergency", "community_staff"),
]


def forwards(apps, schema_editor):
    category = apps.get_model("problems", "ProblemCategory")
    for sort, (code, name, level, ledger, deadline, role) in enumerate(CATEGORIES):
        category.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "handling_level": level,
                "ledger_type": ledger,
                "deadline_class": deadline,
                "responsible_role": role,
                "sort": sort,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("problems", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
