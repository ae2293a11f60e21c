"""Login, logout, sessions, remember-me cookies, API tokens and CSRF."""

import json
import logging
import re

import pytest
from argon2 import PasswordHasher
from flask import g

from catalog import accounts
from catalog.auth import passwords
from catalog.auth.passwords import needs_rehash
from catalog.extensions import db
from catalog.models import User

PASSWORD = "correct horse battery"


@pytest.fixture
def make_account(app):
    """Return a function that adds a user who can log in with PASSWORD."""

    def make(username="rosa", *, is_staff=False):
        user = accounts.create_account(username, PASSWORD, is_staff=is_staff)
        db.session.commit()
        return user

    return make


@pytest.fixture
def private_image(make_account, make_image):
    """Return a private image created by the user "rosa", visible only to her (and staff)."""
    make_account("rosa")
    return make_image("Rosa's private image", creator="rosa", private=True)


def log_in(client, username="rosa", password=PASSWORD, **fields):
    return client.post("/login", data={"username": username, "password": password, **fields})


def sees_private_image(client, headers=None):
    """Return whether the client's cookies or `headers` authenticate as the image's creator."""
    body = client.get("/images", headers=headers or {}).get_json()
    return body["count"] == 1


def test_login_page_renders_form(client):
    response = client.get("/login")

    assert response.status_code == 200
    assert 'name="username"' in response.text
    assert 'name="password"' in response.text
    assert 'name="remember"' in response.text


def test_login_redirects_to_catalog(client, private_image):
    response = log_in(client)

    assert response.status_code == 302
    assert response.headers["Location"] == "/catalog/"
    assert sees_private_image(client)


def test_login_ignores_username_case(client, private_image):
    response = log_in(client, username="ROSA")

    assert response.status_code == 302
    assert sees_private_image(client)


@pytest.mark.parametrize(
    "target",
    [
        "//host",
        "////host",
        "/\\host",
        "\\\\host",
        "/\t/host",
        "/\\t/host",
        "https:host",
        "https://host/",
        "/%2F%2Fhost",
        "%2F%2Fhost",
        "/%5Chost",
        "javascript:alert(1)",
        "http://localhost.evil/",
        "http://localhost/catalog/",
        "",
    ],
)
def test_login_rejects_offsite_next(client, make_account, target):
    make_account()

    response = log_in(client, next=target)

    assert response.status_code == 302
    assert response.headers["Location"] == "/catalog/"


def test_login_follows_local_next(client, make_account):
    make_account()

    response = log_in(client, next="/catalog/?tags=a&page=2")

    assert response.headers["Location"] == "/catalog/?tags=a&page=2"


def test_login_page_keeps_next_from_query(client, make_account):
    make_account()

    page = client.get("/login?next=/catalog/%3Fpage%3D2")

    assert 'name="next" type="hidden" value="/catalog/?page=2"' in page.text


@pytest.mark.parametrize(
    ("username", "password"), [("rosa", "wrong password"), ("nobody", PASSWORD)]
)
def test_login_failure_message_is_the_same(client, make_account, username, password):
    make_account()

    response = log_in(client, username=username, password=password)

    assert response.status_code == 200
    assert "Invalid username or password." in response.text
    assert not sees_private_image(client)
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_login_rejects_deactivated_user(client, make_account):
    user = make_account()
    accounts.deactivate(user)
    db.session.commit()

    response = log_in(client)

    assert response.status_code == 200
    assert "Invalid username or password." in response.text


def test_login_rejects_user_without_password(client, make_user):
    make_user("importer-only")

    response = log_in(client, username="importer-only", password="")
    assert response.status_code == 200
    response = log_in(client, username="importer-only", password="anything")
    assert "Invalid username or password." in response.text


def test_login_upgrades_outdated_hash(client, make_user):
    user = make_user("rosa")
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    db.session.commit()
    old_hash = user.password_hash
    assert needs_rehash(old_hash)

    response = log_in(client)

    assert response.status_code == 302
    db.session.refresh(user)
    assert user.password_hash != old_hash
    assert not needs_rehash(user.password_hash)
    assert log_in(client.application.test_client()).status_code == 302


def test_password_never_logged(client, runner, make_account, caplog):
    caplog.set_level(logging.DEBUG)
    make_account()

    log_in(client)
    log_in(client, password="a wrong secret")
    runner.invoke(args=["users", "create", "sam", "--password-stdin"], input="sam secret pw\n")

    assert PASSWORD not in caplog.text
    assert "a wrong secret" not in caplog.text
    assert "sam secret pw" not in caplog.text
    assert "user rosa logged in" in caplog.text


def test_login_renews_session(client, make_account):
    make_account()
    with client.session_transaction() as session:
        session["planted"] = "value"

    log_in(client)

    with client.session_transaction() as session:
        assert "planted" not in session
        assert "_user_id" in session


def test_session_cookie_flags(client, make_account):
    make_account()

    response = log_in(client, remember="y")

    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    remember_cookie = next(c for c in cookies if c.startswith("remember_token="))
    for cookie in (session_cookie, remember_cookie):
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        assert "Expires=" in cookie
        assert "Secure" not in cookie


