"""PATCH /images/{id} in /openapi.json: the request schema and error responses match reality."""

import json
import secrets

import pytest
from jsonschema import Draft202012Validator

from catalog.auth.sessions import token_digest
from catalog.extensions import db
from catalog.models import ApiToken


@pytest.fixture
def document(client) -> dict:
    return client.get("/openapi.json").get_json()


def validator_for(document: dict, name: str) -> Draft202012Validator:
    schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture
def token_headers(app, make_user):
    user = make_user("alice")
    user.password_hash = "unused"
    token = secrets.token_hex(32)
    db.session.add(ApiToken(user_id=user.id, digest=token_digest(token)))
    db.session.commit()
    return {"Authorization": f"Token {token}", "Content-Type": "application/json"}


def test_patch_operation_documented(document):
    operation = document["paths"]["/images/{id}"]["patch"]

    assert set(operation["responses"]) >= {"200", "400", "401", "403", "404", "412", "413", "415"}
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ImagePatch"
    }
    Draft202012Validator.check_schema(document["components"]["schemas"]["ImagePatch"])


def test_icon_path_documented(document):
    assert "get" in document["paths"]["/images/{id}/icon.png"]


def test_patch_schema_accepts_valid_body(document):
    body = {"name": "New", "tags": ["a"], "private": True, "end_date": None, "icon": None}

    assert list(validator_for(document, "ImagePatch").iter_errors(body)) == []


@pytest.mark.parametrize(
    "body", [{"tags": "linux"}, {"private": "yes"}, {"name": 3}, {"owner": "x"}, {"icon": "/x.png"}]
)
def test_patch_schema_rejects_what_server_rejects(client, document, make_image, token_headers, body):
    image = make_image("Name", creator="alice")

    response = client.patch(f"/images/{image.id}", data=json.dumps(body), headers=token_headers)

    assert response.status_code == 400
    assert list(validator_for(document, "ImagePatch").iter_errors(body)) != []
    assert list(validator_for(document, "ValidationError").iter_errors(response.get_json())) == []


def test_patch_response_matches_image_schema(client, document, make_image, token_headers):
    image = make_image("Name", creator="alice", tags=["x"])

    response = client.patch(f"/images/{image.id}", data='{"name": "Renamed"}', headers=token_headers)

    assert list(validator_for(document, "Image").iter_errors(response.get_json())) == []
