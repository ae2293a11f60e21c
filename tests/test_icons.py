"""Icons: recognised by content, normalised to PNG, stored, and served with caching."""

import io
import json
from datetime import UTC, datetime

import pytest
from PIL import Image as PILImage
from sqlalchemy import select

from catalog import operations
from catalog.extensions import db
from catalog.icons import MAX_SIDE, InvalidIcon, icon_digest, normalize_icon
from catalog.models import Image, ImageChange, ImageIcon
from tests.icon_samples import (
    SVG,
    bomb_png,
    jpeg_with_exif,
    picture_bytes,
    png_with_text,
)


def decode(png: bytes) -> PILImage.Image:
    picture = PILImage.open(io.BytesIO(png))
    picture.load()
    return picture


@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "GIF", "WEBP"])
def test_normalize_accepts_format(image_format):
    png = normalize_icon(picture_bytes(image_format))

    picture = decode(png)
    assert picture.format == "PNG"
    assert picture.size == (40, 40)
    assert picture.mode == "RGBA"


def test_normalize_keeps_picture_centred():
    picture = decode(normalize_icon(picture_bytes("PNG", (40, 20))))

    assert picture.getpixel((20, 0))[3] == 0
    assert picture.getpixel((5, 20)) == (30, 30, 200, 255)
    assert picture.getpixel((35, 20)) == (200, 30, 30, 255)


def test_normalize_shrinks_large_picture():
    picture = decode(normalize_icon(picture_bytes("PNG", (1000, 500))))

    assert picture.size == (MAX_SIDE, MAX_SIDE)


def test_normalize_drops_png_text():
    png = normalize_icon(png_with_text())

    assert b"secret location" not in png
    assert decode(png).text == {}


def test_normalize_drops_jpeg_exif():
    png = normalize_icon(jpeg_with_exif())

    assert b"secret artist" not in png
    assert "exif" not in decode(png).info


@pytest.mark.parametrize(
    "data, message",
    [
        (SVG, "SVG"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "SVG"),
        (picture_bytes("PNG")[:60], "not a readable image"),
        (b"GIF89a" + b"\x00" * 20, "not a readable image"),
        (picture_bytes("BMP"), "not a readable image"),
        (picture_bytes("TIFF"), "not a readable image"),
        (b"", "not a readable image"),
        (b"%PDF-1.4 hello", "not a readable image"),
        (bomb_png(), "too many pixels"),
    ],
    ids=["svg", "bare-svg", "truncated", "broken-gif", "bmp", "tiff", "empty", "pdf", "bomb"],
)
def test_normalize_rejects(data, message):
    with pytest.raises(InvalidIcon) as raised:
        normalize_icon(data)

    assert message in str(raised.value)


def test_normalize_rejects_over_max_bytes():
    data = picture_bytes("PNG")

    with pytest.raises(InvalidIcon) as raised:
        normalize_icon(data, max_bytes=len(data) - 1)

    assert "maximum" in str(raised.value)


def test_set_icon_stores_and_records(app, make_image, make_user, frozen_now):
    image = make_image("With icon")
    alice = make_user("alice")
    revision = image.revision

    changed = operations.set_icon(image, alice, picture_bytes("JPEG"))
    operations.commit_edit(image.id)

    assert changed is True
    stored = db.session.get(Image, image.id)
    assert stored.revision == revision + 1
    icon = db.session.get(ImageIcon, (image.id, stored.icon_digest))
    assert icon.digest == icon_digest(icon.data)
    change = db.session.scalar(select(ImageChange).where(ImageChange.image_id == image.id))
    assert change.field == "icon"
    assert change.old_value is None
    assert json.loads(change.new_value) == stored.icon_digest
    assert change.actor == "alice"


def test_set_icon_keeps_previous_icon(app, make_image, make_user):
    image = make_image("With icon")
    alice = make_user("alice")
    operations.set_icon(image, alice, picture_bytes("PNG"))
    operations.commit_edit(image.id)
    first = image.icon_digest

    operations.set_icon(image, alice, picture_bytes("GIF", (30, 30)))
    operations.commit_edit(image.id)

    assert image.icon_digest != first
    digests = set(db.session.scalars(select(ImageIcon.digest).where(ImageIcon.image_id == image.id)))
    assert digests == {first, image.icon_digest}


def test_set_same_icon_changes_nothing(app, make_image, make_user):
    image = make_image("With icon")
    alice = make_user("alice")
    operations.set_icon(image, alice, picture_bytes("PNG"))
    operations.commit_edit(image.id)
    revision = image.revision

    changed = operations.set_icon(image, alice, picture_bytes("PNG"))

    assert changed is False
    assert image.revision == revision


@pytest.fixture
def image_with_icon(app, make_image, make_user):
    def make(**fields) -> Image:
        image = make_image("Icon image", **fields)
        operations.set_icon(image, make_user("alice"), picture_bytes("PNG"))
        operations.commit_edit(image.id)
        return image

    return make


def icon_url(client, image):
    return client.get(f"/images/{image.id}").get_json()["icon"]


def test_icon_served_for_public_image(client, image_with_icon):
    image = image_with_icon()
    url = icon_url(client, image)

    response = client.get(url)

    assert url.startswith(f"/images/{image.id}/icon.png?v=")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.headers["ETag"] == f'"{image.icon_digest}"'
    assert response.cache_control.public is True
    assert response.cache_control.max_age > 0
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert decode(response.data).size == (40, 40)


def test_icon_not_modified(client, image_with_icon):
    image = image_with_icon()
    url = f"/images/{image.id}/icon.png"
    etag = client.get(url).headers["ETag"]

    response = client.get(url, headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert response.data == b""


def test_private_icon_cached_privately(app, image_with_icon, make_user):
    image = image_with_icon(private=True)
    client = app.test_client()
    alice = make_user("alice")
    alice.password_hash = "unused"
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = alice.get_id()

    response = client.get(f"/images/{image.id}/icon.png")

    assert response.status_code == 200
    assert response.cache_control.private is True
    assert response.cache_control.public is False


def test_private_icon_hidden_from_anonymous(client, image_with_icon):
    image = image_with_icon(private=True)

    response = client.get(f"/images/{image.id}/icon.png")

    assert response.status_code == 404


def test_private_icon_hidden_from_other_user(app, image_with_icon, make_user):
    image = image_with_icon(private=True)
    client = app.test_client()
    bob = make_user("bob", password_hash="unused")
    with client.session_transaction() as session:
        session["_user_id"] = bob.get_id()

    response = client.get(f"/images/{image.id}/icon.png")

    assert response.status_code == 404


def test_removed_image_icon_is_404(client, image_with_icon):
    image = image_with_icon(end_date=datetime(2021, 1, 1, tzinfo=UTC))

    response = client.get(f"/images/{image.id}/icon.png")

    assert response.status_code == 404


def test_cleared_icon_is_404(client, image_with_icon, make_user):
    image = image_with_icon()
    operations.update_image(image, make_user("alice"), {"icon": None})
    operations.commit_edit(image.id)

    response = client.get(f"/images/{image.id}/icon.png")

    assert response.status_code == 404
    assert client.get(f"/images/{image.id}").get_json()["icon"] is None
    assert db.session.scalar(select(ImageIcon).where(ImageIcon.image_id == image.id)) is not None


@pytest.mark.parametrize("image_id", ["nope", "00000000-0000-0000-0000-000000000000"])
def test_unknown_icon_is_404(client, image_id):
    response = client.get(f"/images/{image_id}/icon.png")

    assert response.status_code == 404
