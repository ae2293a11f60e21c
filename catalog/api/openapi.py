"""The OpenAPI 3.1 document of the JSON API, served at /openapi.json."""

from typing import Any

from flask import current_app, jsonify
from flask.typing import ResponseReturnValue

from catalog.api import bp
from catalog.params import MAX_TEXT_LENGTH
from catalog.queries import ORDERINGS

DATE_TIME = {
    "type": "string",
    "format": "date-time",
    "description": "ISO 8601 in UTC with milliseconds, e.g. 2014-02-05T01:03:27.903Z.",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$",
}
NULLABLE_DATE_TIME = {**DATE_TIME, "type": ["string", "null"]}
# A text query parameter: catalog.params rejects longer values and NUL characters.
QUERY_TEXT = {"type": "string", "maxLength": MAX_TEXT_LENGTH, "pattern": "^[^\\u0000]*$"}


def error_response(description: str) -> dict[str, Any]:
    """Return an OpenAPI response object for an error with a `detail` body."""
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def image_patch_schema() -> dict[str, Any]:
    """Return the schema of a PATCH /images/{id} body: the fields to change."""
    return {
        "type": "object",
        "description": (
            "Only the fields sent are changed. id, created_by, start_date and versions are "
            "read-only: they may be sent back unchanged, and a different value is a 400."
        ),
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 256, "description": "Trimmed."},
            "description": {"type": "string", "maxLength": 10000, "description": "Markdown."},
            "tags": {
                "type": "array",
                "maxItems": 20,
                "description": (
                    "Trimmed; duplicates are dropped case-insensitively, keeping the first "
                    "spelling; at most 20 after that. Existing tags match case-insensitively."
                ),
                "items": {"type": "string", "minLength": 1, "maxLength": 64},
            },
            "private": {"type": "boolean"},
            "end_date": {
                "type": ["string", "null"],
                "format": "date-time",
                "description": (
                    "ISO 8601 with a time zone. A past date removes the image at once; "
                    "a future one schedules its removal; null keeps it."
                ),
            },
            "icon": {"type": "null", "description": "null removes the icon."},
            "id": {"type": "string", "format": "uuid", "readOnly": True},
            "created_by": {"type": "string", "readOnly": True},
            "start_date": {"type": "string", "format": "date-time", "readOnly": True},
            "versions": {"type": "array", "readOnly": True},
        },
        "additionalProperties": False,
    }


def patch_operation(image_id: dict[str, Any]) -> dict[str, Any]:
    """Return the OpenAPI operation of PATCH /images/{id}."""
    return {
        "operationId": "patchImage",
        "summary": "Change fields of an image (its creator or staff)",
        "description": (
            "Needs `Authorization: Token <token>`, or a browser session with the CSRF token "
            "in X-CSRFToken. Each changed field is recorded in the image's history."
        ),
        "security": [{"token": []}],
        "parameters": [
            image_id,
            {
                "name": "If-Match",
                "in": "header",
                "description": "The ETag of a GET; the change is applied only if it still matches.",
                "schema": {"type": "string"},
            },
        ],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ImagePatch"}}},
        },
        "responses": {
            "200": {
                "description": "The image after the change, with its new ETag.",
                "headers": {"ETag": {"schema": {"type": "string"}}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Image"}}},
            },
            "400": {
                "description": "Invalid JSON, or invalid, unknown or read-only fields, each named in errors.",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ValidationError"}}
                },
            },
            "401": error_response("No credentials, or an invalid token."),
            "403": error_response("The caller may see the image but is not its creator or staff."),
            "404": error_response("No such image, or not visible to the caller."),
            "409": error_response("Another request changed the image at the same moment; retry."),
            "412": error_response(
                "If-Match does not match the current ETag (the image has changed, or the "
                "header is malformed), or If-None-Match matches it."
            ),
            "413": error_response(
                "The request body is larger than the server's limit, with or without "
                "Content-Length (chunked bodies are counted as they arrive)."
            ),
            "415": error_response("The body is not application/json."),
        },
    }


