"""Error responses: JSON for the API and for clients that ask for it, HTML pages otherwise."""

import logging

from flask import Flask, Response, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from catalog.extensions import db

log = logging.getLogger(__name__)

# Paths whose errors are always JSON, whatever the Accept header requests.
JSON_PATH_PREFIXES = ("/images", "/openapi.json", "/healthz")


def wants_json() -> bool:
    """Return True when the error response for this request should be JSON."""
    if request.path.startswith(JSON_PATH_PREFIXES):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def json_detail(error: HTTPException) -> str:
    """Return the `detail` message of an API error, in the API's wording."""
    if error.code == 404 and error.description == error.__class__.description:
        return "Not found."
    if error.code == 405:
        return f'Method "{request.method}" not allowed.'
    return error.description or error.name


def requester() -> str:
    """Return who made the request, for log lines, without querying the database.

    Flask-Login keeps the user it loaded on `g`; a request that failed before
    that (or whose database is down) is logged as anonymous.
    """
    user = g.get("_login_user")
    return getattr(user, "username", None) or "anonymous"


def handle_http_error(error: HTTPException) -> Response | tuple[str, int]:
    """Log one line and render an HTTP error as JSON `{"detail": ...}` or as an error page."""
    if error.code is not None and error.code >= 500:
        db.session.rollback()
    log.info(
        "%s %s -> %s for %s: %s",
        request.method,
        request.path,
        error.code,
        requester(),
        error.description,
    )
    return render_error(error)


def render_error(error: HTTPException) -> Response | tuple[str, int]:
    """Return the JSON or HTML response for `error`, with the headers it carries."""
    if wants_json():
        response = jsonify(detail=json_detail(error))
        response.status_code = error.code or 500
    else:
        response = Response(
            render_template("errors/error.html", error=error),
            status=error.code or 500,
            mimetype="text/html",
        )
    for name, value in error.get_headers():
        if name.lower() not in ("content-type", "content-length"):
            response.headers[name] = value
    return response


def handle_unexpected_error(error: InternalServerError) -> Response | tuple[str, int]:
    """Log an unhandled exception once, roll back, and render a 500."""
    db.session.rollback()
    original = error.original_exception or error
    log.error(
        "unhandled error on %s %s for %s: %r",
        request.method,
        request.path,
        requester(),
        original,
        exc_info=original,
    )
    return render_error(InternalServerError())


def init_app(app: Flask) -> None:
    """Register the error handlers on `app`."""
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_unexpected_error)
