"""Helpers of PATCH /images/<id>: the request body, read-only fields and the ETag."""

import hashlib
import json
from typing import Any

from flask import Request

from catalog.models import Image
from catalog.operations import parse_date
from catalog.request_body import read_body
from catalog.serializers import format_date, image_to_json, version_to_json

JSON_MIMETYPES = ("application/json", "application/merge-patch+json")
EDITABLE_FIELDS = ("name", "description", "tags", "private", "end_date", "icon")
READ_ONLY_FIELDS = ("id", "created_by", "start_date", "versions")


class InvalidBody(ValueError):
    """A PATCH body that is not a JSON object. The message gives the reason."""


def image_etag(image: Image) -> str:
    """Return the entity tag of an image's JSON, without quotes.

    It combines the revision, which every edit increments, with a digest of
    the JSON, which also changes when a version reaches its end date.
    """
    body = json.dumps(image_to_json(image), separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(body.encode()).hexdigest()[:16]
    return f"{image.id}-{image.revision}-{digest}"


def read_json_object(request: Request) -> dict[str, Any]:
    """Return the request body as a JSON object, or raise InvalidBody.

    Raises RequestEntityTooLarge for a body longer than MAX_CONTENT_LENGTH.
    """
    try:
        body = json.loads(read_body(request))
    except (ValueError, RecursionError):
        raise InvalidBody("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise InvalidBody("The request body must be a JSON object of the fields to change.")
    return body


def same_as_current(image: Image, field: str, value: Any) -> bool:
    """Return True when `value` equals the current value of read-only `field`."""
    if field == "id":
        return value == image.id
    if field == "created_by":
        return value == image.creator.username
    if field == "start_date":
        if not isinstance(value, str):
            return False
        try:
            return format_date(parse_date(value)) == format_date(image.start_date)
        except ValueError:
            return False
    return value == [version_to_json(version) for version in image.versions]


def split_body(image: Image, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Split a PATCH body into the editable fields and the errors of the other fields.

    Read-only fields are accepted when they repeat the current value, so
    that a client may send back what GET returned.
    """
    editable: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field, value in body.items():
        if field in EDITABLE_FIELDS:
            editable[field] = value
        elif field in READ_ONLY_FIELDS:
            if not same_as_current(image, field, value):
                errors[field] = "is read-only; leave it out or send its current value."
        else:
            errors[field] = (
                "is not a field of an image; the editable fields are "
                + ", ".join(EDITABLE_FIELDS)
                + "."
            )
    return editable, errors
