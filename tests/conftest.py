"""Fixtures: the app on a real SQLite file and, when TEST_DATABASE_URL is set, on PostgreSQL.

Every test that uses `app` runs once per backend. The schema is built by the
migrations, once per backend per run, and emptied after each test.
"""

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, text

from catalog import clock, create_app, operations
from catalog.extensions import db
from catalog.models import Image, Provider, User, Version

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Return the URL of an empty database of one backend, upgraded by the migrations."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'catalog.sqlite3'}"
    else:
        url = os.environ.get("TEST_DATABASE_URL", "")
        if not url.startswith("postgresql"):
            pytest.skip("PostgreSQL tests need TEST_DATABASE_URL=postgresql+psycopg://...")
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test", "TESTING": True})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


def empty_database() -> None:
    """Delete every row of every table (the schema stays)."""
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{table.name}"' for table in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    """Return the app bound to the backend's database, emptied after the test."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret-key",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SERVER_NAME": None,
        }
    )
    with app.app_context():
        yield app
        db.session.rollback()
        empty_database()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def frozen_now() -> Iterator[datetime]:
    """Freeze the catalog's clock at a fixed moment for the test."""
    moment = datetime(2026, 6, 1, 12, 0, 0, 500_000, tzinfo=UTC)
    with clock.frozen_at(moment):
        yield moment


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    """Return a function that adds a user (without a password) and commits."""

    def make(username: str = "alice", **fields: Any) -> User:
        user = operations.find_user(username)
        if user is None:
            user = operations.create_user(username, **fields)
            db.session.commit()
        return user

    return make


@pytest.fixture
def make_provider(app: Flask) -> Callable[..., Provider]:
    """Return a function that adds a provider and commits."""

    def make(provider_id: int = 1, name: str | None = None) -> Provider:
        provider = db.session.get(Provider, provider_id)
        if provider is None:
            provider = operations.create_provider(provider_id, name)
            db.session.commit()
        return provider

    return make


@pytest.fixture
def make_image(
    app: Flask, make_user: Callable[..., User], make_provider: Callable[..., Provider]
) -> Callable[..., Image]:
    """Return a function that adds an image with one version and commits.

    Keyword arguments override the image's fields; `tags` is a list of names,
    `versions` a list of dicts with Version fields (provider_id defaults to 1).
    """
    counter = iter(range(1, 1_000_000))

    def make(
        name: str | None = None,
        *,
        creator: str = "alice",
        tags: list[str] | None = None,
        versions: list[dict[str, Any]] | None = None,
        **fields: Any,
    ) -> Image:
        number = next(counter)
        user = make_user(creator)
        start = fields.pop("start_date", datetime(2020, 1, 1, tzinfo=UTC) + timedelta(days=number))
        image = Image(
            id=fields.pop("id", str(uuid.uuid4())),
            name=name or f"Image {number}",
            description=fields.pop("description", f"Description of image {number}"),
            creator=user,
            start_date=start,
            private=fields.pop("private", False),
            **fields,
        )
        db.session.add(image)
        operations.set_tags(image, operations.resolve_tags(tags or []))
        for spec in versions if versions is not None else [{}]:
            provider = make_provider(spec.pop("provider_id", 1))
            image.versions.append(
                Version(
                    alias=spec.pop("alias", str(uuid.uuid4())),
                    version=spec.pop("version", "1.0"),
                    start_date=spec.pop("start_date", start),
                    provider=provider,
                    **spec,
                )
            )
        operations.refresh_search_fields(image)
        db.session.commit()
        return image

    return make


@pytest.fixture
def login(app: Flask, make_user: Callable[..., User]) -> Callable[..., User]:
    """Return a function that logs a test client in as a user, without the login form.

    The user gets a placeholder password hash so that the account is active;
    tests of the login form itself live in test_auth.py.
    """

    def log_in(client: FlaskClient, username: str = "alice", **fields: Any) -> User:
        user = make_user(username, **fields)
        user.password_hash = user.password_hash or "unused"
        db.session.commit()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return user

    return log_in


@pytest.fixture
def count_queries(app: Flask) -> Callable[[], Any]:
    """Return a context manager that counts the SQL statements run inside it."""

    @contextmanager
    def counting() -> Iterator[list[str]]:
        statements: list[str] = []

        def before_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before_execute)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", before_execute)

    return counting
