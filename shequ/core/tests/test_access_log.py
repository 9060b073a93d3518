"""The access log (shequ/gunicorn_conf.py) keeps no query string and no referrer: they
carry searched names and ID numbers, and Open311 keys."""

from types import SimpleNamespace

from gunicorn.config import Config
from gunicorn.glogging import Logger

from shequ import gunicorn_conf


def test_a_logged_line_has_the_path_but_not_the_query_or_the_referrer():
    cfg = Config()
    cfg.set("accesslog", gunicorn_conf.accesslog)
    cfg.set("access_log_format", gunicorn_conf.access_log_format)
    query = "q=110105194912310025&api_key=SECRET-TOKEN"
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/residents/?{query}",
        "PATH_INFO": "/residents/",
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": f"https://shequ.example/residents/?{query}",
        "HTTP_USER_AGENT": "test",
    }
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    response = SimpleNamespace(status="200 OK", sent=1234, headers=[], response_length=1234)
    atoms = Logger(cfg).atoms(response, request, environ, SimpleNamespace(seconds=0, microseconds=4200))
    line = cfg.access_log_format % atoms
    assert '"GET /residents/ HTTP/1.1" 200 1234 4ms' in line
    assert "1101051949" not in line and "SECRET" not in line and "?" not in line
