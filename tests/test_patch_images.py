"""PATCH /images/<id>: validation, permissions, history, ETags and conflicts."""

import json
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from catalog import operations
from catalog.auth.sessions import token_digest
from catalog.extensions import db
from catalog.models import ApiToken, Image, ImageChange


@pytest.fixture
def auth_headers(app, make_user):
    """Return a function giving the Authorization header of a new token for a user."""

    def headers(username: str = "alice", **fields) -> dict[str, str]:
        user = make_user(username, **fields)
        # Accounts without a password hash are inactive and cannot authenticate.
        user.password_hash = user.password_hash or "unused"
        token = secrets.token_hex(32)
        db.session.add(ApiToken(user_id=user.id, digest=token_digest(token)))
        db.session.commit()
        return {"Authorization": f"Token {token}"}

    return headers


def patch(client, image_id, body, headers, **kwargs):
    return client.patch(
        f"/images/{image_id}",
        data=json.dumps(body),
        content_type="application/json",
        headers=headers,
        **kwargs,
    )


def history(image_id):
    return list(
        db.session.scalars(
            select(ImageChange).where(ImageChange.image_id == image_id).order_by(ImageChange.id)
        )
    )


def test_patch_changes_fields(client, make_image, auth_headers, frozen_now):
    image = make_image("Old name", tags=["Ubuntu"], description="old")
    headers = auth_headers("alice")

    response = patch(
        client,
        image.id,
        {"name": "  New name ", "description": "**new**", "tags": ["Linux", "ubuntu"], "private": True},
        headers,
    )

    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == image.id
    assert body["name"] == "New name"
    assert body["description"] == "**new**"
    assert body["tags"] == ["Linux", "Ubuntu"]
    assert body["private"] is True
    assert list(body) == [
        "id", "icon", "created_by", "name", "tags", "description",
        "start_date", "end_date", "private", "versions",
    ]
    assert response.headers["ETag"]
    stored = db.session.get(Image, image.id)
    assert stored.sort_name == "new name"
    assert "**new**" in stored.search_text
    assert "linux" in stored.search_text


def test_patch_records_history(client, make_image, auth_headers, frozen_now):
    image = make_image("Old name", tags=["Ubuntu"], description="old")
    headers = auth_headers("alice")
    revision = image.revision

    patch(client, image.id, {"name": "New", "tags": ["Linux"], "description": "old"}, headers)

    rows = history(image.id)
    assert [row.field for row in rows] == ["name", "tags"]
    assert rows[0].actor == "alice"
    assert rows[0].changed_at == frozen_now
    assert json.loads(rows[0].old_value) == "Old name"
    assert json.loads(rows[0].new_value) == "New"
    assert json.loads(rows[1].old_value) == ["Ubuntu"]
    assert json.loads(rows[1].new_value) == ["Linux"]
    assert rows[0].revision == rows[1].revision == revision + 1
    assert db.session.get(Image, image.id).revision == revision + 1


def test_patch_logs_acting_user(client, make_image, auth_headers, caplog):
    image = make_image("Old")
    headers = auth_headers("alice")

    with caplog.at_level("INFO", logger="catalog"):
        patch(client, image.id, {"name": "New"}, headers)

    assert any(
        "alice" in record.getMessage() and image.id in record.getMessage()
        for record in caplog.records
    )


def test_patch_empty_object_changes_nothing(client, make_image, auth_headers):
    image = make_image("Same")
    headers = auth_headers("alice")
    revision = image.revision

    response = patch(client, image.id, {}, headers)

    assert response.status_code == 200
    assert response.get_json()["name"] == "Same"
    assert history(image.id) == []
    assert db.session.get(Image, image.id).revision == revision


def test_patch_same_values_changes_nothing(client, make_image, auth_headers):
    image = make_image("Same", tags=["A"], description="d")
    headers = auth_headers("alice")

    response = patch(
        client, image.id, {"name": "Same", "tags": ["a"], "description": "d", "private": False}, headers
    )

    assert response.status_code == 200
    assert history(image.id) == []


def test_patch_read_only_same_value_accepted(client, make_image, auth_headers):
    image = make_image("Name")
    headers = auth_headers("alice")
    current = client.get(f"/images/{image.id}", headers=headers).get_json()
    current["name"] = "Renamed"

    response = patch(client, image.id, current, headers)

    assert response.status_code == 200
    assert response.get_json()["name"] == "Renamed"


