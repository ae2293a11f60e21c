"""Which viewer may see which image, on every surface: the API, search, tag filters, tag counts, pages, icons.

Each test takes one (viewer, image) pair of the table below and checks every
surface against the table's answer, so that a surface that forgets the
visibility rule fails for the pair it leaks.
"""

import hashlib
from datetime import timedelta
from types import SimpleNamespace

import pytest

from catalog import accounts, clock
from catalog.auth.passwords import hash_password
from catalog.extensions import db
from catalog.models import ImageIcon, ImageShare, Membership
from catalog.queries import tag_counts

# A real Argon2 hash, computed once: the matrix logs in through tokens and
# session cookies, and an account needs a password to be active.
PASSWORD_HASH = hash_password("matrix password")

VIEWERS = [
    "anonymous",
    "creator",
    "staff",
    "member",
    "ended_member",
    "ended_share_member",
    "outsider",
    "deactivated",
]
IMAGES = [
    "public",
    "private_shared",
    "private_unshared",
    "public_ended",
    "public_ending_later",
    "private_ending_later",
]

# True: the viewer sees the image. A deactivated user's session counts as
# anonymous and their token is rejected with 401 (checked separately).
SEES = {
    "anonymous":          [True, False, False, False, True, False],
    "creator":            [True, True,  True,  False, True, True],
    "staff":              [True, True,  True,  False, True, True],
    "member":             [True, True,  False, False, True, True],
    "ended_member":       [True, False, False, False, True, False],
    "ended_share_member": [True, False, False, False, True, False],
    "outsider":           [True, False, False, False, True, False],
    "deactivated":        [True, False, False, False, True, False],
}  # fmt: skip

MATRIX = [
    pytest.param(viewer, image, SEES[viewer][index], id=f"{viewer}-{image}")
    for viewer in VIEWERS
    for image in IMAGES
    for index in [IMAGES.index(image)]
]

# A word in each image's name and its own tag, none a substring of another,
# so that a search or a tag filter matches exactly one image.
WORDS = {
    "public": "alpha",
    "private_shared": "bravo",
    "private_unshared": "charlie",
    "public_ended": "delta",
    "public_ending_later": "echo",
    "private_ending_later": "foxtrot",
}

# A deactivated user's token gets 401 everywhere: test_deactivated_token_rejected.
TOKEN_MATRIX = [param for param in MATRIX if param.values[0] != "deactivated"]

ICON_BYTES = b"\x89PNG\r\n\x1a\n matrix icon"


@pytest.fixture
def world(app, frozen_now, make_image, make_user):
    """Create the six images and eight viewers of the table, with tokens and icons."""
    past = frozen_now - timedelta(days=1)
    later = frozen_now + timedelta(days=30)

    users = {}
    for name in VIEWERS[1:]:
        user = make_user(name, is_staff=name == "staff")
        user.password_hash = PASSWORD_HASH
        users[name] = user
    lab = accounts.create_group("lab")
    old_lab = accounts.create_group("old lab")
    db.session.flush()
    db.session.add_all(
        [
            Membership(group=lab, user=users["member"]),
            Membership(group=lab, user=users["ended_member"], end_date=past),
            Membership(group=old_lab, user=users["ended_share_member"]),
        ]
    )

    fields = {
        "public": {},
        "private_shared": {"private": True},
        "private_unshared": {"private": True},
        "public_ended": {"end_date": past},
        "public_ending_later": {"end_date": later},
        "private_ending_later": {"private": True, "end_date": later},
    }
    images = {}
    for name, extra in fields.items():
        # "matrix" is on every image.
        images[name] = make_image(
            f"Image {WORDS[name]}",
            creator="creator",
            tags=["matrix", f"tag-{WORDS[name]}"],
            **extra,
        )
    for name in ("private_shared", "private_ending_later"):
        db.session.add(ImageShare(image=images[name], group=lab))
    db.session.add(ImageShare(image=images["private_shared"], group=old_lab, end_date=past))
    for image in images.values():
        digest = hashlib.sha256(ICON_BYTES + image.id.encode()).hexdigest()
        db.session.add(ImageIcon(image_id=image.id, data=ICON_BYTES, digest=digest))
        image.icon_digest = digest
    db.session.commit()

    tokens = {name: accounts.issue_token(user) for name, user in users.items()}
    accounts.deactivate(users["deactivated"])
    db.session.commit()
    return SimpleNamespace(users=users, images=images, tokens=tokens)


def token_headers(world, viewer):
    """Return the Authorization header of `viewer`'s token (none for anonymous)."""
    if viewer == "anonymous":
        return {}
    return {"Authorization": f"Token {world.tokens[viewer]}"}


def log_in_session(client, world, viewer):
    """Put `viewer`'s login into the client's session cookie, as a login would."""
    if viewer == "anonymous":
        return
    user = world.users[viewer]
    with client.session_transaction() as session:
        session["_user_id"] = f"{user.id}:{user.session_secret}"
        session["_fresh"] = True


def visible_count(viewer):
    return sum(SEES[viewer])


