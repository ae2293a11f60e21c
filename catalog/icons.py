"""Icon images: recognised by content, re-encoded as small square PNGs."""

import hashlib
import io
import warnings
from datetime import datetime

from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError
from sqlalchemy import Select, select

from catalog.models import Image, ImageIcon, User
from catalog.queries import visible_to

ACCEPTED_FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
MAX_SIDE = 256
# Pillow refuses images above this many pixels (a decompression bomb guard);
# a 1 MiB upload of a real icon is far below it.
MAX_PIXELS = 4096 * 4096
UNREADABLE = "the file is not a readable image; upload a PNG, JPEG, GIF or WebP image."


class InvalidIcon(ValueError):
    """An upload that is not an accepted image. The message gives the reason."""


def looks_like_svg(data: bytes) -> bool:
    """Return True when `data` starts like an XML or SVG document."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in head


def normalize_icon(data: bytes, max_bytes: int | None = None) -> bytes:
    """Return `data` re-encoded as a square PNG of at most 256x256, metadata dropped.

    The format is recognised from the content only, never from a file name.
    Raises InvalidIcon for anything that is not a decodable PNG, JPEG, GIF
    or WebP image (SVG included), for images of more than MAX_PIXELS pixels,
    and for uploads larger than `max_bytes`.
    """
    if max_bytes is not None and len(data) > max_bytes:
        raise InvalidIcon(
            f"the file is {len(data):,} bytes; the maximum is {max_bytes:,} bytes."
        )
    if looks_like_svg(data):
        raise InvalidIcon("SVG images are not accepted; upload a PNG, JPEG, GIF or WebP image.")
    PILImage.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            # Only the four accepted decoders are tried, so no other Pillow
            # plugin ever parses an upload.
            with PILImage.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as source:
                source.seek(0)
                source.load()
                picture = ImageOps.exif_transpose(source).convert("RGBA")
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
        raise InvalidIcon(
            f"the image has too many pixels; the maximum is {MAX_PIXELS:,}."
        ) from None
    except UnidentifiedImageError:
        raise InvalidIcon(UNREADABLE) from None
    except Exception:  # noqa: BLE001
        # Pillow's decoders raise many types on malformed input (OSError for a
        # truncated file, ValueError, SyntaxError, struct.error, IndexError...).
        raise InvalidIcon(UNREADABLE) from None

    side = min(max(picture.size), MAX_SIDE)
    picture.thumbnail((side, side))
    square = PILImage.new("RGBA", (side, side), (0, 0, 0, 0))
    square.paste(picture, ((side - picture.width) // 2, (side - picture.height) // 2))
    output = io.BytesIO()
    square.save(output, format="PNG", optimize=True)
    return output.getvalue()


def icon_digest(png: bytes) -> str:
    """Return the SHA-256 hex digest identifying an icon's content."""
    return hashlib.sha256(png).hexdigest()


def current_icon(viewer: User | None, image_id: str, at: datetime) -> Select[tuple[ImageIcon, bool]]:
    """Return the statement loading an image's current icon and whether the image is private.

    No row comes back when `viewer` may not see the image at `at` or it has no icon.
    """
    return (
        select(ImageIcon, Image.private)
        .join(Image, Image.id == ImageIcon.image_id)
        .where(
            Image.id == image_id,
            ImageIcon.digest == Image.icon_digest,
            visible_to(viewer, at),
        )
    )