@pytest.mark.parametrize(
    "field, value",
    [
        ("id", "00000000-0000-0000-0000-000000000000"),
        ("created_by", "mallory"),
        ("start_date", "2001-01-01T00:00:00.000Z"),
        ("versions", []),
    ],
)
def test_patch_read_only_different_value_rejected(client, make_image, auth_headers, field, value):
    image = make_image("Name")
    headers = auth_headers("alice")

    response = patch(client, image.id, {field: value, "name": "Changed"}, headers)

    assert response.status_code == 400
    body = response.get_json()
    assert list(body["errors"]) == [field]
    assert "read-only" in body["errors"][field]
    assert db.session.get(Image, image.id).name == "Name"


@pytest.mark.parametrize(
    "body, field, message",
    [
        ({"name": ""}, "name", "required"),
        ({"name": "   "}, "name", "required"),
        ({"name": "x" * 257}, "name", "at most 256"),
        ({"name": 42}, "name", "string"),
        ({"name": None}, "name", "string"),
        ({"name": {"nested": "junk"}}, "name", "string"),
        ({"name": "nul\u0000byte"}, "name", "NUL"),
        ({"description": "x" * 10_001}, "description", "at most 10,000"),
        ({"description": ["junk"]}, "description", "string"),
        ({"tags": "linux"}, "tags", "list"),
        ({"tags": [1]}, "tags", "tag 1 must be a string"),
        ({"tags": ["ok", " "]}, "tags", "tag 2 is empty"),
        ({"tags": ["x" * 65]}, "tags", "longer than 64"),
        ({"tags": [f"t{i}" for i in range(21)]}, "tags", "at most 20"),
        ({"tags": [["nested"]]}, "tags", "must be a string"),
        ({"tags": ["a,b", "c"]}, "tags", "tag 1 ('a,b') must not contain a comma"),
        ({"tags": ["c", " , "]}, "tags", "commas separate tags"),
        ({"private": "yes"}, "private", "true or false"),
        ({"private": 1}, "private", "true or false"),
        ({"end_date": "tomorrow"}, "end_date", "ISO 8601"),
        ({"end_date": "2030-01-01T00:00:00"}, "end_date", "time zone"),
        ({"end_date": "2030-13-01T00:00:00Z"}, "end_date", "ISO 8601"),
        ({"end_date": 1767225600}, "end_date", "ISO 8601"),
        ({"end_date": "0001-01-01T00:00:00+01:00"}, "end_date", "out of range"),
        ({"end_date": "0042-09-01T23:59:05Z"}, "end_date", "between 1970-01-01 and 9999-12-31"),
        ({"end_date": "1969-12-31T23:59:59Z"}, "end_date", "'1969-12-31T23:59:59Z' is out of range"),
        ({"end_date": "1970-01-01T00:30:00+01:00"}, "end_date", "check the year"),
        ({"end_date": "9999-12-31T23:00:00-02:00"}, "end_date", "out of range"),
        ({"icon": "/images/other/icon.png"}, "icon", "only null"),
        ({"owner": "bob"}, "owner", "not a field"),
    ],
)
def test_patch_rejects_bad_value(client, make_image, auth_headers, body, field, message):
    image = make_image("Name")
    headers = auth_headers("alice")

    response = patch(client, image.id, body, headers)

    assert response.status_code == 400
    payload = response.get_json()
    assert field in payload["detail"]
    assert list(payload["errors"]) == [field]
    assert message in payload["errors"][field]
    assert history(image.id) == []


def test_patch_names_every_bad_field(client, make_image, auth_headers):
    image = make_image("Name")
    headers = auth_headers("alice")

    response = patch(client, image.id, {"name": "", "private": "no", "color": "red", "description": "ok"}, headers)

    assert response.status_code == 400
    assert set(response.get_json()["errors"]) == {"name", "private", "color"}
    assert db.session.get(Image, image.id).description != "ok"


def test_patch_accepts_limits(client, make_image, auth_headers):
    image = make_image("Name")
    headers = auth_headers("alice")
    tags = [f"tag{i:02d}" + "x" * 58 for i in range(20)]

    response = patch(
        client, image.id, {"name": "n" * 256, "description": "d" * 10_000, "tags": tags}, headers
    )

    assert response.status_code == 200
    assert response.get_json()["tags"] == tags


