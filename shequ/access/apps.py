from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "shequ.access"
    label = "access"
    verbose_name = "账号与权限"

    def ready(self) -> None:
        from shequ.access import signals  # noqa: F401