def build_document(max_page_size: int) -> dict[str, Any]:
    """Return the OpenAPI document of GET /images, GET and PATCH /images/{id}, and icons."""
    image_id = {
        "name": "id",
        "in": "path",
        "required": True,
        "description": "UUID of the image.",
        "schema": {"type": "string", "format": "uuid"},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Image catalog API",
            "version": "1.0.0",
            "description": (
                "Images of a research cloud, as the Atmosphere /images API serves them. "
                "Anonymous requests see public images; a request with "
                "`Authorization: Token <token>` also sees the private images shared with "
                "its user. Images whose end_date has passed are never returned."
            ),
        },
        "paths": {
            "/images": {
                "get": {
                    "operationId": "listImages",
                    "summary": "List the images the caller may see",
                    "parameters": [
                        {
                            "name": "page",
                            "in": "query",
                            "description": "1-based page number.",
                            "schema": {"type": "integer", "minimum": 1, "default": 1},
                        },
                        {
                            "name": "page_size",
                            "in": "query",
                            "schema": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": max_page_size,
                                "default": current_app.config["PAGE_SIZE"],
                            },
                        },
                        {
                            "name": "tags",
                            "in": "query",
                            "description": "Repeatable; every tag must match (case-insensitive).",
                            "style": "form",
                            "explode": True,
                            "schema": {"type": "array", "items": QUERY_TEXT},
                        },
                        {
                            "name": "created_by",
                            "in": "query",
                            "description": "Username of the creator (case-insensitive).",
                            "schema": QUERY_TEXT,
                        },
                        {
                            "name": "provider",
                            "in": "query",
                            "description": "Only images with a current version on this provider.",
                            "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
                        },
                        {
                            "name": "search",
                            "in": "query",
                            "description": "Case-insensitive substring of the name, description or a tag.",
                            "schema": QUERY_TEXT,
                        },
                        {
                            "name": "ordering",
                            "in": "query",
                            "description": "Sort order; ties are broken by id.",
                            "schema": {"type": "string", "enum": list(ORDERINGS), "default": "-start_date"},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "One page of images.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/ImageCollection"}
                                }
                            },
                        },
                        "400": error_response("A parameter value is not allowed; detail names it."),
                        "401": error_response("The Authorization token is invalid."),
                        "404": error_response("Invalid page."),
                    },
                }
            },
            "/images/{id}": {
                "get": {
                    "operationId": "getImage",
                    "summary": "Retrieve one image",
                    "parameters": [image_id],
                    "responses": {
                        "200": {
                            "description": "The image.",
                            "headers": {
                                "ETag": {
                                    "description": "Changes with every edit of the image.",
                                    "schema": {"type": "string"},
                                }
                            },
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Image"}}
                            },
                        },
                        "401": error_response("The Authorization token is invalid."),
                        "404": error_response("No such image, or not visible to the caller."),
                    },
                },
                "patch": patch_operation(image_id),
            },
            "/images/{id}/icon.png": {
                "get": {
                    "operationId": "getImageIcon",
                    "summary": "Retrieve an image's icon as a PNG of at most 256x256",
                    "parameters": [image_id],
                    "responses": {
                        "200": {
                            "description": "The icon. The ETag is the SHA-256 of the PNG.",
                            "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
                        },
                        "304": {"description": "The icon matches If-None-Match."},
                        "404": error_response("No icon, no such image, or not visible to the caller."),
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "token": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "`Token <token>`, as printed by `flask users token USERNAME`.",
                }
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["detail"],
                    "properties": {"detail": {"type": "string"}},
                },
                "ValidationError": {
                    "type": "object",
                    "required": ["detail"],
                    "properties": {
                        "detail": {"type": "string"},
                        "errors": {
                            "type": "object",
                            "description": "Each invalid field of the request, with the reason.",
                            "additionalProperties": {"type": "string"},
                        },
                    },
                },
                "ImagePatch": image_patch_schema(),
                "Version": {
                    "type": "object",
                    "required": ["alias", "version", "start_date", "end_date", "provider"],
                    "additionalProperties": False,
                    "properties": {
                        "alias": {"type": "string", "format": "uuid"},
                        "version": {"type": "string"},
                        "start_date": DATE_TIME,
                        "end_date": NULLABLE_DATE_TIME,
                        "provider": {"type": "integer", "description": "Id of the provider."},
                    },
                },
                "Image": {
                    "type": "object",
                    "required": [
                        "id", "icon", "created_by", "name", "tags", "description",
                        "start_date", "end_date", "private", "versions",
                    ],
                    "additionalProperties": False,
                    "properties": {
                        "id": {"type": "string", "format": "uuid"},
                        "icon": {
                            "type": ["string", "null"],
                            "description": "Relative URL of the icon, or null.",
                        },
                        "created_by": {"type": "string"},
                        "name": {"type": "string"},
                        "tags": {"type": "array", "items": {"type": "string"}},
                        "description": {"type": "string"},
                        "start_date": DATE_TIME,
                        "end_date": NULLABLE_DATE_TIME,
                        "private": {"type": "boolean"},
                        "versions": {
                            "type": "array",
                            "description": "Current versions, oldest first.",
                            "items": {"$ref": "#/components/schemas/Version"},
                        },
                    },
                },
                "ImageCollection": {
                    "type": "object",
                    "required": ["count", "next", "previous", "results"],
                    "additionalProperties": False,
                    "properties": {
                        "count": {"type": "integer", "minimum": 0},
                        "next": {"type": ["string", "null"], "format": "uri"},
                        "previous": {"type": ["string", "null"], "format": "uri"},
                        "results": {"type": "array", "items": {"$ref": "#/components/schemas/Image"}},
                    },
                },
            },
        },
        "security": [{}, {"token": []}],
    }


@bp.get("/openapi.json")
def openapi_document() -> ResponseReturnValue:
    """Return the OpenAPI 3.1 document of this API."""
    return jsonify(build_document(current_app.config["MAX_PAGE_SIZE"]))
