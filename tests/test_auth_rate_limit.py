"""Failed logins are rate-limited per client address and per username, in memory or in Redis."""

import os
import re
import uuid

import pytest

from catalog import accounts, create_app
from catalog.extensions import db, limiter

PASSWORD = "correct horse battery"
TOO_MANY = re.compile(r"Too many login attempts\. Try again in (\d+) seconds\.")


def make_limited_app(app, storage_uri):
    """Return a second app on `app`'s database with rate limiting on, at 3 failures per hour."""
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": "test-secret-key",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": storage_uri,
            "LOGIN_RATE_LIMIT": "3 per hour",
        }
    )


@pytest.fixture
def limited_app(app):
    """Return an app with in-memory rate limiting; `app` empties the database afterwards."""
    limited = make_limited_app(app, "memory://")
    with limited.app_context():
        accounts.create_account("rosa", PASSWORD)
        accounts.create_account("sam", PASSWORD)
        db.session.commit()
        yield limited
        db.session.remove()
        db.engine.dispose()


def log_in(client, username="rosa", password=PASSWORD, address="10.0.0.1"):
    return client.post(
        "/login",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def check_blocked(response):
    assert response.status_code == 429
    assert response.headers["Content-Type"].startswith("text/html")
    match = TOO_MANY.search(response.text)
    assert match is not None
    assert 1 <= int(match.group(1)) <= 3600
    assert response.headers["Retry-After"] == match.group(1)
    assert 'name="username"' in response.text


def test_failures_per_username_blocked(limited_app):
    client = limited_app.test_client()
    for attempt in range(3):
        response = log_in(client, password="wrong", address=f"10.0.1.{attempt}")
        assert response.status_code == 200

    blocked = log_in(client, address="10.0.1.99")

    check_blocked(blocked)
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_username_limit_ignores_case(limited_app):
    client = limited_app.test_client()
    for attempt, name in enumerate(["rosa", "ROSA", "Rosa"]):
        log_in(client, username=name, password="wrong", address=f"10.0.2.{attempt}")

    check_blocked(log_in(client, address="10.0.2.99"))


def test_failures_per_client_blocked(limited_app):
    client = limited_app.test_client()
    for name in ["nobody", "rosa", "someone"]:
        assert log_in(client, username=name, password="wrong").status_code == 200

    check_blocked(log_in(client, username="sam"))
    assert log_in(client, username="sam", address="10.0.3.1").status_code == 302


def test_other_usernames_and_clients_unaffected(limited_app):
    client = limited_app.test_client()
    for attempt in range(3):
        log_in(client, password="wrong", address=f"10.0.4.{attempt}")

    assert log_in(client, username="sam", address="10.0.4.50").status_code == 302


def test_successful_logins_not_counted(limited_app):
    client = limited_app.test_client()
    for _ in range(5):
        assert log_in(client).status_code == 302
        client.post("/logout")

    assert log_in(client, password="wrong").status_code == 200
    assert log_in(client).status_code == 302


def test_login_page_get_not_limited(limited_app):
    client = limited_app.test_client()
    for _ in range(3):
        log_in(client, password="wrong")

    assert client.get("/login", environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 200


def close_limiter_storage():
    """Close the Redis connections of the limiter's storage instead of leaving them to GC."""
    client = limiter.limiter.storage.storage
    client.close()
    client.connection_pool.disconnect()


def test_rate_limit_in_redis(app):
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("set TEST_REDIS_URL=redis://127.0.0.1:6379/0 to test Redis storage")
    # Redis keeps counters between runs, and Flask-Limiter keeps the key prefix
    # of the first app of the process, so this run uses its own username and addresses.
    username = f"rosa-{uuid.uuid4().hex[:12]}"
    network = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    first = make_limited_app(app, url)
    with first.app_context():
        accounts.create_account(username, PASSWORD)
        db.session.commit()
        for attempt in range(2):
            response = log_in(
                first.test_client(), username, password="wrong", address=f"{network}.{attempt}"
            )
            assert response.status_code == 200
        db.session.remove()
        db.engine.dispose()
    close_limiter_storage()

    # A second app server sharing the Redis counters, as behind a load balancer.
    # Its in-process limiter starts afresh, so only Redis carries the first two failures.
    second = make_limited_app(app, url)
    with second.app_context():
        client = second.test_client()
        response = log_in(client, username, password="wrong", address=f"{network}.2")
        assert response.status_code == 200

        check_blocked(log_in(client, username, address=f"{network}.3"))
        db.session.remove()
        db.engine.dispose()
    close_limiter_storage()


def test_unreachable_storage_does_not_break_login(app):
    # Port 1 on the loopback address: nothing listens there, so every Redis call fails.
    limited = make_limited_app(app, "redis://127.0.0.1:1/0")
    with limited.app_context():
        accounts.create_account("rosa", PASSWORD)
        db.session.commit()
        client = limited.test_client()

        wrong = client.post("/login", data={"username": "rosa", "password": "wrong password"})
        right = client.post("/login", data={"username": "rosa", "password": PASSWORD})
        db.session.remove()
        db.engine.dispose()

    assert wrong.status_code == 200
    assert right.status_code == 302
