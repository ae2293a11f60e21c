"""The edit form at /catalog/<id>/edit: permissions, validation, saving, conflicts."""

import io
import json
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from catalog.extensions import db
from catalog.models import Group, Image, ImageChange, ImageShare, Membership
from tests.icon_samples import SVG, bomb_png, picture_bytes


def form_values(image: Image, **overrides) -> dict:
    """Return a full form submission with the image's current values and `overrides`."""
    values = {
        "revision": str(image.revision),
        "name": image.name,
        "description": image.description,
        "tags": ", ".join(image.tag_names),
        "end_date": "",
    }
    if image.private:
        values["private"] = "y"
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}


def save(client, image, **overrides):
    return client.post(
        f"/catalog/{image.id}/edit",
        data=form_values(image, **overrides),
        content_type="multipart/form-data",
    )


def multipart_body(fields: dict[str, str], filename: str, content: bytes) -> tuple[bytes, str]:
    """Return a multipart/form-data body with `fields` and one `icon` file, and its type."""
    boundary = "catalog-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="icon"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def history(image_id):
    return list(
        db.session.scalars(
            select(ImageChange).where(ImageChange.image_id == image_id).order_by(ImageChange.id)
        )
    )


def reload(image_id) -> Image:
    db.session.expire_all()
    return db.session.get(Image, image_id)


def test_form_shows_current_values(client, make_image, login):
    image = make_image("Ubuntu", tags=["Linux", "LTS"], description="About *it*")
    login(client, "alice")

    response = client.get(f"/catalog/{image.id}/edit")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'value="Ubuntu"' in page
    assert 'value="Linux, LTS"' in page
    assert "About *it*" in page
    assert f'name="revision" type="hidden" value="{image.revision}"' in page


def test_form_anonymous_redirected_to_login(client, make_image):
    image = make_image("Public")

    response = client.get(f"/catalog/{image.id}/edit")

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_form_other_user_is_403(client, make_image, login):
    image = make_image("Alice's", creator="alice")
    login(client, "bob")

    assert client.get(f"/catalog/{image.id}/edit").status_code == 403
    assert save(client, image, name="Stolen").status_code == 403
    assert reload(image.id).name == "Alice's"


def test_form_hidden_image_is_404(client, make_image, login):
    image = make_image("Secret", creator="alice", private=True)
    login(client, "bob")

    assert client.get(f"/catalog/{image.id}/edit").status_code == 404
    assert save(client, image, name="Stolen").status_code == 404


def test_form_unknown_image_is_404(client, login):
    login(client, "alice")

    assert client.get("/catalog/not-a-uuid/edit").status_code == 404
    assert client.get("/catalog/00000000-0000-0000-0000-000000000000/edit").status_code == 404


def test_form_staff_may_edit(client, make_image, login):
    image = make_image("Alice's", creator="alice", private=True)
    login(client, "admin", is_staff=True)

    response = save(client, image, name="Fixed by staff")

    assert response.status_code == 302
    assert reload(image.id).name == "Fixed by staff"
    assert history(image.id)[0].actor == "admin"


def test_form_saves_every_field(client, make_image, login, frozen_now):
    image = make_image("Old", tags=["A"], description="old")
    login(client, "alice")

    response = save(
        client,
        image,
        name="  New name  ",
        description="# Heading",
        tags="GPU, gpu , Linux,",
        private="y",
        end_date="2027-01-01T00:00:00",
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/catalog/{image.id}")
    stored = reload(image.id)
    assert stored.name == "New name"
    assert stored.description == "# Heading"
    assert stored.tag_names == ["GPU", "Linux"]
    assert stored.private is True
    assert stored.end_date == datetime(2027, 1, 1, tzinfo=UTC)
    assert [row.field for row in history(image.id)] == [
        "name", "description", "private", "end_date", "tags",
    ]


def test_form_unchanged_save_records_nothing(client, make_image, login):
    image = make_image("Same", tags=["A", "B"], end_date=datetime(2030, 5, 5, 5, 5, 5, 123456, tzinfo=UTC))
    login(client, "alice")
    page = client.get(f"/catalog/{image.id}/edit").get_data(as_text=True)
    shown = re.search(r'name="end_date" step="1" type="datetime-local" value="([^"]*)"', page)

    response = save(client, image, end_date=shown.group(1))

    assert response.status_code == 302
    assert history(image.id) == []
    assert reload(image.id).end_date == datetime(2030, 5, 5, 5, 5, 5, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"name": ""}, "name", "is required"),
        ({"name": "   "}, "name", "is required"),
        ({"name": "n" * 257}, "name", "at most 256"),
        ({"description": "d" * 10_001}, "description", "at most 10,000"),
        ({"tags": ",".join(f"t{i}" for i in range(21))}, "tags", "at most 20 tags"),
        ({"tags": "ok, " + "x" * 65}, "tags", "longer than 64"),
        ({"end_date": "next week"}, "end_date", "ISO 8601"),
        ({"end_date": "2030-02-30T00:00:00"}, "end_date", "ISO 8601"),
        ({"groups-0-group": "no-such-group"}, "groups", "no group named"),
        ({"groups-0-group": "staff", "groups-0-end_date": "soon"}, "groups", "ISO 8601"),
        ({"end_date": "0042-09-01T23:59:05"}, "end_date", "0042-09-01T23:59:05 UTC is out of range"),
        ({"end_date": "1969-12-31"}, "end_date", "check the year"),
        ({"groups-0-group": "staff", "groups-0-end_date": "1900-01-01"}, "groups", "check the year"),
    ],
)
def test_form_rejects_bad_value(client, make_image, login, overrides, field, message):
    image = make_image("Keep", tags=["A"])
    db.session.add(Group(name="Staff", name_key="staff"))
    db.session.commit()
    login(client, "alice")

    response = save(client, image, **{"description": "changed too", **overrides})

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    if field != "groups":
        assert f'id="{field}-error"' in page
    stored = reload(image.id)
    assert stored.name == "Keep"
    assert stored.description != "changed too"
    assert history(image.id) == []