def test_patch_tags_deduplicated_first_spelling(client, make_image, auth_headers):
    image = make_image("Name")
    headers = auth_headers("alice")

    response = patch(client, image.id, {"tags": [" GPU ", "gpu", "Linux", "LINUX"]}, headers)

    assert response.get_json()["tags"] == ["GPU", "Linux"]


@pytest.mark.parametrize("body", [b"{not json", b"", b"\xff\xfe", b"[" * 100_000 + b"]" * 100_000])
def test_patch_invalid_json(client, make_image, auth_headers, body):
    image = make_image("Name")
    headers = auth_headers("alice")

    response = client.patch(
        f"/images/{image.id}", data=body, content_type="application/json", headers=headers
    )

    assert response.status_code == 400
    assert "JSON" in response.get_json()["detail"]


@pytest.mark.parametrize("body", [[], "name", 3, None])
def test_patch_body_not_object(client, make_image, auth_headers, body):
    image = make_image("Name")
    headers = auth_headers("alice")

    response = patch(client, image.id, body, headers)

    assert response.status_code == 400
    assert "JSON object" in response.get_json()["detail"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_patch_not_json_is_415(client, make_image, auth_headers, content_type):
    image = make_image("Name")
    headers = auth_headers("alice")

    response = client.patch(
        f"/images/{image.id}", data='{"name": "x"}', content_type=content_type, headers=headers
    )

    assert response.status_code == 415
    assert "application/json" in response.get_json()["detail"]


def test_patch_anonymous_is_401(client, make_image):
    image = make_image("Name")

    response = patch(client, image.id, {"name": "x"}, {})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Token")
    assert "detail" in response.get_json()


def test_patch_invalid_token_is_401(client, make_image):
    image = make_image("Name")

    response = patch(client, image.id, {"name": "x"}, {"Authorization": "Token wrong"})

    assert response.status_code == 401


def test_patch_other_user_is_403(client, make_image, auth_headers):
    image = make_image("Name", creator="alice")
    headers = auth_headers("bob")

    response = patch(client, image.id, {"name": "Stolen"}, headers)

    assert response.status_code == 403
    assert "creator" in response.get_json()["detail"]
    assert db.session.get(Image, image.id).name == "Name"


def test_patch_staff_may_edit(client, make_image, auth_headers):
    image = make_image("Name", creator="alice")
    headers = auth_headers("admin", is_staff=True)

    response = patch(client, image.id, {"name": "By staff"}, headers)

    assert response.status_code == 200
    assert history(image.id)[0].actor == "admin"


@pytest.mark.parametrize("image_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_patch_unknown_image_is_404(client, make_image, auth_headers, image_id):
    headers = auth_headers("alice")

    response = patch(client, image_id, {"name": "x"}, headers)

    assert response.status_code == 404


def test_patch_private_image_of_other_is_404(client, make_image, auth_headers):
    image = make_image("Secret", creator="alice", private=True)
    headers = auth_headers("bob")

    response = patch(client, image.id, {"name": "x"}, headers)

    assert response.status_code == 404


def test_patch_removed_image_is_404(client, make_image, auth_headers):
    image = make_image("Gone", end_date=datetime(2021, 1, 1, tzinfo=UTC))
    headers = auth_headers("alice")

    response = patch(client, image.id, {"name": "x"}, headers)

    assert response.status_code == 404


def test_patch_past_end_date_removes_image(client, make_image, auth_headers, frozen_now):
    image = make_image("Name")
    headers = auth_headers("alice")

    response = patch(client, image.id, {"end_date": "2020-01-01T00:00:00Z"}, headers)

    assert response.status_code == 200
    assert response.get_json()["end_date"] == "2020-01-01T00:00:00.000Z"
    assert client.get(f"/images/{image.id}").status_code == 404
    assert client.get("/images").get_json()["count"] == 0


def test_patch_future_end_date_schedules(client, make_image, auth_headers, frozen_now):
    image = make_image("Name")
    headers = auth_headers("alice")
    later = frozen_now + timedelta(days=30)

    response = patch(client, image.id, {"end_date": "2026-07-01T14:00:00+02:00"}, headers)

    assert response.status_code == 200
    assert response.get_json()["end_date"] == "2026-07-01T12:00:00.000Z"
    assert client.get(f"/images/{image.id}").status_code == 200
    assert later > datetime(2026, 7, 1, 12, tzinfo=UTC)


def test_patch_icon_null_removes_icon(client, make_image, auth_headers):
    image = make_image("Name", icon_digest="a" * 64)
    headers = auth_headers("alice")

    response = patch(client, image.id, {"icon": None}, headers)

    assert response.status_code == 200
    assert response.get_json()["icon"] is None
    rows = history(image.id)
    assert [row.field for row in rows] == ["icon"]
    assert json.loads(rows[0].old_value) == "a" * 64


def test_etag_changes_with_edit(client, make_image, auth_headers):
    image = make_image("Name")
    headers = auth_headers("alice")
    before = client.get(f"/images/{image.id}").headers["ETag"]

    patch(client, image.id, {"name": "Other"}, headers)

    after = client.get(f"/images/{image.id}").headers["ETag"]
    assert before != after


def test_get_with_current_etag_is_304(client, make_image):
    image = make_image("Name")
    etag = client.get(f"/images/{image.id}").headers["ETag"]

    response = client.get(f"/images/{image.id}", headers={"If-None-Match": etag})

    assert response.status_code == 304


def test_if_match_current_applies(client, make_image, auth_headers):
    image = make_image("Name")
    headers = auth_headers("alice")
    etag = client.get(f"/images/{image.id}").headers["ETag"]

    response = patch(client, image.id, {"name": "New"}, {**headers, "If-Match": etag})

    assert response.status_code == 200


def test_if_match_stale_is_412(client, make_image, auth_headers):
    image = make_image("Name")
    headers = auth_headers("alice")

    response = patch(client, image.id, {"name": "New"}, {**headers, "If-Match": '"stale"'})

    assert response.status_code == 412
    assert db.session.get(Image, image.id).name == "Name"


def test_same_if_match_twice_one_wins(client, make_image, auth_headers):
    image = make_image("Name")
    headers = auth_headers("alice")
    etag = client.get(f"/images/{image.id}").headers["ETag"]

    first = patch(client, image.id, {"name": "First"}, {**headers, "If-Match": etag})
    second = patch(client, image.id, {"name": "Second"}, {**headers, "If-Match": etag})

    assert first.status_code == 200
    assert second.status_code == 412
    assert db.session.get(Image, image.id).name == "First"
    assert [json.loads(row.new_value) for row in history(image.id)] == ["First"]


@pytest.fixture
def concurrent_rename(app):
    """Make another transaction rename the image just before the request's next flush.

    Both requests have then passed their If-Match check, as when two run at
    once; the request's UPDATE finds the revision changed.
    """
    listeners = []

    def arm(image_id: str, name: str) -> None:
        done = []

        def rename(session, flush_context, instances):
            if done:
                return
            done.append(True)
            with db.engine.begin() as connection:
                connection.execute(
                    update(Image)
                    .where(Image.id == image_id)
                    .values(name=name, revision=Image.revision + 1)
                )

        event.listen(Session, "before_flush", rename)
        listeners.append(rename)

    yield arm
    for listener in listeners:
        event.remove(Session, "before_flush", listener)


def test_race_after_if_match_is_412(client, make_image, auth_headers, concurrent_rename):
    image = make_image("Name")
    headers = auth_headers("alice")
    etag = client.get(f"/images/{image.id}").headers["ETag"]
    concurrent_rename(image.id, "Other request")

    response = patch(client, image.id, {"name": "Mine"}, {**headers, "If-Match": etag})

    assert response.status_code == 412
    db.session.expire_all()
    assert db.session.get(Image, image.id).name == "Other request"
    assert history(image.id) == []


def test_race_without_if_match_is_409(client, make_image, auth_headers, concurrent_rename):
    image = make_image("Name")
    headers = auth_headers("alice")
    concurrent_rename(image.id, "Other request")

    response = patch(client, image.id, {"name": "Mine"}, headers)

    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Image, image.id).name == "Other request"


def test_session_patch_without_csrf_rejected(app, make_image, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    image = make_image("Name")
    user = make_user("alice")
    user.password_hash = "unused"
    db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True

    response = patch(client, image.id, {"name": "Forged"}, {})

    assert response.status_code == 400
    assert "CSRF" in response.get_json()["detail"]
    assert db.session.get(Image, image.id).name == "Name"


def test_session_patch_with_csrf_accepted(app, make_image, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    image = make_image("Name")
    user = make_user("alice")
    user.password_hash = "unused"
    db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    with app.test_request_context():
        from flask import session as request_session
        from flask_wtf.csrf import generate_csrf

        with client.session_transaction() as stored:
            request_session.update(stored)
        token = generate_csrf()
        csrf_value = request_session["csrf_token"]
    with client.session_transaction() as stored:
        stored["csrf_token"] = csrf_value

    response = patch(client, image.id, {"name": "Mine"}, {"X-CSRFToken": token})

    assert response.status_code == 200
    assert response.get_json()["name"] == "Mine"


def test_token_patch_needs_no_csrf(app, make_image, auth_headers):
    app.config["WTF_CSRF_ENABLED"] = True
    image = make_image("Name")
    headers = auth_headers("alice")

    response = patch(app.test_client(), image.id, {"name": "Script"}, headers)

    assert response.status_code == 200


def test_patch_etag_matches_next_get(client, make_image, auth_headers):
    image = make_image("Name", versions=[{"version": "1"}, {"version": "2", "end_date": datetime(2021, 1, 1, tzinfo=UTC)}])
    headers = auth_headers("alice")

    patched = patch(client, image.id, {"name": "New"}, headers)

    assert [entry["version"] for entry in patched.get_json()["versions"]] == ["1"]
    assert patched.headers["ETag"] == client.get(f"/images/{image.id}").headers["ETag"]


@pytest.mark.parametrize(
    "raw_body, field, message",
    [
        ('{"name": "\\ud800"}', "name", "unpaired surrogate U+D800 at character 1"),
        ('{"description": "ok \\udfff"}', "description", "unpaired surrogate U+DFFF at character 4"),
        ('{"tags": ["fine", "\\ud83d"]}', "tags", "tag 2 must be valid Unicode text"),
    ],
)
def test_patch_unpaired_surrogate_is_400(client, make_image, auth_headers, raw_body, field, message):
    image = make_image("Name", description="old")
    headers = auth_headers("alice")

    response = client.patch(
        f"/images/{image.id}", data=raw_body, content_type="application/json", headers=headers
    )

    assert response.status_code == 400
    payload = response.get_json()
    assert list(payload["errors"]) == [field]
    assert "must be valid Unicode text" in payload["errors"][field]
    assert message in payload["errors"][field]
    stored = db.session.get(Image, image.id)
    assert stored.name == "Name"
    assert stored.description == "old"
    assert history(image.id) == []


def test_patch_surrogate_pair_accepted(client, make_image, auth_headers):
    image = make_image("Name")
    headers = auth_headers("alice")

    response = client.patch(
        f"/images/{image.id}",
        data='{"name": "smile \\ud83d\\ude00"}',
        content_type="application/json",
        headers=headers,
    )

    assert response.status_code == 200
    assert response.get_json()["name"] == "smile \U0001f600"


def test_surrogate_in_group_name_rejected(app):
    with pytest.raises(operations.InvalidChanges) as invalid:
        operations.validate_changes({"groups": [{"group": "staff\udc80"}]})

    assert "unpaired surrogate U+DC80 at character 6" in invalid.value.errors["groups"]


def test_rejected_commit_logs_no_edit(client, make_image, auth_headers, concurrent_rename, caplog):
    image = make_image("Name")
    headers = auth_headers("alice")
    concurrent_rename(image.id, "Other request")

    with caplog.at_level("INFO", logger="catalog"):
        response = patch(client, image.id, {"name": "Mine"}, headers)

    assert response.status_code == 409
    messages = [record.getMessage() for record in caplog.records]
    assert not any("edited image" in message for message in messages)
    assert not any("changed name of image" in message for message in messages)
    assert any("not saved" in message for message in messages)


def test_committed_edit_logs_after_commit(client, make_image, auth_headers, caplog):
    image = make_image("Name")
    headers = auth_headers("alice")
    revision = image.revision

    with caplog.at_level("INFO", logger="catalog"):
        patch(client, image.id, {"name": "Mine"}, headers)
        patch(client, image.id, {"name": "Mine"}, headers)

    edited = [record.getMessage() for record in caplog.records if "edited image" in record.getMessage()]
    assert edited == [f"alice edited image {image.id} (revision {revision + 1}): name"]


def test_comma_tag_cannot_reach_form(client, make_image, auth_headers, login):
    image = make_image("Name", tags=["c"])
    headers = auth_headers("alice")

    response = patch(client, image.id, {"tags": ["a,b", "c"]}, headers)

    assert response.status_code == 400
    login(client, "alice")
    page = client.get(f"/catalog/{image.id}/edit").get_data(as_text=True)
    assert 'value="c"' in page


@pytest.mark.parametrize("if_match", ['"', ',,,"', "", ",", 'W/"weak"', "garbage"])
def test_if_match_malformed_is_412(client, make_image, auth_headers, if_match):
    image = make_image("Name")
    headers = auth_headers("alice")

    response = patch(client, image.id, {"name": "New"}, {**headers, "If-Match": if_match})

    assert response.status_code == 412
    assert "If-Match" in response.get_json()["detail"]
    assert db.session.get(Image, image.id).name == "Name"
    assert history(image.id) == []


def test_if_match_weak_current_is_412(client, make_image, auth_headers):
    image = make_image("Name")
    headers = auth_headers("alice")
    etag = client.get(f"/images/{image.id}").headers["ETag"]

    response = patch(client, image.id, {"name": "New"}, {**headers, "If-Match": f"W/{etag}"})

    assert response.status_code == 412
    assert db.session.get(Image, image.id).name == "Name"


def test_if_match_star_applies(client, make_image, auth_headers):
    image = make_image("Name")
    headers = auth_headers("alice")

    response = patch(client, image.id, {"name": "New"}, {**headers, "If-Match": "*"})

    assert response.status_code == 200
    assert db.session.get(Image, image.id).name == "New"


def test_if_match_list_with_current_applies(client, make_image, auth_headers):
    image = make_image("Name")
    headers = auth_headers("alice")
    etag = client.get(f"/images/{image.id}").headers["ETag"]

    response = patch(
        client, image.id, {"name": "New"}, {**headers, "If-Match": f'"old", {etag}'}
    )

    assert response.status_code == 200


@pytest.mark.parametrize("weak", [False, True])
def test_if_none_match_current_is_412(client, make_image, auth_headers, weak):
    image = make_image("Name")
    headers = auth_headers("alice")
    etag = client.get(f"/images/{image.id}").headers["ETag"]

    response = patch(
        client,
        image.id,
        {"name": "New"},
        {**headers, "If-None-Match": f"W/{etag}" if weak else etag},
    )

    assert response.status_code == 412
    assert "If-None-Match" in response.get_json()["detail"]
    assert db.session.get(Image, image.id).name == "Name"


def test_if_none_match_star_is_412(client, make_image, auth_headers):
    image = make_image("Name")
    headers = auth_headers("alice")

    response = patch(client, image.id, {"name": "New"}, {**headers, "If-None-Match": "*"})

    assert response.status_code == 412
    assert db.session.get(Image, image.id).name == "Name"


def test_if_none_match_other_applies(client, make_image, auth_headers):
    image = make_image("Name")
    headers = auth_headers("alice")

    response = patch(client, image.id, {"name": "New"}, {**headers, "If-None-Match": '"old"'})

    assert response.status_code == 200
    assert db.session.get(Image, image.id).name == "New"


@pytest.mark.parametrize(
    "end_date, stored",
    [
        ("1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000Z"),
        ("9999-12-31T23:59:59Z", "9999-12-31T23:59:59.000Z"),
    ],
)
def test_patch_end_date_range_limits(client, make_image, auth_headers, end_date, stored):
    image = make_image("Name")
    headers = auth_headers("alice")

    response = patch(client, image.id, {"end_date": end_date}, headers)

    assert response.status_code == 200
    assert response.get_json()["end_date"] == stored


def test_end_date_datetime_before_1970_rejected(app):
    with pytest.raises(operations.InvalidChanges) as invalid:
        operations.validate_changes({"end_date": datetime(1900, 5, 1, tzinfo=UTC)})

    assert "1900-05-01T00:00:00 UTC is out of range" in invalid.value.errors["end_date"]
