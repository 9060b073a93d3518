from django.apps import AppConfig


class AreasConfig(AppConfig):
    name = "shequ.areas"
    label = "areas"
    verbose_name = "区域"

    def ready(self) -> None:
        from shequ.areas import geo

        geo.connect_signals()
