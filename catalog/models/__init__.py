"""Typed SQLAlchemy models. No request, URL or serialization code lives here."""

from catalog.models.images import (
    Image,
    ImageChange,
    ImageIcon,
    ImageShare,
    ImageTag,
    Provider,
    Tag,
    Version,
)
from catalog.models.users import ApiToken, Group, Membership, User

__all__ = [
    "ApiToken",
    "Group",
    "Image",
    "ImageChange",
    "ImageIcon",
    "ImageShare",
    "ImageTag",
    "Membership",
    "Provider",
    "Tag",
    "User",
    "Version",
]