def test_form_keeps_entered_values_on_error(client, make_image, login):
    image = make_image("Keep")
    login(client, "alice")

    response = save(client, image, name="", description="my draft text", tags="one, two")

    page = response.get_data(as_text=True)
    assert "my draft text" in page
    assert 'value="one, two"' in page


def test_form_accepts_limits(client, make_image, login):
    image = make_image("Keep")
    login(client, "alice")
    tags = ", ".join(f"{i:02d}" + "x" * 62 for i in range(20))

    response = save(client, image, name="n" * 256, description="d" * 10_000, tags=tags)

    assert response.status_code == 302
    assert len(reload(image.id).tag_names) == 20


def test_two_forms_second_gets_conflict(client, app, make_image, login):
    image = make_image("Original", description="base")
    other = app.test_client()
    login(client, "alice")
    login(other, "admin", is_staff=True)
    first_values = form_values(image, name="Alice's name")
    second_values = form_values(image, description="Admin's text")

    first = client.post(f"/catalog/{image.id}/edit", data=first_values)
    second = other.post(f"/catalog/{image.id}/edit", data=second_values)

    assert first.status_code == 302
    assert second.status_code == 409
    page = second.get_data(as_text=True)
    assert "someone else changed this image" in page
    assert "<strong>name</strong>" in page
    assert "Alice&#39;s name" in page
    assert "Admin&#39;s text" in page
    stored = reload(image.id)
    assert stored.name == "Alice's name"
    assert stored.description == "base"
    assert [row.field for row in history(image.id)] == ["name"]


def test_conflict_resubmit_applies(client, app, make_image, login):
    image = make_image("Original", description="base")
    other = app.test_client()
    login(client, "alice")
    login(other, "admin", is_staff=True)
    stale = form_values(image, description="Admin's text")
    client.post(f"/catalog/{image.id}/edit", data=form_values(image, name="Alice's name"))
    conflict_page = other.post(f"/catalog/{image.id}/edit", data=stale).get_data(as_text=True)
    revision = re.search(r'name="revision" type="hidden" value="(\d+)"', conflict_page).group(1)

    response = other.post(
        f"/catalog/{image.id}/edit", data={**stale, "name": "Alice's name", "revision": revision}
    )

    assert response.status_code == 302
    stored = reload(image.id)
    assert stored.description == "Admin's text"
    assert stored.name == "Alice's name"


def test_form_post_without_csrf_rejected(app, make_image, login):
    app.config["WTF_CSRF_ENABLED"] = True
    image = make_image("Name")
    client = app.test_client()
    login(client, "alice")

    response = client.post(f"/catalog/{image.id}/edit", data=form_values(image, name="Forged"))

    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert reload(image.id).name == "Name"


def test_form_post_with_csrf_accepted(app, make_image, login):
    app.config["WTF_CSRF_ENABLED"] = True
    image = make_image("Name")
    client = app.test_client()
    login(client, "alice")
    page = client.get(f"/catalog/{image.id}/edit").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    response = client.post(
        f"/catalog/{image.id}/edit", data=form_values(image, name="Mine", csrf_token=token)
    )

    assert response.status_code == 302
    assert reload(image.id).name == "Mine"


