"""The JSON contract of an Image: field names, their order and the date format.

The field order follows the API blueprint. Dates are ISO 8601 in UTC with
milliseconds and a `Z`, e.g. `2014-02-05T01:03:27.903Z`.
"""

from datetime import UTC, datetime
from typing import Any

from catalog.models import Image, Version


def format_date(moment: datetime | None) -> str | None:
    """Return `moment` as the API writes dates, or None."""
    if moment is None:
        return None
    moment = moment.astimezone(UTC)
    # Formatted by hand: strftime("%Y") does not pad years before 1000 to four
    # digits on glibc, which would break the format and the import of an export.
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
        f".{moment.microsecond // 1000:03d}Z"
    )


def icon_path(image: Image) -> str | None:
    """Return the relative URL of the image's icon, or None without one.

    The digest in the query string changes with the icon, so the URL can be
    cached for a long time.
    """
    if image.icon_digest is None:
        return None
    return f"/images/{image.id}/icon.png?v={image.icon_digest[:16]}"


def version_to_json(version: Version) -> dict[str, Any]:
    """Return one entry of an image's `versions`."""
    return {
        "alias": version.alias,
        "version": version.version,
        "start_date": format_date(version.start_date),
        "end_date": format_date(version.end_date),
        "provider": version.provider_id,
    }


def image_to_json(image: Image, versions: list[Version] | None = None) -> dict[str, Any]:
    """Return the API representation of `image`.

    `versions` defaults to the versions loaded on the image; the queries load
    only current ones for the API, while export passes them all.
    """
    if versions is None:
        versions = image.versions
    return {
        "id": image.id,
        "icon": icon_path(image),
        "created_by": image.creator.username,
        "name": image.name,
        "tags": image.tag_names,
        "description": image.description,
        "start_date": format_date(image.start_date),
        "end_date": format_date(image.end_date),
        "private": image.private,
        "versions": [version_to_json(version) for version in versions],
    }
