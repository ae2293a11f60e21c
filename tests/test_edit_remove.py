"""Removing, restoring and re-dating images, and ending and restoring versions."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from catalog.extensions import db
from catalog.models import Image, ImageChange, Version


def reload(image_id) -> Image:
    db.session.expire_all()
    return db.session.get(Image, image_id)


def fields_changed(image_id):
    return [
        row.field
        for row in db.session.scalars(
            select(ImageChange).where(ImageChange.image_id == image_id).order_by(ImageChange.id)
        )
    ]


def test_remove_asks_confirmation(client, make_image, login):
    image = make_image("To remove")
    login(client, "alice")

    response = client.get(f"/catalog/{image.id}/remove")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Remove To remove?" in page
    assert f'action="/catalog/{image.id}/remove"' in page
    assert reload(image.id).end_date is None


def test_remove_hides_image_everywhere(client, make_image, login, frozen_now):
    image = make_image("To remove", tags=["Gone"])
    login(client, "alice")

    response = client.post(f"/catalog/{image.id}/remove")

    assert response.status_code == 302
    assert reload(image.id).end_date == frozen_now
    assert client.get(f"/catalog/{image.id}").status_code == 404
    assert client.get(f"/images/{image.id}").status_code == 404
    assert client.get("/images").get_json()["count"] == 0
    assert "To remove" not in client.get("/catalog/").get_data(as_text=True)
    assert fields_changed(image.id) == ["end_date"]
    assert db.session.get(Image, image.id) is not None


def test_remove_other_user_is_403(client, make_image, login):
    image = make_image("Alice's", creator="alice")
    login(client, "bob")

    assert client.get(f"/catalog/{image.id}/remove").status_code == 403
    assert client.post(f"/catalog/{image.id}/remove").status_code == 403
    assert reload(image.id).end_date is None


def test_remove_without_csrf_rejected(app, make_image, login):
    app.config["WTF_CSRF_ENABLED"] = True
    image = make_image("Keep")
    client = app.test_client()
    login(client, "alice")

    response = client.post(f"/catalog/{image.id}/remove")

    assert response.status_code == 400
    assert reload(image.id).end_date is None


def test_removed_list_own_images(client, make_image, login, frozen_now):
    past = frozen_now - timedelta(days=1)
    make_image("Mine removed", creator="alice", end_date=past)
    make_image("Bob's removed", creator="bob", end_date=past)
    make_image("Mine current", creator="alice")
    make_image("Mine scheduled", creator="alice", end_date=frozen_now + timedelta(days=1))
    login(client, "alice")

    page = client.get("/catalog/removed").get_data(as_text=True)

    assert "Mine removed" in page
    assert "Bob&#39;s removed" not in page
    assert "Mine current" not in page
    assert "Mine scheduled" not in page


def test_removed_list_staff_sees_all(client, make_image, login, frozen_now):
    past = frozen_now - timedelta(days=1)
    make_image("Alice removed", creator="alice", end_date=past)
    make_image("Bob removed", creator="bob", end_date=past)
    login(client, "admin", is_staff=True)

    page = client.get("/catalog/removed").get_data(as_text=True)

    assert "Alice removed" in page
    assert "Bob removed" in page


def test_removed_list_anonymous_redirected(client):
    response = client.get("/catalog/removed")

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_restore_brings_image_back(client, make_image, login, frozen_now):
    image = make_image("Back", end_date=frozen_now - timedelta(days=1))
    login(client, "alice")

    response = client.post(f"/catalog/{image.id}/restore")

    assert response.status_code == 302
    assert reload(image.id).end_date is None
    assert client.get(f"/images/{image.id}").status_code == 200
    assert fields_changed(image.id) == ["end_date"]


def test_restore_other_users_image_is_404(client, make_image, login, frozen_now):
    image = make_image("Bob's", creator="bob", end_date=frozen_now - timedelta(days=1))
    login(client, "alice")

    response = client.post(f"/catalog/{image.id}/restore")

    assert response.status_code == 404
    assert reload(image.id).end_date is not None


def test_restore_by_staff(client, make_image, login, frozen_now):
    image = make_image("Bob's", creator="bob", end_date=frozen_now - timedelta(days=1))
    login(client, "admin", is_staff=True)

    response = client.post(f"/catalog/{image.id}/restore")

    assert response.status_code == 302
    assert reload(image.id).end_date is None


def test_restore_current_image_is_404(client, make_image, login):
    image = make_image("Current")
    login(client, "alice")

    assert client.post(f"/catalog/{image.id}/restore").status_code == 404


def test_change_end_date_to_future(client, make_image, login, frozen_now):
    image = make_image("Back for a while", end_date=frozen_now - timedelta(days=1))
    login(client, "alice")

    response = client.post(f"/catalog/{image.id}/end-date", data={"end_date": "2026-12-24T18:00:00"})

    assert response.status_code == 302
    assert reload(image.id).end_date == datetime(2026, 12, 24, 18, tzinfo=UTC)
    assert client.get(f"/images/{image.id}").status_code == 200


def test_change_end_date_invalid(client, make_image, login, frozen_now):
    ended = frozen_now - timedelta(days=1)
    image = make_image("Stays removed", end_date=ended)
    login(client, "alice")

    response = client.post(
        f"/catalog/{image.id}/end-date", data={"end_date": "someday"}, follow_redirects=True
    )

    assert "ISO 8601" in response.get_data(as_text=True)
    assert reload(image.id).end_date == ended


def test_versions_listed_on_edit_page(client, make_image, login, frozen_now):
    image = make_image(
        "Versions",
        versions=[{"version": "1.0"}, {"version": "0.9", "end_date": frozen_now - timedelta(days=3)}],
    )
    login(client, "alice")

    page = client.get(f"/catalog/{image.id}/edit").get_data(as_text=True)

    assert "End now version 1.0" in page
    assert "Restore version 0.9" in page


def test_end_and_restore_version(client, make_image, login, frozen_now):
    image = make_image("Versions", versions=[{"version": "1.0"}, {"version": "2.0"}])
    version = db.session.scalar(select(Version).where(Version.image_id == image.id, Version.version == "2.0"))
    login(client, "alice")

    ended = client.post(f"/catalog/{image.id}/versions/{version.id}/end")

    assert ended.status_code == 302
    versions = client.get(f"/images/{image.id}").get_json()["versions"]
    assert [entry["version"] for entry in versions] == ["1.0"]

    restored = client.post(f"/catalog/{image.id}/versions/{version.id}/restore")

    assert restored.status_code == 302
    versions = client.get(f"/images/{image.id}").get_json()["versions"]
    assert sorted(entry["version"] for entry in versions) == ["1.0", "2.0"]
    rows = list(
        db.session.scalars(select(ImageChange).where(ImageChange.image_id == image.id).order_by(ImageChange.id))
    )
    assert [row.field for row in rows] == ["versions", "versions"]
    assert json.loads(rows[0].old_value)["end_date"] is None
    assert json.loads(rows[0].new_value)["end_date"] == frozen_now.isoformat()
    assert json.loads(rows[1].new_value)["end_date"] is None
    assert db.session.get(Version, version.id) is not None


def test_version_of_other_image_is_404(client, make_image, login):
    image = make_image("Mine")
    other = make_image("Other")
    version = db.session.scalar(select(Version).where(Version.image_id == other.id))
    login(client, "alice")

    response = client.post(f"/catalog/{image.id}/versions/{version.id}/end")

    assert response.status_code == 404
    assert db.session.get(Version, version.id).end_date is None


def test_version_change_other_user_is_403(client, make_image, login):
    image = make_image("Alice's", creator="alice")
    version = db.session.scalar(select(Version).where(Version.image_id == image.id))
    login(client, "bob")

    response = client.post(f"/catalog/{image.id}/versions/{version.id}/end")

    assert response.status_code == 403


def test_version_change_bumps_etag(client, make_image, login):
    image = make_image("Versions", versions=[{"version": "1.0"}, {"version": "2.0"}])
    version = db.session.scalar(select(Version).where(Version.image_id == image.id, Version.version == "2.0"))
    login(client, "alice")
    before = client.get(f"/images/{image.id}").headers["ETag"]

    client.post(f"/catalog/{image.id}/versions/{version.id}/end")

    assert client.get(f"/images/{image.id}").headers["ETag"] != before
    page = client.get(f"/catalog/{image.id}/edit").get_data(as_text=True)
    revision = re.search(r'name="revision" type="hidden" value="(\d+)"', page).group(1)
    assert int(revision) == reload(image.id).revision


@pytest.mark.parametrize(
    "version_id, action",
    [
        ("99999999999999999999", "end"),
        ("9223372036854775808", "restore"),
        ("9223372036854775807", "end"),
        ("2147483648", "restore"),
    ],
)
def test_version_id_out_of_range_is_404(client, make_image, login, version_id, action):
    image = make_image("Versions")
    login(client, "alice")

    response = client.post(f"/catalog/{image.id}/versions/{version_id}/{action}")

    assert response.status_code == 404
    assert fields_changed(image.id) == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2030-01-01", datetime(2030, 1, 1, tzinfo=UTC)),
        ("2030-01-01T10:30", datetime(2030, 1, 1, 10, 30, tzinfo=UTC)),
        (" 2030-01-01T10:30:15 ", datetime(2030, 1, 1, 10, 30, 15, tzinfo=UTC)),
        ("2030-01-01T12:00:00+02:00", datetime(2030, 1, 1, 10, tzinfo=UTC)),
    ],
)
def test_change_end_date_accepts_form_values(client, make_image, login, frozen_now, text, expected):
    image = make_image("Back", end_date=frozen_now - timedelta(days=1))
    login(client, "alice")

    response = client.post(f"/catalog/{image.id}/end-date", data={"end_date": text})

    assert response.status_code == 302
    assert reload(image.id).end_date == expected


@pytest.mark.parametrize("text", ["", "   "])
def test_change_end_date_empty_is_error(client, make_image, login, frozen_now, text):
    ended = frozen_now - timedelta(days=1)
    image = make_image("Stays removed", end_date=ended)
    login(client, "alice")

    response = client.post(f"/catalog/{image.id}/end-date", data={"end_date": text})

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "enter a date, or use Restore" in page
    assert "Changed the end date" not in page
    assert reload(image.id).end_date == ended
    assert fields_changed(image.id) == []


def test_change_end_date_missing_field_is_error(client, make_image, login, frozen_now):
    ended = frozen_now - timedelta(days=1)
    image = make_image("Stays removed", end_date=ended)
    login(client, "alice")

    response = client.post(f"/catalog/{image.id}/end-date", data={})

    assert response.status_code == 400
    assert "enter a date, or use Restore" in response.get_data(as_text=True)
    assert reload(image.id).end_date == ended


@pytest.mark.parametrize(
    "text, message",
    [
        ("someday", "&#39;someday&#39; is not an ISO 8601 date such as 2026-12-31"),
        ("2030-02-30", "is not an ISO 8601 date"),
        ("0042-09-01T23:59:05", "0042-09-01T23:59:05 UTC is out of range"),
        ("1969-12-31", "check the year"),
    ],
)
def test_change_end_date_error_names_input(client, make_image, login, frozen_now, text, message):
    ended = frozen_now - timedelta(days=1)
    image = make_image("Stays removed", end_date=ended)
    login(client, "alice")

    response = client.post(f"/catalog/{image.id}/end-date", data={"end_date": text})

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert "+00:00" not in page
    assert "time zone" not in page
    assert reload(image.id).end_date == ended
    assert fields_changed(image.id) == []
