import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
try:
    application = get_wsgi_application()
    # Gunicorn runs no system checks: refuse here to serve a database sealed under another key.
    from shequ.core.keycheck import check_at_start

    check_at_start()
except ImproperlyConfigured as exc:
    # One line naming the setting in gunicorn's log, as the `shequ` script says it, not a
    # traceback of Django's start-up. Status 3 is gunicorn's "worker failed to boot": it
    # stops then, where any other status has it boot the worker again and again.
    print(f"配置错误：{exc}（见 docs/operations.md 的环境变量一节）", file=sys.stderr)
    raise SystemExit(3) from None
