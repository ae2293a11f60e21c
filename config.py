"""Configuration read from environment variables, with safe defaults.

Every setting here can be overridden by an environment variable of the same
name (see README.md). `create_app(test_config)` applies a mapping on top.
"""

import os
from datetime import timedelta


def _env_flag(name: str, default: bool = False) -> bool:
    """Read a yes/no environment variable ("1", "true", "yes", "on" mean yes)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    """Read an integer environment variable, failing loudly on a bad value."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise RuntimeError(f"{name} must be an integer, got {value!r}") from None


class Config:
    """Settings shared by every environment."""

    # "development" generates a SECRET_KEY into the instance folder when none is
    # set; anything else ("production", the default) refuses to start without one.
    CATALOG_ENV = os.environ.get("CATALOG_ENV", "production")
    SECRET_KEY = os.environ.get("SECRET_KEY")

    # None means an SQLite file in the instance folder, chosen by the app factory.
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    CATALOG_NAME = os.environ.get("CATALOG_NAME", "Image catalog")
    PAGE_SIZE = _env_int("PAGE_SIZE", 20)
    MAX_PAGE_SIZE = _env_int("MAX_PAGE_SIZE", 100)

    # Number of reverse proxies in front of the app whose X-Forwarded-* headers
    # are trusted. 0 ignores those headers.
    TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)
    # Host names the app accepts requests for, comma-separated (Flask's TRUSTED_HOSTS).
    # Absolute URLs such as the API's `next` are built from the request's
    # host, so production should list its names; other hosts get a 400.
    TRUSTED_HOSTS = [
        host.strip() for host in os.environ.get("TRUSTED_HOSTS", "").split(",") if host.strip()
    ] or None

    # Requests larger than this get 413. An icon may be 1 MiB; the rest is
    # room for the other form fields.
    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 2 * 1024 * 1024)
    MAX_ICON_BYTES = 1024 * 1024

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_flag("SESSION_COOKIE_SECURE")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _env_flag("SESSION_COOKIE_SECURE")
    REMEMBER_COOKIE_DURATION = timedelta(days=_env_int("REMEMBER_DAYS", 14))
    PERMANENT_SESSION_LIFETIME = timedelta(hours=_env_int("SESSION_HOURS", 12))

    # Flask-Limiter keeps its counters here. "memory://" is per process; set a
    # redis:// URI when more than one app server runs.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # If that storage is unreachable, count in this process's memory (and
    # log it) rather than fail every login with a 500.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per 5 minutes")

    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
