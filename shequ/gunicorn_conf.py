"""gunicorn's settings for Shequ: ``gunicorn -c python:shequ.gunicorn_conf shequ.wsgi``
(the Makefile and docs/operations.md run it so).

The access log leaves out query strings and the referrer. Search boxes put names, phone
and ID numbers into URLs (a search is a GET), and Open311 clients send their api_key in
theirs: a log line is kept, copied and shipped far more widely than the database. The
method, path, status, size and time are what running the service needs."""

accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
