"""Settings of the example project: Django's database, and the library's store on a file of its own."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

HERE = Path(__file__).resolve().parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(32)
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
ROOT_URLCONF = "examples.django_project.urls"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "examples.django_project.onboarding",
]
MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware"]
USE_TZ = True

# Django's own database: the sessions live here, and Django's TestCase wraps it
# in a transaction per test.
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DJANGO_DATABASE", str(HERE / "django.sqlite3")),
    }
}

# The library's store: another file (or a PostgreSQL URL), never Django's
# database, which the library reaches through SQLAlchemy on its own connections.
# Sharing one SQLite file would make each wait for the other's write lock.
CHORUS_ONBOARDING_DATABASE = os.environ.get(
    "CHORUS_ONBOARDING_DATABASE", str(HERE / "onboarding.sqlite3")
)
# Derives the emailed links: the same in every process, the relay worker's included.
CHORUS_ONBOARDING_SECRET_KEY = os.environ.get("CHORUS_ONBOARDING_SECRET_KEY") or SECRET_KEY
# The portal's code emailed at each login (POST /connexion, then /connexion/code).
CHORUS_ONBOARDING_LOGIN_CODE = os.environ.get("CHORUS_ONBOARDING_LOGIN_CODE") == "1"
CHORUS_ONBOARDING_PORTAL_URL = os.environ.get("PORTAL_URL", "http://127.0.0.1:8000")
