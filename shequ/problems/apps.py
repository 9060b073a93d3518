from django.apps import AppConfig


class ProblemsConfig(AppConfig):
    name = "shequ.problems"
    label = "problems"
    verbose_name = "问题清单"
