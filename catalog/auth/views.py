"""The login and logout pages, with failed logins rate-limited per client and per username."""

import logging
import math
import time

from flask import (
    Blueprint,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
)
from flask.typing import ResponseReturnValue
from flask_limiter import RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_login import login_user, logout_user

from catalog import accounts
from catalog.auth.forms import LoginForm
from catalog.auth.redirects import after_login_url
from catalog.auth.viewer import current_viewer
from catalog.extensions import db, limiter

log = logging.getLogger(__name__)

bp = Blueprint("auth", __name__)

INVALID_LOGIN = "Invalid username or password."


def login_rate_limit() -> str:
    """Return the allowed number of failed logins, such as "10 per 5 minutes"."""
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def client_key() -> str:
    """Return the rate-limit key of the client's address."""
    return f"login-client:{get_remote_address()}"


def username_key() -> str:
    """Return the rate-limit key of the username being tried, in any case."""
    return "login-user:" + request.form.get("username", "").strip().casefold()


def login_failed(_response: object) -> bool:
    """Return True when this request was a failed login, the only kind that is counted."""
    return bool(g.get("login_failed"))


@bp.route("/login", methods=["GET", "POST"])
# NOTE: the per-username limit also lets anyone lock a named account out for
# the limit's window by failing on purpose. The per-client limit alone would not.
@limiter.limit(login_rate_limit, key_func=client_key, methods=["POST"], deduct_when=login_failed)
@limiter.limit(login_rate_limit, key_func=username_key, methods=["POST"], deduct_when=login_failed)
def login() -> ResponseReturnValue:
    """Show the login form; log the user in and go to `next` when it is a path on this site."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)

    user = accounts.authenticate(form.username.data or "", form.password.data or "")
    if user is None:
        g.login_failed = True
        log.info("failed login from %s", get_remote_address())
        return render_template("auth/login.html", form=form, error=INVALID_LOGIN)

    # A new session for the new login, so that nothing set before it
    # (by another person on a shared browser, or planted) carries over.
    session.clear()
    login_user(user, remember=bool(form.remember.data))
    session.permanent = True
    db.session.commit()
    log.info("user %s logged in from %s", user.username, get_remote_address())
    return redirect(after_login_url(form.next.data, request.script_root))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Log out, ending every session and remember-me cookie of the user."""
    user = current_viewer()
    if user is not None:
        accounts.end_sessions(user)
        db.session.commit()
        log.info("user %s logged out", user.username)
    session.clear()
    # After clear(), so that the "delete the remember-me cookie" mark it sets stays.
    logout_user()
    return redirect(after_login_url(None, request.script_root))


@bp.errorhandler(RateLimitExceeded)
def too_many_attempts(error: RateLimitExceeded) -> ResponseReturnValue:
    """Show the login page with status 429 and when to try again."""
    limit = limiter.current_limit
    seconds = 60
    if limit is not None:
        # The window's reset time is a Unix time from the limiter's storage,
        # so it is compared with the system clock, not with catalog.clock.
        seconds = max(1, math.ceil(limit.window.reset_time - time.time()))
    log.warning("login rate limit reached from %s (%s)", get_remote_address(), error.description)
    form = LoginForm()
    message = f"Too many login attempts. Try again in {seconds} seconds."
    response = make_response(render_template("auth/login.html", form=form, error=message), 429)
    response.headers["Retry-After"] = str(seconds)
    return response
