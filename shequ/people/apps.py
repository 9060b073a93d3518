from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "shequ.people"
    label = "people"
    verbose_name = "人口"
