"""Every write to the catalog: validate, change, record history, log.

Views, the API and the CLI call these functions, so that a change made from
any of them is checked, recorded and logged the same way. Callers commit.
"""

import json
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from catalog.clock import now
from catalog.extensions import db
from catalog.models import Image, ImageChange, ImageTag, Provider, Tag, User

log = logging.getLogger(__name__)


def refresh_search_fields(image: Image) -> None:
    """Recompute the casefolded name and search text of `image` from its fields."""
    image.sort_name = image.name.casefold()
    parts = [image.name, image.description, *image.tag_names]
    image.search_text = "\n".join(part.casefold() for part in parts)


def find_user(username: str) -> User | None:
    """Return the user with `username`, compared case-insensitively."""
    return db.session.scalar(select(User).where(User.username_key == username.casefold()))


def create_user(username: str, *, password_hash: str | None = None, is_staff: bool = False) -> User:
    """Add a user. Without a password hash the account cannot log in."""
    user = User(
        username=username,
        username_key=username.casefold(),
        password_hash=password_hash,
        is_staff=is_staff,
        active=True,
    )
    db.session.add(user)
    log.info("created user %s (staff=%s)", username, is_staff)
    return user


def next_provider_id() -> int:
    """Return an unused provider id, one above the highest."""
    return (db.session.scalar(select(func.max(Provider.id))) or 0) + 1


def create_provider(provider_id: int, name: str | None = None) -> Provider:
    """Add a provider, named `Provider <id>` until renamed."""
    provider = Provider(id=provider_id, name=name or f"Provider {provider_id}")
    db.session.add(provider)
    log.info("created provider %s (%s)", provider.id, provider.name)
    return provider


def resolve_tags(names: Iterable[str], known: dict[str, Tag] | None = None) -> list[Tag]:
    """Return Tag rows for `names`, creating missing ones with the spelling given.

    Names that differ only in case resolve to one tag. `known` caches tags by
    casefolded name across calls (the importer passes one per batch).
    """
    cache = known if known is not None else {}
    wanted = [name for name in names if name.casefold() not in cache]
    if wanted:
        keys = {name.casefold() for name in wanted}
        for tag in db.session.scalars(select(Tag).where(Tag.name_key.in_(keys))):
            cache[tag.name_key] = tag
    tags: list[Tag] = []
    for name in names:
        key = name.casefold()
        tag = cache.get(key)
        if tag is None:
            tag = Tag(name=name, name_key=key)
            db.session.add(tag)
            cache[key] = tag
        if tag not in tags:
            tags.append(tag)
    return tags


def set_tags(image: Image, tags: list[Tag]) -> None:
    """Make `tags` the tags of `image`, in that order."""
    current = {link.tag_id: link for link in image.tag_links if link.tag_id is not None}
    links = []
    for tag in tags:
        link = current.get(tag.id) if tag.id is not None else None
        links.append(link if link is not None else ImageTag(tag=tag))
    image.tag_links = links


def history_value(value: Any) -> str | None:
    """Return `value` as stored in the history: JSON text, dates in ISO 8601."""
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.isoformat()
    return json.dumps(value, ensure_ascii=False)


def record_change(image: Image, actor: User | None, field: str, old: Any, new: Any) -> None:
    """Add a history row for one changed field of `image` and log it."""
    actor_name = actor.username if actor is not None else "cli"
    db.session.add(
        ImageChange(
            image_id=image.id,
            user_id=actor.id if actor is not None else None,
            actor=actor_name,
            changed_at=now(),
            field=field,
            old_value=history_value(old),
            new_value=history_value(new),
        )
    )
    log.info("%s changed %s of image %s", actor_name, field, image.id)
