"""The `shequ` console script for operators: `shequ demo load`, `shequ areas import ...`,
`shequ user add ...`, and every Django management command (`shequ migrate`)."""

import os
import sys

from django.core.exceptions import ImproperlyConfigured


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    from django.conf import settings
    from django.core.management import execute_from_command_line

    from shequ.core.keycheck import refuse_wrong_key

    try:
        # Settings are read first, here: a bad variable is then one line naming it, not
        # the 50-line traceback Django prints from inside the command.
        settings.INSTALLED_APPS  # noqa: B018
        refuse_wrong_key()  # a worker or cron job without the production key must not run
        execute_from_command_line(["shequ", *sys.argv[1:]])
    except ImproperlyConfigured as exc:
        print(f"配置错误：{exc}（见 docs/operations.md 的环境变量一节）", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
