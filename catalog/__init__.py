"""The image catalog: a Flask application serving images as pages and as JSON."""

import logging
import secrets
from logging.config import dictConfig
from pathlib import Path
from typing import Any

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the application: defaults, then the environment, then `test_config`."""
    configure_logging()
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(Config)
    if test_config is not None:
        app.config.update(test_config)
    # Keep the API's field order as the serializers write it.
    app.json.sort_keys = False  # type: ignore[attr-defined]
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    configure_database_url(app)
    configure_secret_key(app)
    configure_proxies(app)
    register_extensions(app)
    register_body_limit(app)
    register_blueprints(app)
    register_security_headers(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def configure_logging() -> None:
    """Send log lines with time, level and logger name to standard error."""
    dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {
                "default": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
            },
            "handlers": {
                "stderr": {
                    "class": "logging.StreamHandler",
                    "stream": "ext://sys.stderr",
                    "formatter": "default",
                }
            },
            "loggers": {"catalog": {"level": Config.LOG_LEVEL, "handlers": ["stderr"]}},
        }
    )


def configure_database_url(app: Flask) -> None:
    """Default to an SQLite file in the instance folder when DATABASE_URL is unset."""
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        path = Path(app.instance_path) / "catalog.sqlite3"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"


def configure_secret_key(app: Flask) -> None:
    """Use SECRET_KEY, or in development one generated once into the instance folder.

    Outside development a missing SECRET_KEY stops the app from starting, because
    sessions signed with a per-process key break behind a load balancer.
    """
    if app.config.get("SECRET_KEY"):
        return
    if app.config["CATALOG_ENV"] != "development":
        raise RuntimeError(
            "SECRET_KEY is not set. Set it to a long random value "
            '(python -c "import secrets; print(secrets.token_hex(32))"), '
            "or set CATALOG_ENV=development to generate one in the instance folder."
        )
    key_file = Path(app.instance_path) / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
        logging.getLogger("catalog").info("generated a development SECRET_KEY in %s", key_file)
    app.config["SECRET_KEY"] = key_file.read_text().strip()


def configure_proxies(app: Flask) -> None:
    """Trust X-Forwarded-* headers from TRUSTED_PROXIES reverse proxies, none by default."""
    hops = app.config["TRUSTED_PROXIES"]
    if hops > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops
        )


def register_extensions(app: Flask) -> None:
    """Bind the extensions of catalog.extensions to `app`."""
    from catalog import models  # noqa: F401  (registers the tables with the metadata)
    from catalog.auth import sessions
    from catalog.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    enable_sqlite_foreign_keys(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    sessions.init_app(app)


def enable_sqlite_foreign_keys(app: Flask) -> None:
    """Make SQLite enforce foreign keys, as PostgreSQL does."""
    from sqlalchemy import event

    from catalog.extensions import db

    def set_pragma(connection: Any, record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", set_pragma)


def register_blueprints(app: Flask) -> None:
    """Register each area's blueprint."""
    from catalog.api import bp as api_bp
    from catalog.auth.views import bp as auth_bp
    from catalog.browse import bp as browse_bp
    from catalog.edit import bp as edit_bp
    from catalog.health import bp as health_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(browse_bp)
    app.register_blueprint(edit_bp)
    app.register_blueprint(health_bp)


def register_body_limit(app: Flask) -> None:
    """Reject chunked request bodies over MAX_CONTENT_LENGTH with 413 on every route.

    Werkzeug cuts such a body at the limit instead of rejecting it, so a form
    or JSON body would be parsed truncated. URL value preprocessors run before
    every before_request function, including the CSRF check that parses forms.
    """
    from catalog.request_body import buffer_chunked_body

    @app.url_value_preprocessor
    def limit_chunked_body(endpoint: str | None, values: dict[str, Any] | None) -> None:
        buffer_chunked_body(request)


# Every response gets these. The pages load only their own CSS and images and
# run no script, so the policy can forbid everything else, framing included.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def register_security_headers(app: Flask) -> None:
    """Add SECURITY_HEADERS to every response that does not set them itself."""

    def add_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    app.after_request(add_headers)


def register_errorhandlers(app: Flask) -> None:
    """Install the error handlers that pick JSON or HTML."""
    from catalog.errors import init_app

    init_app(app)


def register_commands(app: Flask) -> None:
    """Add the `flask images`, `flask demo` and other command groups."""
    from catalog.cli import init_app

    init_app(app)
