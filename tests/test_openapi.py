"""/openapi.json: a valid OpenAPI 3.1 document whose schemas match real responses."""

from datetime import timedelta

import pytest
from jsonschema import Draft202012Validator


@pytest.fixture
def document(client) -> dict:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    return response.get_json()


def validator_for(document: dict, name: str) -> Draft202012Validator:
    """Return a validator of the component schema `name`, resolving its $refs."""
    schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_document_is_openapi_31(document):
    assert document["openapi"] == "3.1.0"
    assert "/images" in document["paths"]
    assert "/images/{id}" in document["paths"]
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_list_response_matches_schema(client, document, make_image, frozen_now):
    make_image("with versions", tags=["a", "b"], end_date=frozen_now + timedelta(days=1))
    make_image("no versions", versions=[])
    for _ in range(3):
        make_image()

    body = client.get("/images?page_size=2&page=2").get_json()

    errors = list(validator_for(document, "ImageCollection").iter_errors(body))
    assert errors == []


def test_detail_response_matches_schema(client, document, make_image):
    image = make_image(tags=["x"])

    body = client.get(f"/images/{image.id}").get_json()

    assert list(validator_for(document, "Image").iter_errors(body)) == []


def test_error_response_matches_schema(client, document):
    body = client.get("/images?page_size=0").get_json()

    assert list(validator_for(document, "Error").iter_errors(body)) == []


def test_schema_rejects_wrong_date_format(document):
    validator = validator_for(document, "Version")
    version = {
        "alias": "813557f2-f808-11e3-8ef5-b2227cce2b54",
        "version": "1",
        "start_date": "2014-02-04T23:56:40Z",
        "end_date": None,
        "provider": 1,
    }

    assert list(validator.iter_errors(version)) != []
