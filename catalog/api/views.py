"""Routes of the JSON API: GET /images, GET and PATCH /images/<id>, and icons."""

import uuid

from flask import Response, abort, current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import RequestEntityTooLarge, Unauthorized

from catalog import operations
from catalog.api import bp
from catalog.api.edits import (
    JSON_MIMETYPES,
    InvalidBody,
    image_etag,
    read_json_object,
    split_body,
)
from catalog.auth.viewer import current_viewer
from catalog.clock import now
from catalog.errors import handle_http_error
from catalog.extensions import db
from catalog.icons import current_icon
from catalog.models import Image
from catalog.params import InvalidPage, InvalidParameter, parse_list_request
from catalog.queries import (
    PageOutOfRange,
    image_detail,
    image_list,
    image_load_options,
    paginate,
)
from catalog.serializers import image_to_json

# Icon URLs carry the icon's digest, so a changed icon gets a new URL.
ICON_MAX_AGE = 24 * 60 * 60


def page_url(number: int | None) -> str | None:
    """Return the absolute URL of page `number` of this list, keeping every other parameter."""
    if number is None:
        return None
    args = request.args.to_dict(flat=False)
    args["page"] = [str(number)]
    return url_for(request.endpoint or "api.list_images", _external=True, **args)


def canonical_uuid(value: str) -> str | None:
    """Return `value` as a lowercase hyphenated UUID, or None if it is not a UUID."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


@bp.get("/images")
def list_images() -> ResponseReturnValue:
    """List the images the viewer may see, filtered, ordered and paginated."""
    try:
        listing = parse_list_request(
            request.args, current_app.config["PAGE_SIZE"], current_app.config["MAX_PAGE_SIZE"]
        )
    except InvalidParameter as error:
        abort(400, str(error))
    except InvalidPage:
        abort(404, "Invalid page.")

    statement = image_list(current_viewer(), listing.filters, now())
    try:
        page = paginate(statement, listing.page, listing.page_size)
    except PageOutOfRange:
        abort(404, "Invalid page.")

    return jsonify(
        count=page.total,
        next=page_url(page.number + 1 if page.has_next else None),
        previous=page_url(page.number - 1 if page.has_previous else None),
        results=[image_to_json(image) for image in page.items],
    )


@bp.get("/images/<image_id>")
def get_image(image_id: str) -> ResponseReturnValue:
    """Return one image, or 404 when it does not exist or the viewer may not see it."""
    canonical = canonical_uuid(image_id)
    if canonical is None:
        abort(404)
    image = db.session.scalar(image_detail(current_viewer(), canonical, now()))
    if image is None:
        abort(404)
    return image_response(image).make_conditional(request)


def image_response(image: Image) -> Response:
    """Return the JSON of `image` with its ETag."""
    response = jsonify(image_to_json(image))
    response.set_etag(image_etag(image))
    return response


def invalid_request(detail: str, errors: dict[str, str] | None = None) -> Response:
    """Return a 400 response naming each bad field in `errors`."""
    body: dict[str, object] = {"detail": detail}
    if errors is not None:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = 400
    return response


def check_preconditions(etag: str) -> None:
    """Abort with 412 unless If-Match and If-None-Match of a PATCH allow the image's `etag`.

    Werkzeug 3.1 parses a malformed If-Match such as `"` as an empty set, which
    is false, so the header's presence decides. RFC 9110 section 13.1.1
    compares If-Match strongly, and a value that matches no current ETag
    fails. If-None-Match fails on `*` or the current ETag, compared weakly.
    """
    if "If-Match" in request.headers and not request.if_match.contains(etag):
        abort(
            412,
            "If-Match does not match the current ETag of the image, which may have changed "
            "since you read it. GET the image again and send its ETag.",
        )
    if "If-None-Match" in request.headers and request.if_none_match.contains_weak(etag):
        abort(
            412,
            "If-None-Match matches the current ETag of the image, so the change was not applied.",
        )


@bp.patch("/images/<image_id>")
def patch_image(image_id: str) -> ResponseReturnValue:
    """Change the fields of an image sent in the body. Read-only fields may repeat their value.

    With If-Match, the edit is applied only if the image still has that ETag
    (412 otherwise, including when another edit commits first). With
    If-None-Match, only if the image does not have that ETag.
    """
    viewer = current_viewer()
    if viewer is None:
        raise Unauthorized(
            "Authentication credentials were not provided.",
            www_authenticate=WWWAuthenticate("Token"),
        )
    canonical = canonical_uuid(image_id)
    image = db.session.scalar(image_detail(viewer, canonical, now())) if canonical else None
    if image is None:
        abort(404)
    if not operations.can_edit(viewer, image):
        abort(403, "Only the creator of the image and staff may edit it.")

    revision = image.revision
    check_preconditions(image_etag(image))
    if request.mimetype not in JSON_MIMETYPES:
        abort(415, "Send the changes as a JSON object with Content-Type: application/json.")
    try:
        body = read_json_object(request)
    except InvalidBody as error:
        return invalid_request(str(error))
    changes, errors = split_body(image, body)
    try:
        changes = operations.validate_changes(changes)
    except operations.InvalidChanges as invalid:
        errors.update(invalid.errors)
    if errors:
        return invalid_request("Invalid fields: " + ", ".join(errors) + ".", errors)

    try:
        operations.update_image(image, viewer, changes)
        operations.commit_edit(canonical, revision)
    except operations.EditConflict:
        if "If-Match" in request.headers:
            abort(412, "The image was changed by another request; GET it again and retry.")
        abort(409, "The image was changed by another request at the same time; retry.")
    # Loaded again for the current versions only, and without the visibility
    # filter because a past end_date has just removed the image.
    saved = db.session.scalars(
        select(Image).where(Image.id == canonical).options(*image_load_options(now()))
    ).one()
    return image_response(saved)


@bp.get("/images/<image_id>/icon.png")
def get_icon(image_id: str) -> ResponseReturnValue:
    """Send an image's icon, if the viewer may see the image (404 otherwise)."""
    canonical = canonical_uuid(image_id)
    row = db.session.execute(current_icon(current_viewer(), canonical, now())).first() if canonical else None
    if row is None:
        abort(404)
    icon, private = row

    response = Response(icon.data, mimetype="image/png")
    response.set_etag(icon.digest)
    response.headers["X-Content-Type-Options"] = "nosniff"
    if private:
        response.cache_control.private = True
    else:
        response.cache_control.public = True
    response.cache_control.max_age = ICON_MAX_AGE
    return response.make_conditional(request)


@bp.errorhandler(RequestEntityTooLarge)
def request_too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
    """Return 413 with the size limit for an oversized body, in JSON like every API error."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    return handle_http_error(
        RequestEntityTooLarge(f"The request body is larger than the limit of {limit:,} bytes.")
    )
