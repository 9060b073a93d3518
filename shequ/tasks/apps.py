from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "shequ.tasks"
    label = "tasks"
    verbose_name = "任务清单与资源清单"
