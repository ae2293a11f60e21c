"""`flask users`, `flask groups`, `flask images share|unshare` and the demo logins."""

import getpass
import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from catalog import accounts, demo
from catalog.auth.passwords import verify_password
from catalog.auth.sessions import token_digest
from catalog.extensions import db
from catalog.models import ApiToken, Group, ImageShare, Membership, User

PASSWORD = "correct horse battery"


@pytest.fixture
def rosa(app):
    """Return a user "rosa" who can log in with PASSWORD."""
    user = accounts.create_account("rosa", PASSWORD)
    db.session.commit()
    return user


@pytest.fixture
def lab(app):
    """Return an empty group "lab"."""
    group = accounts.create_group("lab")
    db.session.commit()
    return group


def test_users_create_from_stdin(runner):
    result = runner.invoke(
        args=["users", "create", "Rosa", "--password-stdin"], input=PASSWORD + "\n"
    )

    assert result.exit_code == 0, result.output
    assert "Created user Rosa." in result.output
    user = accounts.find_user_or_fail("rosa")
    assert user.username == "Rosa"
    assert user.username_key == "rosa"
    assert not user.is_staff
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, PASSWORD)


def test_users_create_prompts_twice(runner):
    result = runner.invoke(
        args=["users", "create", "curator", "--staff"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )

    assert result.exit_code == 0, result.output
    assert "Created staff user curator." in result.output
    assert accounts.find_user_or_fail("curator").is_staff
    assert PASSWORD not in result.output


def test_users_create_rejects_mismatched_passwords(runner):
    result = runner.invoke(
        args=["users", "create", "rosa"], input=f"{PASSWORD}\nsomething else\n" * 2
    )

    assert result.exit_code != 0
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("ROSA", PASSWORD, "The username 'ROSA' is already taken"),
        ("with space", PASSWORD, "Invalid username 'with space'"),
        ("sam", "short", "The password is too short"),
    ],
)
def test_users_create_rejects_invalid(runner, rosa, username, password, message):
    result = runner.invoke(
        args=["users", "create", username, "--password-stdin"], input=password + "\n"
    )

    assert result.exit_code == 1
    assert message in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_users_create_rejects_empty_stdin(runner):
    result = runner.invoke(args=["users", "create", "rosa", "--password-stdin"], input="")

    assert result.exit_code == 1
    assert "No password on standard input." in result.output


def test_users_token_prints_token_once(runner, client, rosa, make_image):
    image = make_image(creator="rosa", private=True)

    result = runner.invoke(args=["users", "token", "rosa"])

    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert len(token) >= 43
    digests = db.session.scalars(select(ApiToken.digest)).all()
    assert digests == [token_digest(token)]
    response = client.get(f"/images/{image.id}", headers={"Authorization": f"Token {token}"})
    assert response.status_code == 200


def test_users_revoke_tokens(runner, client, rosa):
    token = runner.invoke(args=["users", "token", "rosa"]).stdout.strip()

    result = runner.invoke(args=["users", "revoke-tokens", "ROSA"])

    assert result.exit_code == 0, result.output
    assert "Revoked 1 API tokens of rosa." in result.output
    assert client.get("/images", headers={"Authorization": f"Token {token}"}).status_code == 401
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 1


def test_users_deactivate(runner, client, rosa):
    token = runner.invoke(args=["users", "token", "rosa"]).stdout.strip()
    old_secret = rosa.session_secret

    result = runner.invoke(args=["users", "deactivate", "rosa"])

    assert result.exit_code == 0, result.output
    assert "Deactivated rosa" in result.output
    db.session.refresh(rosa)
    assert rosa.active is False
    assert rosa.session_secret != old_secret
    assert client.get("/images", headers={"Authorization": f"Token {token}"}).status_code == 401


@pytest.mark.parametrize("command", ["token", "revoke-tokens", "deactivate"])
def test_users_commands_reject_unknown_user(runner, command):
    result = runner.invoke(args=["users", command, "nobody"])

    assert result.exit_code == 1
    assert "User 'nobody' not found." in result.output


def test_groups_create(runner):
    result = runner.invoke(args=["groups", "create", "Lab"])

    assert result.exit_code == 0, result.output
    assert "Created group Lab." in result.output
    duplicate = runner.invoke(args=["groups", "create", "LAB"])
    assert duplicate.exit_code == 1
    assert "already exists" in duplicate.output
    assert db.session.scalar(select(func.count()).select_from(Group)) == 1


def test_groups_add_and_remove(runner, rosa, lab, frozen_now):
    added = runner.invoke(args=["groups", "add", "lab", "rosa", "--until", "2026-12-31"])

    assert added.exit_code == 0, added.output
    assert "Added rosa to group lab until 2026-12-31T00:00:00+00:00." in added.output
    membership = db.session.get(Membership, (lab.id, rosa.id))
    assert membership.end_date == datetime(2026, 12, 31, tzinfo=UTC)

    removed = runner.invoke(args=["groups", "remove", "lab", "rosa"])

    assert removed.exit_code == 0, removed.output
    assert "Removed rosa from group lab." in removed.output
    db.session.refresh(membership)
    assert membership.end_date == frozen_now
    again = runner.invoke(args=["groups", "remove", "lab", "rosa"])
    assert again.exit_code == 1
    assert "is not a member" in again.output


