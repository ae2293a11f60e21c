"""The change history on the image page: shown to the creator and staff only."""

import re

from catalog.extensions import db


def edit(client, image, **values):
    data = {
        "revision": str(image.revision),
        "name": image.name,
        "description": image.description,
        "tags": ", ".join(image.tag_names),
        "end_date": "",
        **values,
    }
    return client.post(f"/catalog/{image.id}/edit", data=data)


def test_history_shown_to_creator(client, make_image, login):
    image = make_image("Before", tags=["Old"])
    login(client, "alice")
    edit(client, image, name="After", tags="New, Old")

    page = client.get(f"/catalog/{image.id}").get_data(as_text=True)

    assert 'id="history-title"' in page
    assert "<td>name</td>" in page
    assert "<td>Before</td>" in page
    assert "<td>After</td>" in page
    assert "<td>Old</td>" in page
    assert "<td>New, Old</td>" in page
    assert "<td>alice</td>" in page


def test_history_shown_to_staff(app, client, make_image, login):
    image = make_image("Before")
    login(client, "alice")
    edit(client, image, name="After")
    staff = app.test_client()
    login(staff, "admin", is_staff=True)

    page = staff.get(f"/catalog/{image.id}").get_data(as_text=True)

    assert 'id="history-title"' in page
    assert "<td>After</td>" in page


def test_history_hidden_from_others(app, client, make_image, login):
    image = make_image("Before")
    login(client, "alice")
    edit(client, image, name="After")
    other = app.test_client()
    login(other, "bob")

    page = other.get(f"/catalog/{image.id}").get_data(as_text=True)

    assert "After" in page
    assert 'id="history-title"' not in page
    assert "Before" not in page


def test_history_hidden_from_anonymous(app, client, make_image, login):
    image = make_image("Before")
    login(client, "alice")
    edit(client, image, name="After")

    page = app.test_client().get(f"/catalog/{image.id}").get_data(as_text=True)

    assert 'id="history-title"' not in page


def test_edit_button_for_creator_only(app, client, make_image, login):
    image = make_image("Buttons")
    login(client, "alice")
    other = app.test_client()
    login(other, "bob")
    edit_link = f'href="/catalog/{image.id}/edit"'

    assert edit_link in client.get(f"/catalog/{image.id}").get_data(as_text=True)
    assert edit_link not in other.get(f"/catalog/{image.id}").get_data(as_text=True)
    assert edit_link not in app.test_client().get(f"/catalog/{image.id}").get_data(as_text=True)


def test_history_lists_every_edit_newest_first(client, make_image, login):
    image = make_image("One")
    login(client, "alice")
    edit(client, image, name="Two")
    db.session.refresh(image)
    edit(client, image, name="Three")

    page = client.get(f"/catalog/{image.id}").get_data(as_text=True)

    pairs = re.findall(r"<td>name</td>\s*<td>(\w+)</td>\s*<td>(\w+)</td>", page)
    assert pairs == [("Two", "Three"), ("One", "Two")]


def test_cli_share_recorded_in_history(runner, make_image):
    from sqlalchemy import select

    from catalog.models import Image, ImageChange

    image = make_image("Shared", private=True)
    revision = image.revision
    assert runner.invoke(args=["groups", "create", "Lab"]).exit_code == 0

    shared = runner.invoke(args=["images", "share", image.id, "Lab"])
    unshared = runner.invoke(args=["images", "unshare", image.id, "Lab"])

    assert shared.exit_code == 0, shared.output
    assert unshared.exit_code == 0, unshared.output
    rows = list(
        db.session.scalars(
            select(ImageChange).where(ImageChange.image_id == image.id).order_by(ImageChange.id)
        )
    )
    assert [row.field for row in rows] == ["groups", "groups"]
    assert [row.actor for row in rows] == ["cli", "cli"]
    assert '"group": "Lab"' in rows[0].new_value
    assert rows[1].new_value == "[]"
    db.session.expire_all()
    assert db.session.get(Image, image.id).revision == revision + 2
