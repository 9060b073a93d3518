from django.apps import AppConfig


class PartyConfig(AppConfig):
    name = "shequ.party"
    label = "party"
    verbose_name = "党组织"
