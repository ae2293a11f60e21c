"""Oversized requests on a real HTTP server: a 413 response, never a reset connection."""

import http.client
import json
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from catalog.auth.sessions import token_digest
from catalog.extensions import db
from catalog.models import ApiToken

FIVE_MIB = 5 * 1024 * 1024


@pytest.fixture
def server(app) -> Iterator[int]:
    """Serve the app on 127.0.0.1 from a thread; return the port."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_port
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def send(port: int, method: str, path: str, body: bytes, headers: dict[str, str]):
    """Send one request with `body` and return (status, content type, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        connection.close()


def test_patch_five_mib_gets_json_413(server, make_image, make_user):
    image = make_image("Target")
    user = make_user("alice")
    user.password_hash = "unused"
    db.session.add(ApiToken(user_id=user.id, digest=token_digest("t" * 64)))
    db.session.commit()
    body = json.dumps({"description": "x" * FIVE_MIB}).encode()

    status, content_type, payload = send(
        server,
        "PATCH",
        f"/images/{image.id}",
        body,
        {"Content-Type": "application/json", "Authorization": "Token " + "t" * 64},
    )

    assert status == 413
    assert content_type == "application/json"
    assert "limit of 2,097,152 bytes" in json.loads(payload)["detail"]


def session_cookie(app, user) -> str:
    """Return a session cookie header logging `user` in, as the login view would set it."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return f"session={client.get_cookie('session').value}"


def test_form_five_mib_gets_html_413(app, server, make_image, make_user):
    image = make_image("Target")
    user = make_user("alice")
    user.password_hash = "unused"
    db.session.commit()
    boundary = "limit-test"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="icon"; filename="big.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode() + b"\0" * FIVE_MIB + f"\r\n--{boundary}--\r\n".encode()

    status, content_type, payload = send(
        server,
        "POST",
        f"/catalog/{image.id}/edit",
        body,
        {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Cookie": session_cookie(app, user),
        },
    )

    assert status == 413
    assert content_type.startswith("text/html")
    assert b"<html" in payload
    assert b"1,024 KiB" in payload