def test_session_cookie_secure_when_configured(app, client, make_account):
    make_account()
    app.config["SESSION_COOKIE_SECURE"] = True
    app.config["REMEMBER_COOKIE_SECURE"] = True

    response = log_in(client, remember="y")

    for cookie in response.headers.getlist("Set-Cookie"):
        assert "Secure" in cookie


def test_logout_requires_post(client, private_image):
    log_in(client)

    assert client.get("/logout").status_code == 405
    assert sees_private_image(client)


def test_logout_ends_session(client, private_image):
    log_in(client)

    response = client.post("/logout")

    assert response.status_code == 302
    assert response.headers["Location"] == "/catalog/"
    assert not sees_private_image(client)


def test_copied_session_cookie_fails_after_logout(app, client, private_image):
    log_in(client)
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    assert sees_private_image(copy)

    client.post("/logout")

    assert not sees_private_image(copy)


def test_copied_remember_cookie_fails_after_logout(app, client, private_image):
    log_in(client, remember="y")
    copy = app.test_client()
    copy.set_cookie("remember_token", client.get_cookie("remember_token").value)
    assert sees_private_image(copy)

    client.post("/logout")

    assert not sees_private_image(copy)


def test_password_change_ends_sessions(app, client, private_image):
    log_in(client, remember="y")
    copy = app.test_client()
    copy.set_cookie("remember_token", client.get_cookie("remember_token").value)

    accounts.set_password(accounts.find_user_or_fail("rosa"), "a new password")
    db.session.commit()

    assert not sees_private_image(client)
    assert not sees_private_image(copy)
    assert log_in(app.test_client(), password="a new password").status_code == 302


def test_deactivation_ends_sessions_and_tokens(app, client, private_image):
    log_in(client)
    user = accounts.find_user_or_fail("rosa")
    token = accounts.issue_token(user)
    db.session.commit()
    headers = {"Authorization": f"Token {token}"}
    assert sees_private_image(client)
    assert sees_private_image(app.test_client(), headers)

    accounts.deactivate(user)
    db.session.commit()

    assert not sees_private_image(client)
    response = app.test_client().get("/images", headers=headers)
    assert response.status_code == 401


def test_token_shows_private_images(client, private_image):
    token = accounts.issue_token(accounts.find_user_or_fail("rosa"))
    db.session.commit()
    headers = {"Authorization": f"Token {token}"}

    listing = client.get("/images", headers=headers).get_json()
    detail = client.get(f"/images/{private_image.id}", headers=headers)

    assert listing["count"] == 1
    assert [item["id"] for item in listing["results"]] == [private_image.id]
    assert detail.status_code == 200


def test_token_stored_as_digest(app, make_account):
    from catalog.auth.sessions import token_digest
    from catalog.models import ApiToken

    token = accounts.issue_token(make_account())
    db.session.commit()

    stored = db.session.scalars(db.select(ApiToken.digest)).all()
    assert stored == [token_digest(token)]
    assert token not in stored


@pytest.mark.parametrize(
    "header",
    ["Token not-a-real-token", "Token ", "Bearer abc", "Basic cm9zYTpwdw==", "Token"],
)
@pytest.mark.parametrize("path", ["/images", "/images/00000000-0000-0000-0000-000000000000"])
def test_invalid_token_is_401(client, header, path):
    response = client.get(path, headers={"Authorization": header})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert response.headers["Content-Type"] == "application/json"
    assert "detail" in response.get_json()


def test_revoked_token_is_401(client, private_image):
    user = accounts.find_user_or_fail("rosa")
    token = accounts.issue_token(user)
    db.session.commit()
    assert accounts.revoke_tokens(user) == 1
    db.session.commit()

    response = client.get("/images", headers={"Authorization": f"Token {token}"})

    assert response.status_code == 401


def test_token_in_query_string_ignored(client, private_image):
    token = accounts.issue_token(accounts.find_user_or_fail("rosa"))
    db.session.commit()

    response = client.get(f"/images?token={token}")

    assert response.status_code == 200
    assert response.get_json()["count"] == 0


def test_token_takes_precedence_over_cookies(app, client, private_image, make_account):
    log_in(client, remember="y")
    outsider_token = accounts.issue_token(make_account("olivia"))
    db.session.commit()

    listing = client.get("/images", headers={"Authorization": f"Token {outsider_token}"})

    assert listing.get_json()["count"] == 0


