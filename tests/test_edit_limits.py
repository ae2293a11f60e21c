"""Oversized requests on a real HTTP server: a 413 response, never a reset connection."""

import http.client
import json
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from catalog.auth.sessions import token_digest
from catalog.extensions import db
from catalog.models import ApiToken, Image

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


def send_chunked(port: int, method: str, path: str, chunks: list[bytes], headers: dict[str, str]):
    """Send one request with Transfer-Encoding: chunked and no Content-Length."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=iter(chunks), headers=headers, encode_chunked=True)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        connection.close()


def test_chunked_patch_over_limit_gets_413(server, make_image, make_user):
    image = make_image("Target")
    user = make_user("alice")
    user.password_hash = "unused"
    db.session.add(ApiToken(user_id=user.id, digest=token_digest("t" * 64)))
    db.session.commit()
    # Cut at the limit, this body would be valid JSON renaming the image.
    chunks = [b'{"name":"truncated-ok"}', b" " * (2 * 1024 * 1024), b"GARBAGE not json"]

    status, content_type, payload = send_chunked(
        server,
        "PATCH",
        f"/images/{image.id}",
        chunks,
        {
            "Content-Type": "application/json",
            "Authorization": "Token " + "t" * 64,
            "Transfer-Encoding": "chunked",
        },
    )

    assert status == 413
    assert content_type == "application/json"
    assert "limit of 2,097,152 bytes" in json.loads(payload)["detail"]
    db.session.expire_all()
    assert db.session.get(Image, image.id).name == "Target"


def test_chunked_patch_under_limit_applies(server, make_image, make_user):
    image = make_image("Target")
    user = make_user("alice")
    user.password_hash = "unused"
    db.session.add(ApiToken(user_id=user.id, digest=token_digest("t" * 64)))
    db.session.commit()
    chunks = [b'{"name":', b' "chunked"', b" " * (1024 * 1024) + b"}"]

    status, _, payload = send_chunked(
        server,
        "PATCH",
        f"/images/{image.id}",
        chunks,
        {
            "Content-Type": "application/json",
            "Authorization": "Token " + "t" * 64,
            "Transfer-Encoding": "chunked",
        },
    )

    assert status == 200
    assert json.loads(payload)["name"] == "chunked"


def test_chunked_form_over_limit_gets_413(app, server, make_image, make_user):
    image = make_image("Target", tags=["Keep"])
    user = make_user("alice")
    user.password_hash = "unused"
    db.session.commit()
    boundary = "limit-test"
    fields = {"revision": str(image.revision), "name": "truncated-ok", "description": "x"}
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    )
    padding = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="padding"\r\n\r\n'.encode()
        + b"p" * (2 * 1024 * 1024)
        + b"\r\n"
    )
    tail = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="tags"\r\n\r\nKeep\r\n'
        f"--{boundary}--\r\n"
    ).encode()

    status, content_type, payload = send_chunked(
        server,
        "POST",
        f"/catalog/{image.id}/edit",
        [head, padding, tail],
        {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Cookie": session_cookie(app, user),
            "Transfer-Encoding": "chunked",
        },
    )

    assert status == 413
    assert content_type.startswith("text/html")
    db.session.expire_all()
    stored = db.session.get(Image, image.id)
    assert stored.name == "Target"
    assert stored.tag_names == ["Keep"]


def test_chunked_urlencoded_form_over_limit_gets_413(app, server, make_image, make_user):
    image = make_image("Target", tags=["Keep"])
    user = make_user("alice")
    user.password_hash = "unused"
    db.session.commit()
    head = f"revision={image.revision}&name=truncated-ok&description=x&padding=".encode()
    tail = b"&tags=Keep"

    status, content_type, payload = send_chunked(
        server,
        "POST",
        f"/catalog/{image.id}/edit",
        [head, b"p" * (2 * 1024 * 1024), tail],
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": session_cookie(app, user),
            "Transfer-Encoding": "chunked",
        },
    )

    assert status == 413
    assert content_type.startswith("text/html")
    db.session.expire_all()
    stored = db.session.get(Image, image.id)
    assert stored.name == "Target"
    assert stored.tag_names == ["Keep"]


def test_chunked_login_form_over_limit_gets_413(server):
    chunks = [b"username=rosa&password=x", b"&padding=" + b"a" * (2 * 1024 * 1024)]

    status, content_type, _ = send_chunked(
        server,
        "POST",
        "/login",
        chunks,
        {"Content-Type": "application/x-www-form-urlencoded", "Transfer-Encoding": "chunked"},
    )

    assert status == 413
    assert content_type.startswith("text/html")
