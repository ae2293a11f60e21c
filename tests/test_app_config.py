"""The app factory's configuration: database default, secret key, proxies."""

import pytest

from catalog import create_app


@pytest.fixture
def instance_env(monkeypatch, tmp_path):
    """Point the app's instance folder at a temporary one."""
    monkeypatch.setattr("catalog.ROOT", tmp_path)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    return tmp_path


def test_production_refuses_to_start_without_secret_key(instance_env):
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app({"CATALOG_ENV": "production", "SECRET_KEY": None})


def test_development_generates_secret_key_once(instance_env):
    first = create_app({"CATALOG_ENV": "development", "SECRET_KEY": None})
    second = create_app({"CATALOG_ENV": "development", "SECRET_KEY": None})

    key_file = instance_env / "instance" / "secret_key"
    assert key_file.exists()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert len(first.config["SECRET_KEY"]) == 64
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]


def test_default_database_is_sqlite_in_instance_folder(instance_env):
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": None})

    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        f"sqlite:///{instance_env / 'instance' / 'catalog.sqlite3'}"
    )


def test_session_cookie_defaults(instance_env):
    app = create_app({"SECRET_KEY": "x"})

    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
