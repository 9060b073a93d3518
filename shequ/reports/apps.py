from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "shequ.reports"
    label = "reports"
    verbose_name = "统计"
