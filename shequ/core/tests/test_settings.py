import os
import stat
import subprocess
import sys

import pytest

SETUP = "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'shequ.settings'); django.setup()"


def start(*argv: str, **env):
    """Python with these SHEQU_ variables only: ``argv``, or else the settings loaded."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SHEQU_")}
    return subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, *(argv or ("-c", SETUP))],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SHEQU_ENV": "staging"}, "SHEQU_ENV='staging' is not one of"),
        ({"SHEQU_ENV": "production"}, "SHEQU_SECRET_KEY must be set"),
        ({"SHEQU_ENV": "production", "SHEQU_SECRET_KEY": "x" * 50}, "SHEQU_FIELD_KEY must be set"),
        ({"SHEQU_ENV": "production", "SHEQU_SECRET_KEY": "x"}, "must be at least 32 characters"),
        ({"SHEQU_FIELD_KEY": "not base64!"}, "SHEQU_FIELD_KEY is not valid base64"),
        ({"SHEQU_FIELD_KEY": "c2hvcnQ="}, "must decode to 32 bytes"),
        ({"SHEQU_DEBUG": "maybe"}, "SHEQU_DEBUG='maybe' is not a boolean"),
        # Django's debug pages show tracebacks with their variables (a decrypted ID number
        # in an unmask), the SQL and the settings to whoever meets an error.
        (
            {
                "SHEQU_ENV": "production",
                "SHEQU_SECRET_KEY": "x" * 50,
                "SHEQU_FIELD_KEY": "A" * 43 + "=",
                "SHEQU_DEBUG": "1",
            },
            "SHEQU_DEBUG must be off when SHEQU_ENV=production",
        ),
        ({"SHEQU_CONN_MAX_AGE": "ten"}, "SHEQU_CONN_MAX_AGE='ten' is not a whole number"),
        ({"SHEQU_DATABASE_URL": "mysql://x@y/z"}, "must name sqlite:// or postgres://"),
        ({"SHEQU_LOG_LEVEL": "loud"}, "SHEQU_LOG_LEVEL='loud' is not one of DEBUG, INFO"),
        ({"SHEQU_VAR_DIR": "/proc/shequ-var"}, "SHEQU_VAR_DIR='/proc/shequ-var' cannot be created"),
    ],
)
def test_a_bad_setting_stops_the_start_with_its_name(env, message):
    result = start(**env)
    assert result.returncode != 0
    assert message in result.stderr


def test_good_settings_start():
    assert start(SHEQU_FIELD_KEY="A" * 43 + "=").returncode == 0


def test_without_a_key_a_development_start_signs_with_the_development_key():
    # A laptop or the test run sets no SHEQU_SECRET_KEY: sessions (every login) need a key.
    result = start("-c", SETUP + "; from django.conf import settings; print(bool(settings.SECRET_KEY))")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_a_lower_case_log_level_is_taken():
    result = start(SHEQU_LOG_LEVEL="info")
    assert result.returncode == 0, result.stderr


def test_a_missing_var_dir_is_made_private_and_the_database_opens(tmp_path):
    """A fresh clone has no var/: `shequ migrate` failed with "unable to open database file"."""
    var = tmp_path / "srv" / "var"
    script = f"{SETUP}; from django.db import connection; connection.ensure_connection()"
    result = start("-c", script, SHEQU_VAR_DIR=str(var))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    assert stat.S_IMODE((var / "shequ.sqlite3").stat().st_mode) == 0o600


def test_the_console_script_names_a_bad_setting_in_one_line():
    result = start("-m", "shequ.cli", "check", "--deploy", SHEQU_ENV="production")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "配置错误：SHEQU_SECRET_KEY must be set when SHEQU_ENV=production（见 docs/operations.md 的环境变量一节）"  # noqa: E501
    ]


def test_the_web_server_names_a_bad_setting_in_one_line():
    """Gunicorn imports shequ.wsgi: a bad setting was a 60-line traceback in its log."""
    result = start("-c", "import shequ.wsgi", SHEQU_ENV="production")
    assert result.returncode == 3  # gunicorn's "worker failed to boot": it stops
    assert result.stderr.strip().splitlines() == [
        "配置错误：SHEQU_SECRET_KEY must be set when SHEQU_ENV=production（见 docs/operations.md 的环境变量一节）"  # noqa: E501
    ]
