"""Reading request bodies within MAX_CONTENT_LENGTH, whether or not they have a length."""

import io

from flask import Request, current_app
from werkzeug.exceptions import RequestEntityTooLarge

CHUNK_SIZE = 64 * 1024


def read_body(request: Request) -> bytes:
    """Return the whole request body, or raise RequestEntityTooLarge past MAX_CONTENT_LENGTH.

    Werkzeug 3.1 rejects a Content-Length above the limit, but a chunked body
    has none. Werkzeug then reads it through a stream that stops at the limit,
    and `get_data()` or form parsing returns the first MAX_CONTENT_LENGTH bytes
    without an error. Reading one byte past the limit from the server's own
    stream detects a longer body.
    """
    if request.content_length is not None or "wsgi.input_terminated" not in request.environ:
        return request.get_data(cache=False)

    limit = current_app.config["MAX_CONTENT_LENGTH"]
    stream = request.environ["wsgi.input"]
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = stream.read(min(CHUNK_SIZE, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise RequestEntityTooLarge()
    return b"".join(chunks)


def buffer_chunked_body(request: Request) -> None:
    """Read a chunked body with `read_body` and give it a Content-Length, before any parsing.

    Form parsing then reads a body of known length instead of a silently
    truncated one.
    """
    if request.content_length is not None or "wsgi.input_terminated" not in request.environ:
        return
    body = read_body(request)
    request.environ["wsgi.input"] = io.BytesIO(body)
    request.environ["CONTENT_LENGTH"] = str(len(body))
    request.environ.pop("HTTP_TRANSFER_ENCODING", None)
