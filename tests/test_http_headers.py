"""Security headers on every response, and the trusted host names."""

import pytest

from catalog import create_app
from catalog.extensions import db


@pytest.mark.parametrize("path", ["/catalog/", "/images", "/catalog/not-an-image", "/login"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)

    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "default-src 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_untrusted_host_rejected(app):
    trusted = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "TRUSTED_HOSTS": ["catalog.example.org"],
        }
    )
    client = trusted.test_client()

    good = client.get("/images", headers={"Host": "catalog.example.org"})
    bad = client.get("/images", headers={"Host": "evil.example"})
    # The second app has its own connection pool: close it, or a PostgreSQL
    # connection is garbage-collected open during a later test.
    with trusted.app_context():
        db.engine.dispose()

    assert good.status_code == 200
    assert bad.status_code == 400
    assert bad.headers["Content-Type"] == "application/json"
