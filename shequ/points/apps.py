from django.apps import AppConfig


class PointsConfig(AppConfig):
    name = "shequ.points"
    label = "points"
    verbose_name = "积分与兑换"
