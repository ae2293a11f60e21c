"""Routes of the JSON API: GET /images, GET /images/<id>."""

import uuid

from flask import abort, current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue

from catalog.api import bp
from catalog.auth.viewer import current_viewer
from catalog.clock import now
from catalog.extensions import db
from catalog.params import InvalidPage, InvalidParameter, parse_list_request
from catalog.queries import PageOutOfRange, image_detail, image_list, paginate
from catalog.serializers import image_to_json


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
    return jsonify(image_to_json(image))
