"""The user of each request, from a session cookie or an API token, and the CSRF check."""

import hashlib
import logging
from typing import NoReturn

from flask import Flask, current_app, g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from catalog.errors import wants_json
from catalog.extensions import csrf, db, login_manager
from catalog.models import ApiToken, User

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def token_digest(token: str) -> str:
    """Return the stored form of an API token: its SHA-256 hex digest.

    Tokens are 256-bit random values, so an unsalted fast hash is enough to
    make a copy of the database useless for authenticating.
    """
    return hashlib.sha256(token.encode()).hexdigest()


@login_manager.user_loader
def load_session_user(session_user_id: str) -> User | None:
    """Return the user of a session cookie, or None if the cookie is no longer valid.

    The session stores "<id>:<session secret>". Changing the user's session
    secret (at logout or password change) invalidates every older cookie.
    """
    user_id, _, secret = session_user_id.partition(":")
    if not user_id.isdecimal() or not secret:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_secret != secret:
        return None
    return user


@login_manager.unauthorized_handler
def require_login() -> ResponseReturnValue:
    """Reject a request that needs a logged-in user.

    API requests get a 401; pages redirect to the login page, which comes back here.
    """
    if wants_json():
        unauthorized("Authentication required: log in or send 'Authorization: Token <token>'.")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def unauthorized(detail: str) -> NoReturn:
    """Raise a 401 with the `WWW-Authenticate: Token` challenge."""
    raise Unauthorized(detail, www_authenticate=WWWAuthenticate("Token"))


def authenticate_request() -> None:
    """Check an `Authorization: Token <token>` header and CSRF, before any view runs.

    A malformed or unknown token is a 401, never silently anonymous. A write
    without a session or remember-me cookie needs no CSRF token when a token
    authenticates it, or when it is an API request, which then gets a 401.
    Every other write needs one.
    """
    # g belongs to the app context, which can span several requests (tests push
    # one around many), so the user found for an earlier request is dropped.
    g.pop("token_user", None)
    g.pop("_login_user", None)

    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "token" or not token:
            unauthorized("Invalid Authorization header: send 'Authorization: Token <token>'.")
        found = db.session.scalar(
            select(ApiToken).where(
                ApiToken.digest == token_digest(token), ApiToken.revoked_at.is_(None)
            )
        )
        if found is None or not found.user.is_active:
            log.info("rejected an invalid API token on %s %s", request.method, request.path)
            unauthorized("Invalid token.")
        g.token_user = found.user
        # The token decides who makes the request, even when a session or
        # remember-me cookie names someone else: Flask-Login's loaders would
        # prefer the cookies and skip the token whenever a remember-me cookie is sent.
        login_manager._update_request_context_with_user(found.user)

    # Routing errors (404, 405) are raised after this hook: let them through.
    if request.method in SAFE_METHODS or request.routing_exception is not None:
        return
    if not current_app.config["WTF_CSRF_ENABLED"]:
        return
    cookie_names = (
        current_app.config.get("SESSION_COOKIE_NAME", "session"),
        current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token"),
    )
    carries_cookie = any(name in request.cookies for name in cookie_names)
    if not carries_cookie and (g.get("token_user") is not None or request.blueprint == "api"):
        # Without a cookie a forged request has no ambient authority: a token
        # request is the script itself, and an anonymous API write gets a 401.
        return
    csrf.protect(apply_exemptions=True)


def init_app(app: Flask) -> None:
    """Install token authentication and the CSRF check, in that order."""
    # CSRFProtect's own before_request would run before the token is known,
    # so it is turned off and authenticate_request calls csrf.protect().
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.before_request(authenticate_request)