@pytest.mark.parametrize(
    "image_format, filename",
    [("PNG", "icon.png"), ("JPEG", "photo.jpg"), ("GIF", "anim.gif"), ("WEBP", "pic.webp"), ("PNG", "really-a-png.gif")],
)
def test_form_icon_upload_accepted(client, make_image, login, image_format, filename):
    image = make_image("With icon")
    login(client, "alice")
    data = form_values(image, icon=(io.BytesIO(picture_bytes(image_format)), filename))

    response = client.post(f"/catalog/{image.id}/edit", data=data, content_type="multipart/form-data")

    assert response.status_code == 302
    stored = reload(image.id)
    assert stored.icon_digest is not None
    icon = client.get(f"/images/{image.id}/icon.png")
    assert icon.status_code == 200
    assert icon.data.startswith(b"\x89PNG")
    assert [row.field for row in history(image.id)] == ["icon"]


@pytest.mark.parametrize(
    "upload, filename, message",
    [
        (SVG, "icon.svg", "SVG images are not accepted"),
        (SVG, "icon.png", "SVG images are not accepted"),
        (picture_bytes("PNG")[:50], "truncated.png", "not a readable image"),
        (b"plain text", "notes.png", "not a readable image"),
        (bomb_png(), "bomb.png", "too many pixels"),
        (b"\x89PNG" + b"\x00" * (1024 * 1024 + 10), "huge.png", "maximum is 1,048,576 bytes"),
    ],
    ids=["svg", "svg-named-png", "truncated", "text", "bomb", "over-1-mib"],
)
def test_form_icon_upload_rejected(client, make_image, login, upload, filename, message):
    image = make_image("No icon")
    login(client, "alice")
    # Built by hand: the test client leaves its temporary file for bodies
    # over 500 KB open.
    body, content_type = multipart_body(form_values(image, name="Also renamed"), filename, upload)

    response = client.post(f"/catalog/{image.id}/edit", data=body, content_type=content_type)

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'id="icon-error"' in page
    stored = reload(image.id)
    assert stored.icon_digest is None
    assert stored.name == "No icon"


def test_form_five_mib_upload_is_413(client, make_image, login):
    image = make_image("No icon")
    login(client, "alice")
    body, content_type = multipart_body(form_values(image), "big.png", b"\x00" * (5 * 1024 * 1024))

    response = client.post(f"/catalog/{image.id}/edit", data=body, content_type=content_type)

    assert response.status_code == 413
    assert response.mimetype == "text/html"
    assert "1,024 KiB" in response.get_data(as_text=True)


def test_form_remove_icon(client, make_image, login):
    image = make_image("With icon")
    login(client, "alice")
    client.post(
        f"/catalog/{image.id}/edit",
        data=form_values(image, icon=(io.BytesIO(picture_bytes("PNG")), "i.png")),
        content_type="multipart/form-data",
    )
    image = reload(image.id)

    response = save(client, image, remove_icon="y")

    assert response.status_code == 302
    assert reload(image.id).icon_digest is None
    assert client.get(f"/images/{image.id}/icon.png").status_code == 404


@pytest.fixture
def groups(app, make_user):
    """Add groups Physics and Chemistry, with bob a member of Physics."""
    physics = Group(name="Physics", name_key="physics")
    chemistry = Group(name="Chemistry", name_key="chemistry")
    bob = make_user("bob")
    bob.password_hash = "unused"
    db.session.add_all([physics, chemistry, Membership(group=physics, user=bob)])
    db.session.commit()
    return physics, chemistry


def test_form_shares_with_group(client, app, make_image, login, groups, frozen_now):
    image = make_image("Private", private=True)
    login(client, "alice")

    response = save(
        client,
        image,
        **{"groups-0-group": "physics", "groups-1-group": "Chemistry", "groups-1-end_date": "2026-09-01T00:00:00"},
    )

    assert response.status_code == 302
    shares = {share.group.name: share for share in reload(image.id).shares}
    assert set(shares) == {"Physics", "Chemistry"}
    assert shares["Physics"].end_date is None
    assert shares["Chemistry"].end_date == datetime(2026, 9, 1, tzinfo=UTC)
    bob_client = app.test_client()
    login(bob_client, "bob")
    assert bob_client.get(f"/images/{image.id}").status_code == 200
    change = history(image.id)[-1]
    assert change.field == "groups"
    assert [entry["group"] for entry in json.loads(change.new_value)] == ["Chemistry", "Physics"]


