"""The catalog pages in a real headless Chromium: search, tags, paging, keyboard and axe."""

import json
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

BLOCKING_IMPACTS = {"serious", "critical"}


def blocking_violations(page) -> list[str]:
    """Return the serious and critical axe-core violations of the page, one line each."""
    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} "
        f"at {[node['target'] for node in violation['nodes']][:3]}"
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
    ]


def test_search_from_header(page, screenshot):
    page.goto("/catalog/")
    page.get_by_label("Search images").fill("cuda")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(re.compile(r"/catalog/\?search=cuda"))

    names = page.locator(".image-name a").all_inner_texts()
    screenshot("search")
    api = page.request.get("/images?search=cuda&page_size=100").json()

    assert len(names) >= 3
    assert names == [image["name"] for image in api["results"]]
    assert page.locator(".chip").first.inner_text().startswith("Search: cuda")


def test_click_tag_filters_list(page, screenshot):
    page.goto("/catalog/?search=pytorch")
    page.locator(".image-card .tag", has_text="machine-learning").first.click()
    page.wait_for_url(re.compile(r"tags=machine-learning"))
    screenshot("tag")

    count_text = page.locator(".result-count").inner_text()
    chips = page.locator(".chip").all_inner_texts()

    assert re.match(r"\d+ images?", count_text)
    assert any("Tag: machine-learning" in chip for chip in chips)
    for card in page.locator(".image-card").all():
        assert "machine-learning" in card.locator(".tag").all_inner_texts()


def test_page_forward_and_back_keeps_filter(page, screenshot):
    page.goto("/catalog/?tags=pagetest&ordering=name&page_size=10")
    first_page = page.locator(".image-name a").all_inner_texts()

    page.get_by_role("link", name="Next →").click()
    page.wait_for_url(re.compile(r"page=2"))
    second_page = page.locator(".image-name a").all_inner_texts()
    screenshot("page-2")
    assert "tags=pagetest" in page.url

    page.get_by_role("link", name="← Previous").click()
    page.wait_for_url(lambda url: "page=" not in url)

    assert first_page == [f"Page test image {number:02d}" for number in range(1, 11)]
    assert second_page == [f"Page test image {number:02d}" for number in range(11, 21)]
    assert page.locator(".image-name a").all_inner_texts() == first_page


def test_filter_form_applies_sort(page):
    page.goto("/catalog/?tags=pagetest")
    page.get_by_label("Sort by").select_option("-name")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"ordering=-name"))

    assert "tags=pagetest" in page.url
    assert page.locator(".image-name a").first.inner_text() == "Page test image 30"


def test_open_image_and_follow_json_link(page, screenshot):
    page.goto("/catalog/?search=Rocky+Linux+9+Base")
    page.get_by_role("link", name="Rocky Linux 9 Base", exact=True).click()
    page.wait_for_url(re.compile(r"/catalog/[0-9a-f-]{36}$"))
    screenshot("image")
    image_id = page.get_by_label("Image id").input_value()

    assert page.get_by_role("heading", level=1).inner_text().startswith("Rocky Linux 9 Base")
    assert page.url.endswith(image_id)
    assert page.locator("table.versions tbody tr").count() >= 1

    page.get_by_role("link", name="This image as JSON").click()
    page.wait_for_url(re.compile(rf"/images/{image_id}$"))
    body = json.loads(page.locator("body").inner_text())

    assert body["id"] == image_id
    assert body["name"] == "Rocky Linux 9 Base"


def test_keyboard_reaches_search_and_first_result(page):
    page.goto("/catalog/")
    focused = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focused.append(
            page.evaluate(
                "() => { const e = document.activeElement;"
                " return (e.id || '') + '|' + (e.closest('.image-name') ? 'first-result' : '') }"
            )
        )
        if focused[-1].endswith("first-result"):
            break

    assert focused[0] == "|", "the skip link comes first"
    assert "site-search-input|" in focused
    assert focused[-1].endswith("first-result")
    assert page.evaluate("() => document.activeElement.matches(':focus-visible')")


def test_skip_link_moves_focus_to_main(page):
    page.goto("/catalog/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    # expect() retries until the browser has followed the link and moved focus.
    expect(page).to_have_url(re.compile(r"#main$"))
    expect(page.locator("#main")).to_be_focused()


@pytest.mark.parametrize("width", [390, 1400])
def test_accessibility_scan(page, screenshot, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/catalog/?page_size=10")
    screenshot(f"list-{width}")
    list_violations = blocking_violations(page)

    page.locator(".image-name a").first.click()
    page.wait_for_url(re.compile(r"/catalog/[0-9a-f-]{36}$"))
    screenshot(f"image-{width}")
    image_violations = blocking_violations(page)

    page.goto("/tags")
    tags_violations = blocking_violations(page)
    page.goto("/catalog/not-an-image")
    error_violations = blocking_violations(page)

    assert list_violations == []
    assert image_violations == []
    assert tags_violations == []
    assert error_violations == []


def test_pages_fit_phone_width(page):
    page.set_viewport_size({"width": 390, "height": 800})
    for path in ["/catalog/", "/tags", "/providers", "/catalog/?search=zzzz"]:
        page.goto(path)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
