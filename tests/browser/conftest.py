"""Fixtures of the browser tests: the real app in a live server and headless Chromium.

The server runs on 127.0.0.1 on a free port, in a thread, against an SQLite
file whose schema the migrations build. Chromium is Debian's /usr/bin/chromium,
driven by Playwright; these tests never download a browser.
"""

import os
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from werkzeug.serving import make_server

from catalog import create_app, demo, operations
from catalog.clock import now
from catalog.extensions import db
from catalog.models import Image, Version

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Images add_made_images puts on top of the demo catalog: enough for three pages of 10.
MADE_IMAGE_COUNT = 30


def require_chromium() -> None:
    """Skip when Chromium is missing, unless CATALOG_REQUIRE_BROWSER=1 makes that a failure."""
    if Path(CHROMIUM).exists():
        return
    message = f"{CHROMIUM} is missing: apt-get install chromium"
    if os.environ.get("CATALOG_REQUIRE_BROWSER") == "1":
        pytest.fail(message + " (CATALOG_REQUIRE_BROWSER=1 requires the browser tests)")
    pytest.skip(message)


def add_made_images(count: int) -> None:
    """Add `count` public images whose names sort predictably and share the tag "pagetest"."""
    operations.find_user("tester") or operations.create_user("tester")
    db.session.flush()
    creator = operations.find_user("tester")
    tags = operations.resolve_tags(["pagetest"])
    start = now() - timedelta(days=2000)
    for number in range(1, count + 1):
        image = Image(
            id=str(uuid.uuid4()),
            name=f"Page test image {number:02d}",
            description=f"Image number {number} for the paging test.",
            creator=creator,
            start_date=start + timedelta(hours=number),
            private=False,
        )
        db.session.add(image)
        operations.set_tags(image, tags)
        image.versions.append(
            Version(alias=str(uuid.uuid4()), version="1.0", start_date=image.start_date, provider_id=1)
        )
        operations.refresh_search_fields(image)
    db.session.commit()


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """Return the app on a migrated SQLite file holding the demo catalog and made images."""
    path = tmp_path_factory.mktemp("browser") / "catalog.sqlite3"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "SECRET_KEY": "browser-test-secret",
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        upgrade()
        demo.load()
        add_made_images(MADE_IMAGE_COUNT)
        db.session.remove()
    return app


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    """Serve `live_app` on 127.0.0.1 on a free port; return its base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Launch headless Chromium once for the session."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    """Return a fresh browser page at a wide desktop size, its base URL set to the live server."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1400, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()


@pytest.fixture
def screenshot(page: Any, tmp_path: Path) -> Any:
    """Return a function that saves a full-page screenshot under the test's tmp_path."""

    def save(name: str) -> Path:
        target = tmp_path / f"{name}.png"
        page.screenshot(path=str(target), full_page=True)
        return target

    return save


