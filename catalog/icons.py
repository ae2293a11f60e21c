"""Icon images: recognised by content, re-encoded as small square PNGs."""

import hashlib
import io
import warnings

from PIL import Image as PILImage
from PIL import UnidentifiedImageError

ACCEPTED_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}
MAX_SIDE = 256
# Pillow refuses images above this many pixels (a decompression bomb guard);
# a 1 MiB upload of a real icon is far below it.
MAX_PIXELS = 4096 * 4096


class InvalidIcon(ValueError):
    """An upload that is not an accepted image; the message says why."""


def normalize_icon(data: bytes) -> bytes:
    """Return `data` re-encoded as a square PNG of at most 256x256, metadata dropped.

    Raises InvalidIcon for anything that is not a decodable PNG, JPEG, GIF
    or WebP image (SVG included), and for images of too many pixels.
    """
    PILImage.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            with PILImage.open(io.BytesIO(data)) as source:
                if source.format not in ACCEPTED_FORMATS:
                    raise InvalidIcon(
                        f"icon: {source.format or 'this'} images are not accepted; "
                        "upload a PNG, JPEG, GIF or WebP image."
                    )
                source.seek(0)
                source.load()
                picture = source.convert("RGBA")
    except InvalidIcon:
        raise
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
        raise InvalidIcon(
            f"icon: the image has too many pixels; the maximum is {MAX_PIXELS:,}."
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise InvalidIcon(
            "icon: the file is not a readable image; upload a PNG, JPEG, GIF or WebP image."
        ) from None

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
