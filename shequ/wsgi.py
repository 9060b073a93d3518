import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
application = get_wsgi_application()

# Gunicorn runs no system checks: refuse here to serve a database sealed under another key.
from shequ.core.keycheck import check_at_start  # noqa: E402 - needs the apps loaded above

check_at_start()
