"""GET /images and GET /images/<id>: the contract of the API blueprint."""

import re
from datetime import timedelta

import pytest

IMAGE_FIELDS = [
    "id",
    "icon",
    "created_by",
    "name",
    "tags",
    "description",
    "start_date",
    "end_date",
    "private",
    "versions",
]
VERSION_FIELDS = ["alias", "version", "start_date", "end_date", "provider"]
DATE_FORMAT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def check_image_contract(item: dict) -> None:
    assert list(item) == IMAGE_FIELDS
    assert isinstance(item["id"], str)
    assert item["icon"] is None or isinstance(item["icon"], str)
    assert isinstance(item["created_by"], str)
    assert isinstance(item["name"], str)
    assert all(isinstance(tag, str) for tag in item["tags"])
    assert isinstance(item["description"], str)
    assert DATE_FORMAT.match(item["start_date"])
    assert item["end_date"] is None or DATE_FORMAT.match(item["end_date"])
    assert isinstance(item["private"], bool)
    for version in item["versions"]:
        assert list(version) == VERSION_FIELDS
        assert isinstance(version["alias"], str)
        assert isinstance(version["version"], str)
        assert DATE_FORMAT.match(version["start_date"])
        assert version["end_date"] is None or DATE_FORMAT.match(version["end_date"])
        assert isinstance(version["provider"], int)


def test_list_contract(client, make_image):
    make_image("Ubuntu 22.04", tags=["Ubuntu", "Featured"])

    response = client.get("/images")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    body = response.get_json()
    assert list(body) == ["count", "next", "previous", "results"]
    assert body["count"] == 1
    assert body["next"] is None
    assert body["previous"] is None
    check_image_contract(body["results"][0])
    assert body["results"][0]["tags"] == ["Ubuntu", "Featured"]


def test_detail_contract(client, make_image):
    image = make_image("Rocky 9", tags=["Rocky"])

    response = client.get(f"/images/{image.id}")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    check_image_contract(response.get_json())
    assert response.get_json()["id"] == image.id


def test_detail_accepts_uppercase_uuid(client, make_image):
    image = make_image()

    response = client.get(f"/images/{image.id.upper()}")

    assert response.status_code == 200


def test_dates_keep_milliseconds(client, make_image, frozen_now):
    image = make_image(start_date=frozen_now - timedelta(days=1, microseconds=96_789))

    body = client.get(f"/images/{image.id}").get_json()

    assert body["start_date"] == "2026-05-31T12:00:00.403Z"


@pytest.mark.parametrize(
    "path",
    [
        "/images/not-a-uuid",
        "/images/00000000-0000-0000-0000-000000000000",
        "/images/%00",
    ],
)
def test_detail_not_found(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.get_json() == {"detail": "Not found."}


def test_no_accept_header_gets_json(client, make_image):
    make_image()

    response = client.get("/images", headers={"Accept": ""})

    assert response.headers["Content-Type"] == "application/json"


def test_html_accept_still_gets_json_errors(client):
    response = client.get("/images?page=9", headers={"Accept": "text/html"})

    assert response.status_code == 404
    assert response.get_json() == {"detail": "Invalid page."}


def test_method_not_allowed_is_json(client):
    response = client.delete("/images")

    assert response.status_code == 405
    assert response.get_json() == {"detail": 'Method "DELETE" not allowed.'}


def test_unexpected_error_is_json_500(app, client, monkeypatch):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("catalog.api.views.image_list", explode)
    response = client.get("/images")

    assert response.status_code == 500
    assert response.headers["Content-Type"] == "application/json"
    assert "detail" in response.get_json()
