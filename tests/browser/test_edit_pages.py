"""Editing an image in headless Chromium: the change shows on the list, the page and the history."""

import re
import uuid

import pytest

from catalog import accounts, operations
from catalog.clock import now
from catalog.extensions import db
from catalog.models import Image, Version

pytestmark = pytest.mark.browser

PASSWORD = "editor-password-123"


@pytest.fixture
def own_image(live_app):
    """Add a user with a password and a public image of theirs; return (username, image id)."""
    username = f"editor-{uuid.uuid4().hex[:8]}"
    with live_app.app_context():
        user = accounts.create_account(username, PASSWORD)
        image = Image(
            id=str(uuid.uuid4()),
            name=f"Editable {username}",
            description="Before the edit.",
            creator=user,
            start_date=now(),
            private=False,
        )
        db.session.add(image)
        image.versions.append(
            Version(alias=str(uuid.uuid4()), version="1.0", start_date=now(), provider_id=1)
        )
        operations.refresh_search_fields(image)
        db.session.commit()
        image_id = image.id
        db.session.remove()
    return username, image_id


def log_in(page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def test_edit_shows_on_list_page_and_history(page, own_image, screenshot):
    username, image_id = own_image
    new_name = f"Renamed {username}"
    log_in(page, username)

    page.goto(f"/catalog/{image_id}")
    page.get_by_role("link", name="Edit", exact=True).click()
    page.wait_for_url(re.compile(rf"/catalog/{image_id}/edit$"))
    page.get_by_label("Name", exact=True).fill(new_name)
    page.get_by_label("Tags").fill("browser-edited, Linux")
    screenshot("edit-form")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf"/catalog/{image_id}$"))
    screenshot("edited-image")

    assert page.locator("h1").inner_text().startswith(new_name)
    history = page.locator("section.history")
    assert history.locator("td", has_text=new_name).count() == 1
    assert history.locator("td", has_text=username).count() >= 1

    page.goto(f"/catalog/?search={username}")
    names = page.locator(".image-name a").all_inner_texts()
    assert names == [new_name]


def test_remove_with_confirmation(page, own_image):
    username, image_id = own_image
    log_in(page, username)

    page.goto(f"/catalog/{image_id}")
    page.get_by_role("link", name="Remove", exact=True).click()
    page.get_by_role("button", name="Remove the image").click()
    page.wait_for_url(re.compile(r"/catalog/"))

    assert page.goto(f"/catalog/{image_id}").status == 404
    page.goto("/catalog/removed")
    page.get_by_role("button", name=re.compile("^Restore Editable")).click()
    page.wait_for_url(re.compile(rf"/catalog/{image_id}$"))
    assert page.locator("h1").inner_text().startswith("Editable")


@pytest.mark.parametrize("path", ["/catalog/{id}/edit", "/catalog/{id}/remove", "/catalog/removed"])
def test_edit_pages_pass_axe(page, own_image, path):
    from axe_playwright_python.sync_playwright import Axe

    username, image_id = own_image
    log_in(page, username)
    page.goto(path.format(id=image_id))

    violations = [
        f"{violation['id']}: {violation['help']}"
        for violation in Axe().run(page).response["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]

    assert violations == []