@pytest.fixture
def csrf_app(app):
    """Turn CSRF protection on, as it is outside tests."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def csrf_token_of(client, path="/login"):
    """Return the CSRF token of the form on `path`."""
    # Flask-WTF caches the token in g, which the `app` fixture's app context
    # keeps across requests; a real request starts with an empty g.
    g.pop("csrf_token", None)
    text = client.get(path).text
    tag = re.search(r'<input[^>]*name="csrf_token"[^>]*>', text)
    assert tag is not None, f"no CSRF token field on {path}"
    return re.search(r'value="([^"]+)"', tag.group(0)).group(1)


def test_login_without_csrf_token_rejected(csrf_app, client, make_account):
    make_account()

    response = log_in(client)

    assert response.status_code == 400
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_login_with_csrf_token_accepted(csrf_app, client, private_image):
    response = log_in(client, csrf_token=csrf_token_of(client))

    assert response.status_code == 302
    assert sees_private_image(client)


def test_logout_without_csrf_token_rejected(csrf_app, client, private_image):
    log_in(client, csrf_token=csrf_token_of(client))

    response = client.post("/logout")

    assert response.status_code == 400
    assert sees_private_image(client)


def test_token_write_without_cookie_needs_no_csrf(csrf_app, client, private_image):
    token = accounts.issue_token(accounts.find_user_or_fail("rosa"))
    db.session.commit()

    response = client.post("/logout", headers={"Authorization": f"Token {token}"})

    assert response.status_code == 302


def test_token_write_with_session_cookie_needs_csrf(csrf_app, client, private_image):
    token = accounts.issue_token(accounts.find_user_or_fail("rosa"))
    db.session.commit()
    log_in(client, csrf_token=csrf_token_of(client))

    response = client.post("/logout", headers={"Authorization": f"Token {token}"})

    assert response.status_code == 400


def test_user_ids_in_session_include_secret(client, make_account):
    user = make_account()

    log_in(client)

    with client.session_transaction() as session:
        assert session["_user_id"] == f"{user.id}:{user.session_secret}"
    assert db.session.get(User, user.id).session_secret == user.session_secret


def test_login_and_logout_through_pages(csrf_app, client, private_image):
    response = log_in(client, csrf_token=csrf_token_of(client), next="/catalog/")
    assert response.headers["Location"] == "/catalog/"

    page = client.get("/catalog/")
    assert "Logged in as <strong>rosa</strong>" in page.text

    logout = client.post("/logout", data={"csrf_token": csrf_token_of(client, "/catalog/")})
    assert logout.status_code == 302
    assert "Logged in as" not in client.get("/catalog/").text
    assert not sees_private_image(client)


@pytest.fixture
def login_required_app(app):
    """Add two routes behind Flask-Login's login_required: a page and an API path."""
    from flask_login import login_required

    app.add_url_rule("/needs-login", "needs_login", login_required(lambda: "page"))
    app.add_url_rule("/images-needs-login", "api_needs_login", login_required(lambda: "api"))
    return app


def test_login_required_page_redirects(login_required_app, client):
    response = client.get("/needs-login?x=1")

    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/needs-login?x%3D1"


def test_login_required_api_is_401(login_required_app, client):
    response = client.get("/images-needs-login")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert "Authentication required" in response.get_json()["detail"]


def test_login_required_accepts_session(login_required_app, client, make_account):
    make_account()
    log_in(client)

    assert client.get("/needs-login").text == "page"


def patch_name(client, image_id, name, headers=None):
    return client.patch(
        f"/images/{image_id}",
        data=json.dumps({"name": name}),
        content_type="application/json",
        headers=headers or {},
    )


def test_patch_with_token_needs_no_csrf(csrf_app, client, private_image):
    token = accounts.issue_token(accounts.find_user_or_fail("rosa"))
    db.session.commit()

    response = patch_name(client, private_image.id, "Renamed", {"Authorization": f"Token {token}"})

    assert response.status_code == 200
    assert response.get_json()["name"] == "Renamed"


def test_patch_with_session_needs_csrf(csrf_app, client, private_image):
    log_in(client, csrf_token=csrf_token_of(client))

    rejected = patch_name(client, private_image.id, "Renamed")
    accepted = patch_name(
        client, private_image.id, "Renamed", {"X-CSRFToken": csrf_token_of(client, "/catalog/")}
    )

    assert rejected.status_code == 400
    assert accepted.status_code == 200


def test_patch_with_token_and_session_needs_csrf(csrf_app, client, private_image):
    token = accounts.issue_token(accounts.find_user_or_fail("rosa"))
    db.session.commit()
    log_in(client, csrf_token=csrf_token_of(client))

    response = patch_name(client, private_image.id, "Renamed", {"Authorization": f"Token {token}"})

    assert response.status_code == 400


def test_unknown_user_costs_one_verification(client, make_account, monkeypatch):
    make_account()
    calls = []

    class CountingHasher(PasswordHasher):
        def verify(self, password_hash, password):
            calls.append(password_hash)
            return super().verify(password_hash, password)

    monkeypatch.setattr(passwords, "hasher", CountingHasher())

    log_in(client, username="nobody")
    log_in(client, password="wrong password")

    assert calls == [passwords.DUMMY_HASH, accounts.find_user_or_fail("rosa").password_hash]


def test_anonymous_api_write_gets_401_not_csrf_error(app, client, make_image):
    app.config["WTF_CSRF_ENABLED"] = True
    image = make_image()

    response = client.patch(f"/images/{image.id}", json={"name": "x"})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert "CSRF" not in response.get_json()["detail"]


def test_anonymous_form_post_still_needs_csrf(app, client, make_image):
    app.config["WTF_CSRF_ENABLED"] = True

    response = client.post("/login", data={"username": "rosa", "password": "x"})

    assert response.status_code == 400
