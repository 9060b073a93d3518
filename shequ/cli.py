"""The `shequ` console script for operators: `shequ demo load`, `shequ areas import ...`,
`shequ user add ...`, and every Django management command (`shequ migrate`)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    from django.core.management import execute_from_command_line

    from shequ.core.keycheck import refuse_wrong_key

    refuse_wrong_key()  # a worker or cron job without the production key must not run
    execute_from_command_line(["shequ", *sys.argv[1:]])


if __name__ == "__main__":
    main()