def test_groups_add_restarts_ended_membership(runner, rosa, lab, frozen_now):
    runner.invoke(args=["groups", "add", "lab", "rosa"])
    runner.invoke(args=["groups", "remove", "lab", "rosa"])

    result = runner.invoke(args=["groups", "add", "lab", "rosa"])

    assert result.exit_code == 0, result.output
    membership = db.session.get(Membership, (lab.id, rosa.id))
    assert membership.end_date is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["groups", "add", "nolab", "rosa"], "Group 'nolab' not found."),
        (["groups", "add", "lab", "nobody"], "User 'nobody' not found."),
        (["groups", "add", "lab", "rosa", "--until", "2020-01-01"], "is not in the future"),
        (["groups", "remove", "lab", "rosa"], "is not a member of group 'lab'"),
    ],
)
def test_groups_commands_reject_invalid(runner, rosa, lab, frozen_now, args, message):
    result = runner.invoke(args=args)

    assert result.exit_code == 1
    assert message in result.output
    assert db.session.scalar(select(func.count()).select_from(Membership)) == 0


def test_groups_add_rejects_bad_date(runner, rosa, lab):
    result = runner.invoke(args=["groups", "add", "lab", "rosa", "--until", "next tuesday"])

    assert result.exit_code == 2
    assert "'next tuesday' is not an ISO 8601 date" in result.output


def test_images_share_and_unshare(runner, rosa, lab, make_image, frozen_now):
    image = make_image(private=True)
    later = (frozen_now + timedelta(days=7)).isoformat()

    shared = runner.invoke(args=["images", "share", image.id, "LAB", "--until", later])

    assert shared.exit_code == 0, shared.output
    assert f"Shared image {image.id}" in shared.output
    share = db.session.get(ImageShare, (image.id, lab.id))
    assert share.end_date == frozen_now + timedelta(days=7)

    unshared = runner.invoke(args=["images", "unshare", image.id.upper(), "lab"])

    assert unshared.exit_code == 0, unshared.output
    assert "Ended the share" in unshared.output
    db.session.refresh(share)
    assert share.end_date == frozen_now


def test_images_share_public_image_warns(runner, lab, make_image):
    image = make_image()

    result = runner.invoke(args=["images", "share", image.id, "lab"])

    assert result.exit_code == 0, result.output
    assert "The image is public" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["images", "share", "not-a-uuid", "lab"], "Invalid image id 'not-a-uuid'"),
        (["images", "share", "00000000-0000-0000-0000-000000000000", "lab"], "not found"),
        (["images", "share", "IMAGE", "nolab"], "Group 'nolab' not found."),
        (["images", "unshare", "IMAGE", "lab"], "is not shared with group 'lab'"),
    ],
)
def test_images_share_rejects_invalid(runner, lab, make_image, args, message):
    image = make_image(private=True)
    args = [image.id if arg == "IMAGE" else arg for arg in args]

    result = runner.invoke(args=args)

    assert result.exit_code == 1
    assert message in result.output
    assert db.session.scalar(select(func.count()).select_from(ImageShare)) == 0


def test_writes_logged_without_secrets(runner, caplog, rosa, lab):
    caplog.set_level(logging.INFO, logger="catalog")

    token = runner.invoke(args=["users", "token", "rosa"]).stdout.strip()
    runner.invoke(args=["groups", "add", "lab", "rosa"])
    runner.invoke(args=["users", "create", "sam", "--password-stdin"], input="sam's secret\n")

    assert "issued an API token to user rosa" in caplog.text
    assert "added user rosa to group lab" in caplog.text
    assert "created user sam" in caplog.text
    assert token not in caplog.text
    assert "sam's secret" not in caplog.text


def test_demo_load_creates_logins_once(runner, client):
    first = runner.invoke(args=["demo", "load"])
    second = runner.invoke(args=["demo", "load"])

    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    for account in accounts.DEMO_ACCOUNTS:
        assert f"{account.username} / {account.password}" in first.output
        assert f"{account.username} / {account.password}" in second.output
    assert db.session.scalar(select(func.count()).select_from(Membership)) == 2
    assert db.session.scalar(select(func.count()).select_from(ImageShare)) == len(demo.PRIVATE)
    assert accounts.find_user_or_fail("curator").is_staff


@pytest.mark.parametrize(
    ("username", "private_count"),
    [
        ("curator", len(demo.PRIVATE)),
        ("rosa", len(demo.PRIVATE)),
        ("sam", len(demo.PRIVATE)),
        ("olivia", 0),
    ],
)
def test_demo_logins_see_private_images(runner, app, username, private_count):
    runner.invoke(args=["demo", "load"])
    account = next(a for a in accounts.DEMO_ACCOUNTS if a.username == username)
    client = app.test_client()

    login = client.post("/login", data={"username": username, "password": account.password})
    listing = client.get("/images?page_size=100").get_json()

    assert login.status_code == 302
    assert sum(item["private"] for item in listing["results"]) == private_count


def test_commands_log_operator(runner, caplog, rosa, lab):
    caplog.set_level(logging.INFO, logger="catalog")

    runner.invoke(args=["groups", "add", "lab", "rosa"])

    assert f"{getpass.getuser()} ran " in caplog.text
    assert "groups add {'group_name': 'lab', 'username': 'rosa', 'until': None}" in caplog.text


def test_set_password_lets_imported_creator_log_in(runner, client, make_image):
    make_image(creator="imagekeeper")

    result = runner.invoke(
        args=["users", "set-password", "ImageKeeper", "--password-stdin"],
        input="a long enough password\n",
    )

    assert result.exit_code == 0, result.output
    assert "Set the password of imagekeeper" in result.output
    response = client.post(
        "/login", data={"username": "imagekeeper", "password": "a long enough password"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/catalog/"


def test_set_password_unknown_user_fails(runner):
    result = runner.invoke(args=["users", "set-password", "ghost", "--password-stdin"], input="x" * 20 + "\n")

    assert result.exit_code == 1
    assert "ghost" in result.output