def test_form_unshare_soft_ends(client, app, make_image, login, groups, frozen_now):
    image = make_image("Private", private=True)
    login(client, "alice")
    save(client, image, **{"groups-0-group": "Physics"})
    image = reload(image.id)

    response = save(client, image)

    assert response.status_code == 302
    share = db.session.scalar(select(ImageShare).where(ImageShare.image_id == image.id))
    assert share is not None
    assert share.end_date == frozen_now
    bob_client = app.test_client()
    login(bob_client, "bob")
    assert bob_client.get(f"/images/{image.id}").status_code == 404
    change = history(image.id)[-1]
    assert json.loads(change.new_value) == []
    assert json.loads(change.old_value)[0]["group"] == "Physics"


def test_form_race_after_revision_check_is_conflict(client, make_image, login):
    """Another transaction saves between the form's revision check and its UPDATE."""
    from sqlalchemy import event, update
    from sqlalchemy.orm import Session

    image = make_image("Original")
    login(client, "alice")
    values = form_values(image, name="Mine")
    done = []

    def rename(session, flush_context, instances):
        if done:
            return
        done.append(True)
        with db.engine.begin() as connection:
            connection.execute(
                update(Image).where(Image.id == image.id).values(name="Theirs", revision=Image.revision + 1)
            )

    event.listen(Session, "before_flush", rename)
    try:
        response = client.post(f"/catalog/{image.id}/edit", data=values)
    finally:
        event.remove(Session, "before_flush", rename)

    assert response.status_code == 409
    assert "someone else changed this image" in response.get_data(as_text=True)
    assert reload(image.id).name == "Theirs"
    assert history(image.id) == []


def test_form_icon_and_fields_in_one_save(client, make_image, login):
    image = make_image("Plain")
    login(client, "alice")
    revision = image.revision
    data = form_values(image, name="With icon", icon=(io.BytesIO(picture_bytes("PNG")), "i.png"))

    response = client.post(f"/catalog/{image.id}/edit", data=data, content_type="multipart/form-data")

    assert response.status_code == 302
    stored = reload(image.id)
    assert stored.name == "With icon"
    assert stored.icon_digest is not None
    rows = history(image.id)
    assert [row.field for row in rows] == ["name", "icon"]
    assert stored.revision == max(row.revision for row in rows) > revision


@pytest.mark.parametrize(
    "revision", ["99999999999999999999", "abc", "-1", "", " ", "0", "1.5", "\u0661", "2147483648"]
)
def test_form_invalid_revision_is_400(client, make_image, login, revision):
    image = make_image("Keep")
    login(client, "alice")

    response = save(client, image, name="Changed", revision=revision)

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "revision is missing or invalid" in page
    assert "Reload the edit page" in page
    assert reload(image.id).name == "Keep"
    assert history(image.id) == []


def test_form_missing_revision_is_400(client, make_image, login):
    image = make_image("Keep")
    login(client, "alice")

    response = save(client, image, name="Changed", revision=None)

    assert response.status_code == 400
    assert "revision is missing or invalid" in response.get_data(as_text=True)
    assert reload(image.id).name == "Keep"


def test_form_future_revision_is_400(client, make_image, login):
    image = make_image("Keep")
    login(client, "alice")

    response = save(client, image, name="Changed", revision=str(image.revision + 1))

    assert response.status_code == 400
    assert reload(image.id).name == "Keep"


def test_form_huge_revision_with_csrf_is_400(app, make_image, login):
    app.config["WTF_CSRF_ENABLED"] = True
    image = make_image("Keep")
    client = app.test_client()
    login(client, "alice")
    page = client.get(f"/catalog/{image.id}/edit").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    response = client.post(
        f"/catalog/{image.id}/edit",
        data=form_values(image, name="Changed", revision="99999999999999999999", csrf_token=token),
    )

    assert response.status_code == 400
    assert "revision is missing or invalid" in response.get_data(as_text=True)
    assert reload(image.id).name == "Keep"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2030-01-01", datetime(2030, 1, 1, tzinfo=UTC)),
        ("2030-01-01T08:15", datetime(2030, 1, 1, 8, 15, tzinfo=UTC)),
        ("2030-01-01T08:15:00Z", datetime(2030, 1, 1, 8, 15, tzinfo=UTC)),
    ],
)
def test_form_end_date_formats_accepted(client, make_image, login, groups, frozen_now, text, expected):
    image = make_image("Dated")
    login(client, "alice")

    response = save(
        client, image, end_date=text, **{"groups-0-group": "Physics", "groups-0-end_date": text}
    )

    assert response.status_code == 302
    stored = reload(image.id)
    assert stored.end_date == expected
    assert [share.end_date for share in stored.shares] == [expected]


def test_anonymous_edit_redirects_to_login_with_clean_next(client, make_image):
    image = make_image()

    response = client.get(f"/catalog/{image.id}/edit")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next=/catalog/{image.id}/edit"
