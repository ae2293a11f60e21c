"""Sample uploads for the icon tests, built in memory with Pillow and zlib."""

import io
import struct
import zlib

from PIL import Image as PILImage
from PIL import PngImagePlugin


def picture_bytes(image_format: str, size: tuple[int, int] = (40, 20), **options) -> bytes:
    """Return a small two-colour picture encoded in `image_format`."""
    picture = PILImage.new("RGB", size, (200, 30, 30))
    picture.paste((30, 30, 200), (0, 0, size[0] // 2, size[1]))
    output = io.BytesIO()
    picture.save(output, format=image_format, **options)
    return output.getvalue()


def png_with_text() -> bytes:
    """Return a PNG carrying a tEXt metadata chunk."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret location")
    return picture_bytes("PNG", pnginfo=info)


def jpeg_with_exif() -> bytes:
    """Return a JPEG carrying EXIF metadata (an Artist tag)."""
    exif = PILImage.Exif()
    exif[0x013B] = "secret artist"
    return picture_bytes("JPEG", exif=exif.tobytes())


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(side: int = 20_000) -> bytes:
    """Return a tiny PNG whose header declares a `side` x `side` picture."""
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + png_chunk(b"IEND", b"")
    )


SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<rect width="10" height="10"/></svg>'
)
