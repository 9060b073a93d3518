"""Shequ's settings plus one bare endpoint, for the create-throughput baseline."""

from shequ.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls_bare"