@pytest.mark.parametrize(("viewer", "image_name", "sees"), TOKEN_MATRIX)
def test_api_visibility(client, world, viewer, image_name, sees):
    image = world.images[image_name]
    headers = token_headers(world, viewer)

    listing = client.get("/images?page_size=100", headers=headers).get_json()
    listed_ids = [item["id"] for item in listing["results"]]
    assert (image.id in listed_ids) is sees
    assert listing["count"] == visible_count(viewer)
    assert len(listed_ids) == listing["count"]

    detail = client.get(f"/images/{image.id}", headers=headers)
    assert detail.status_code == (200 if sees else 404)

    word = WORDS[image_name]
    searched = client.get(f"/images?search={word}", headers=headers).get_json()
    assert searched["count"] == (1 if sees else 0)
    assert [item["id"] for item in searched["results"]] == ([image.id] if sees else [])

    tagged = client.get(f"/images?tags=tag-{WORDS[image_name]}", headers=headers).get_json()
    assert tagged["count"] == (1 if sees else 0)
    assert [item["id"] for item in tagged["results"]] == ([image.id] if sees else [])

    shared_tag = client.get("/images?tags=matrix&page_size=1", headers=headers).get_json()
    assert shared_tag["count"] == visible_count(viewer)


@pytest.mark.parametrize(("viewer", "image_name", "sees"), MATRIX)
def test_tag_count_visibility(world, frozen_now, viewer, image_name, sees):
    user = world.users.get(viewer)
    counts = {tag.name: count for tag, count in db.session.execute(tag_counts(user, frozen_now))}

    assert (f"tag-{WORDS[image_name]}" in counts) is sees
    if sees:
        assert counts[f"tag-{WORDS[image_name]}"] == 1
    assert counts.get("matrix", 0) == visible_count(viewer)


@pytest.mark.parametrize(("viewer", "image_name", "sees"), MATRIX)
def test_page_visibility(client, world, viewer, image_name, sees):
    image = world.images[image_name]
    log_in_session(client, world, viewer)

    listing = client.get("/catalog/?page_size=100")
    assert listing.status_code == 200
    assert (f"/catalog/{image.id}" in listing.text) is sees

    detail = client.get(f"/catalog/{image.id}")
    assert detail.status_code == (200 if sees else 404)

    word = WORDS[image_name]
    searched = client.get(f"/catalog/?search={word}")
    assert searched.status_code == 200
    assert (f"/catalog/{image.id}" in searched.text) is sees

    tagged = client.get(f"/catalog/?tags=tag-{WORDS[image_name]}")
    assert tagged.status_code == 200
    assert (f"/catalog/{image.id}" in tagged.text) is sees

    tags_page = client.get("/tags")
    assert tags_page.status_code == 200
    assert (f"tag-{WORDS[image_name]}" in tags_page.text) is sees


@pytest.mark.parametrize(("viewer", "image_name", "sees"), TOKEN_MATRIX)
def test_icon_visibility(client, world, viewer, image_name, sees):
    image = world.images[image_name]

    response = client.get(f"/images/{image.id}/icon.png", headers=token_headers(world, viewer))

    assert response.status_code == (200 if sees else 404)
    if sees:
        assert response.data == ICON_BYTES


@pytest.mark.parametrize("image_name", IMAGES)
def test_deactivated_token_rejected(client, world, image_name):
    image = world.images[image_name]
    headers = token_headers(world, "deactivated")

    for path in [
        "/images",
        f"/images/{image.id}",
        f"/images?search={WORDS[image_name]}",
        f"/images?tags=tag-{WORDS[image_name]}",
        f"/images/{image.id}/icon.png",
    ]:
        response = client.get(path, headers=headers)
        assert response.status_code == 401, path
        assert response.headers["WWW-Authenticate"] == "Token", path
        assert response.get_json() == {"detail": "Invalid token."}, path


def test_share_ends_at_its_end_date(client, world, frozen_now):
    image = world.images["private_shared"]
    share = db.session.get(ImageShare, (image.id, accounts.find_group("lab").id))
    share.end_date = frozen_now + timedelta(minutes=1)
    db.session.commit()
    headers = token_headers(world, "member")

    assert client.get(f"/images/{image.id}", headers=headers).status_code == 200
    with clock.frozen_at(frozen_now + timedelta(minutes=1)):
        assert client.get(f"/images/{image.id}", headers=headers).status_code == 404


def test_membership_ends_at_its_end_date(client, world, frozen_now):
    image = world.images["private_shared"]
    membership = db.session.get(
        Membership, (accounts.find_group("lab").id, world.users["member"].id)
    )
    membership.end_date = frozen_now + timedelta(minutes=1)
    db.session.commit()
    headers = token_headers(world, "member")

    assert client.get(f"/images/{image.id}", headers=headers).status_code == 200
    with clock.frozen_at(frozen_now + timedelta(minutes=1)):
        assert client.get(f"/images/{image.id}", headers=headers).status_code == 404


@pytest.mark.parametrize("viewer", ["anonymous", "creator", "member", "outsider"])
def test_token_pagination_matches_count(client, world, viewer):
    headers = token_headers(world, viewer)
    expected = {world.images[name].id for name, sees in zip(IMAGES, SEES[viewer]) if sees}

    seen = []
    url = "/images?page_size=2"
    while url:
        body = client.get(url, headers=headers).get_json()
        assert body["count"] == len(expected)
        seen.extend(item["id"] for item in body["results"])
        url = body["next"]

    assert len(seen) == len(expected)
    assert set(seen) == expected
