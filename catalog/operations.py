"""Every write to the catalog: validate, change, record history, log.

Views, the API and the CLI call these functions, so that a change made from
any of them is checked, recorded and logged the same way. Callers commit.
"""

import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.orm.exc import StaleDataError

from catalog import queries
from catalog.clock import now
from catalog.extensions import db
from catalog.icons import icon_digest, normalize_icon
from catalog.models import (
    Group,
    Image,
    ImageChange,
    ImageIcon,
    ImageShare,
    ImageTag,
    Provider,
    Tag,
    User,
    Version,
)

log = logging.getLogger(__name__)

# Key in Session.info of the log lines waiting for the transaction to commit.
PENDING_LOG = "catalog_pending_log"


def log_after_commit(message: str, *args: Any) -> None:
    """Log `message` at INFO when the current transaction commits, and never if it rolls back.

    Operations run before their caller commits, and the commit can still fail
    (a concurrent edit), so a line written at once could report a change that
    was never saved.
    """
    db.session.info.setdefault(PENDING_LOG, []).append((message, args))


@event.listens_for(Session, "after_commit")
def _write_pending_log(session: Session) -> None:
    for message, args in session.info.pop(PENDING_LOG, []):
        log.info(message, *args)


@event.listens_for(Session, "after_transaction_end")
def _drop_pending_log(session: Session, transaction: SessionTransaction) -> None:
    # A flush or a savepoint ends a nested transaction, but only the outermost
    # one ends the unit of work that the lines describe.
    if transaction.parent is None:
        session.info.pop(PENDING_LOG, None)


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
    # Links kept from the old list keep their old position unless renumbered.
    image.tag_links.reorder()  # type: ignore[attr-defined]


def history_value(value: Any) -> str | None:
    """Return `value` as stored in the history: JSON text, dates in ISO 8601."""
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.isoformat()
    return json.dumps(value, ensure_ascii=False, default=_json_date)


def _json_date(value: Any) -> str:
    """Write datetimes nested in lists and dicts (share end dates) as ISO 8601."""
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot record a {type(value).__name__} in the history")


def record_change(
    image: Image,
    actor: User | None,
    field: str,
    old: Any,
    new: Any,
    *,
    revision: int | None = None,
) -> None:
    """Add a history row for one changed field of `image` and log it.

    `revision` is the image revision the change produces, when known.
    """
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
            revision=revision,
        )
    )
    log_after_commit("%s changed %s of image %s", actor_name, field, image.id)


# Editing images: the rules shared by the edit form and PATCH /images/<id>.

MAX_NAME_LENGTH = 256
MAX_DESCRIPTION_LENGTH = 10_000
MAX_TAG_LENGTH = 64
MAX_TAGS = 20
DATE_EXAMPLE = "2026-12-31T23:59:00Z"
EARLIEST_END_DATE = datetime(1970, 1, 1, tzinfo=UTC)


class InvalidChanges(ValueError):
    """Values rejected by `validate_changes`. `errors` maps each bad field to the reason."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


class EditConflict(Exception):
    """The image changed after the editor loaded it, so the edit was not saved.

    `changes` are the history rows recorded since the revision the edit was
    based on (empty when that is unknown).
    """

    def __init__(self, changes: list[ImageChange]) -> None:
        super().__init__(f"the image changed since it was loaded ({len(changes)} changes)")
        self.changes = changes


def can_edit(user: User | None, image: Image) -> bool:
    """Return True when `user` may change `image`: its creator, or staff."""
    if user is None or not user.is_active:
        return False
    return user.is_staff or image.creator_id == user.id


def parse_date(text: str) -> datetime:
    """Parse an ISO 8601 date and time with a time zone, returned in UTC.

    Raises ValueError with a message that can be shown to the user.
    """
    shown = text if len(text) <= 40 else text[:40] + "..."
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"{shown!r} is not an ISO 8601 date and time; use e.g. {DATE_EXAMPLE}."
        ) from None
    if moment.tzinfo is None:
        raise ValueError(
            f"{shown!r} has no time zone; add Z for UTC or an offset such as +02:00."
        )
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{shown!r} is out of range.") from None


def unpaired_surrogate(text: str) -> str | None:
    """Return a message naming the first unpaired surrogate in `text`, or None.

    JSON can escape one half of a UTF-16 pair ("\\ud800"). Such a string has
    no UTF-8 encoding, so neither database can store it.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        code_point = ord(text[error.start])
        return (
            f"must be valid Unicode text: unpaired surrogate U+{code_point:04X} "
            f"at character {error.start + 1}."
        )
    return None


def _check_text(value: Any, max_length: int) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string.")
    if "\x00" in value:
        raise ValueError("must not contain NUL characters.")
    surrogate = unpaired_surrogate(value)
    if surrogate is not None:
        raise ValueError(surrogate)
    if len(value) > max_length:
        raise ValueError(f"must be at most {max_length:,} characters; it has {len(value):,}.")
    return value


def clean_name(value: Any) -> str:
    """Return the trimmed name, required and at most MAX_NAME_LENGTH characters."""
    if isinstance(value, str):
        value = value.strip()
    name = _check_text(value, MAX_NAME_LENGTH)
    if not name:
        raise ValueError("is required.")
    return name


def clean_description(value: Any) -> str:
    """Return the Markdown description, at most MAX_DESCRIPTION_LENGTH characters."""
    return _check_text(value, MAX_DESCRIPTION_LENGTH)


def clean_tags(value: Any) -> list[str]:
    """Return the trimmed tags, duplicates dropped case-insensitively, first spelling kept."""
    if not isinstance(value, list):
        raise ValueError("must be a list of strings.")
    tags: list[str] = []
    seen: set[str] = set()
    for position, item in enumerate(value, start=1):
        if not isinstance(item, str):
            raise ValueError(f"tag {position} must be a string.")
        tag = item.strip()
        if not tag:
            raise ValueError(f"tag {position} is empty.")
        if "\x00" in tag:
            raise ValueError(f"tag {position} must not contain NUL characters.")
        surrogate = unpaired_surrogate(tag)
        if surrogate is not None:
            raise ValueError(f"tag {position} {surrogate}")
        if "," in tag:
            raise ValueError(
                f"tag {position} ({tag[:20]!r}) must not contain a comma, because commas "
                "separate tags on the edit form. Send each part as its own tag."
            )
        if len(tag) > MAX_TAG_LENGTH:
            raise ValueError(
                f"tag {position} ({tag[:20]!r}...) is longer than {MAX_TAG_LENGTH} characters."
            )
        if tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ValueError(f"an image may have at most {MAX_TAGS} tags; {len(tags)} were given.")
    return tags


def clean_private(value: Any) -> bool:
    """Return `value` if it is a boolean."""
    if not isinstance(value, bool):
        raise ValueError("must be true or false.")
    return value


def clean_end_date(value: Any) -> datetime | None:
    """Return the end date in UTC, from None, an aware datetime or ISO 8601 text.

    Dates before 1970 are rejected: the catalog contains no image that old, so
    such a date is a typo in the year rather than a removal in the past.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("must have a time zone.")
        try:
            moment = value.astimezone(UTC)
        except OverflowError:
            raise ValueError(f"{value.isoformat()} is out of range.") from None
        # isoformat, because strftime("%Y") does not zero-pad years before 1000.
        shown = moment.replace(tzinfo=None).isoformat(timespec="seconds") + " UTC"
    elif isinstance(value, str):
        shown = repr(value.strip()[:40])
        moment = parse_date(value)
    else:
        raise ValueError(f"must be an ISO 8601 date and time such as {DATE_EXAMPLE}, or null.")
    if moment < EARLIEST_END_DATE:
        raise ValueError(
            f"{shown} is out of range. End dates must be between {EARLIEST_END_DATE:%Y-%m-%d} "
            "and 9999-12-31 (UTC), so check the year."
        )
    return moment


def clean_icon(value: Any) -> None:
    """Accept only None, which removes the icon. Uploads go through `set_icon`."""
    if value is not None:
        raise ValueError("only null is accepted (it removes the icon); upload icons on the edit page.")


def clean_groups(value: Any) -> dict[int, tuple[Group, datetime | None]]:
    """Return the groups to share with, by id, from a list of {"group", "end_date"} items."""
    if not isinstance(value, list):
        raise ValueError("must be a list of groups.")
    wanted: dict[int, tuple[Group, datetime | None]] = {}
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("group"), str):
            raise ValueError("each entry needs a group name.")
        name = item["group"].strip()
        surrogate = unpaired_surrogate(name)
        if surrogate is not None:
            raise ValueError(f"group {name[:150]!r} {surrogate}")
        group = db.session.scalar(select(Group).where(Group.name_key == name.casefold()))
        if group is None:
            raise ValueError(f"there is no group named {name[:150]!r}.")
        try:
            end_date = clean_end_date(item.get("end_date"))
        except ValueError as error:
            raise ValueError(f"end date for {group.name}: {error}") from None
        wanted.setdefault(group.id, (group, end_date))
    return wanted


CLEANERS: dict[str, Any] = {
    "name": clean_name,
    "description": clean_description,
    "tags": clean_tags,
    "private": clean_private,
    "end_date": clean_end_date,
    "icon": clean_icon,
    "groups": clean_groups,
}


def validate_changes(values: dict[str, Any]) -> dict[str, Any]:
    """Return `values` cleaned by the rule of each field.

    Raises InvalidChanges naming every unknown or invalid field at once.
    """
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field, value in values.items():
        cleaner = CLEANERS.get(field)
        if cleaner is None:
            errors[field] = "is not a field that can be changed."
            continue
        try:
            cleaned[field] = cleaner(value)
        except ValueError as error:
            errors[field] = str(error)
    if errors:
        raise InvalidChanges(errors)
    return cleaned


def changes_since(image_id: str, revision: int) -> list[ImageChange]:
    """Return the history rows of the image recorded after `revision`, oldest first."""
    return list(db.session.scalars(queries.changes_since(image_id, revision)))


def share_list(image: Image, at: datetime) -> list[dict[str, Any]]:
    """Return the groups `image` is shared with at `at`, as recorded in the history."""
    return sorted(
        (
            {"group": share.group.name, "end_date": share.end_date}
            for share in image.shares
            if share.end_date is None or share.end_date > at
        ),
        key=lambda entry: entry["group"].casefold(),
    )


def apply_shares(
    image: Image, wanted: dict[int, tuple[Group, datetime | None]], at: datetime
) -> None:
    """Share `image` with the `wanted` groups and soft-end the other current shares."""
    rows = {share.group_id: share for share in image.shares}
    for group_id, share in rows.items():
        active = share.end_date is None or share.end_date > at
        if group_id not in wanted and active:
            share.end_date = at
    for group_id, (group, end_date) in wanted.items():
        share = rows.get(group_id)
        if share is None:
            image.shares.append(ImageShare(group=group, start_date=at, end_date=end_date))
            continue
        if share.end_date is not None and share.end_date <= at:
            share.start_date = at
        share.end_date = end_date


def update_image(
    image: Image,
    actor: User | None,
    changes: dict[str, Any],
    *,
    based_on_revision: int | None = None,
) -> list[str]:
    """Apply validated `changes` to `image`, record each changed field, and log.

    Returns the names of the fields that changed. Raises EditConflict when
    `based_on_revision` is given and the image has moved past it. The image
    revision goes up by one when anything changed, so a concurrent save of
    the same revision fails at flush with StaleDataError (see `commit_edit`).
    """
    if based_on_revision is not None and based_on_revision != image.revision:
        raise EditConflict(changes_since(image.id, based_on_revision))
    # An autoflush half-way (resolve_tags queries) would bump the revision
    # once for the first fields and again for the rest.
    with db.session.no_autoflush:
        return _apply_changes(image, actor, changes)


def _apply_changes(image: Image, actor: User | None, changes: dict[str, Any]) -> list[str]:
    at = now()
    revision = image.revision + 1
    changed: list[str] = []

    def record(field: str, old: Any, new: Any) -> None:
        record_change(image, actor, field, old, new, revision=revision)
        changed.append(field)

    for field in ("name", "description", "private", "end_date"):
        if field in changes and changes[field] != getattr(image, field):
            record(field, getattr(image, field), changes[field])
            setattr(image, field, changes[field])
    if "tags" in changes:
        tags = resolve_tags(changes["tags"])
        if [tag.name for tag in tags] != image.tag_names:
            record("tags", image.tag_names, [tag.name for tag in tags])
            set_tags(image, tags)
    if "icon" in changes and image.icon_digest is not None:
        record("icon", image.icon_digest, None)
        image.icon_digest = None
    if "groups" in changes:
        old_shares = share_list(image, at)
        apply_shares(image, changes["groups"], at)
        new_shares = share_list(image, at)
        if new_shares != old_shares:
            record("groups", old_shares, new_shares)

    if changed:
        # Set explicitly so that changes outside the image row (tags, shares)
        # still bump the revision.
        image.revision = revision
        refresh_search_fields(image)
        log_after_commit(
            "%s edited image %s (revision %s): %s",
            actor.username if actor is not None else "cli",
            image.id,
            revision,
            ", ".join(changed),
        )
    return changed


def remove_image(image: Image, actor: User | None, **options: Any) -> list[str]:
    """Soft-delete `image` now by setting its end date. No row is deleted."""
    return update_image(image, actor, {"end_date": now()}, **options)


def restore_image(image: Image, actor: User | None, **options: Any) -> list[str]:
    """Bring back a removed image by clearing its end date."""
    return update_image(image, actor, {"end_date": None}, **options)


def store_icon_data(image: Image, png: bytes, digest: str) -> None:
    """Store `png` as an icon of `image` unless that content is already stored.

    Earlier icons are kept, so the history can always show an old icon.
    """
    if db.session.get(ImageIcon, (image.id, digest)) is None:
        db.session.add(ImageIcon(image_id=image.id, digest=digest, data=png, updated_at=now()))


def set_icon(
    image: Image, actor: User | None, upload: bytes, *, based_on_revision: int | None = None
) -> bool:
    """Make the uploaded picture the icon of `image`, and return True if it changed.

    Raises InvalidIcon for uploads that are not accepted images.
    """
    png = normalize_icon(upload, current_app.config["MAX_ICON_BYTES"])
    digest = icon_digest(png)
    if based_on_revision is not None and based_on_revision != image.revision:
        raise EditConflict(changes_since(image.id, based_on_revision))
    if digest == image.icon_digest:
        return False
    with db.session.no_autoflush:
        store_icon_data(image, png, digest)
    revision = image.revision + 1
    record_change(image, actor, "icon", image.icon_digest, digest, revision=revision)
    image.icon_digest = digest
    image.revision = revision
    log_after_commit(
        "%s set the icon of image %s to %s",
        actor.username if actor is not None else "cli",
        image.id,
        digest[:16],
    )
    return True


def version_entry(version: Version) -> dict[str, Any]:
    """Return a version as recorded in the history."""
    return {
        "alias": version.alias,
        "version": version.version,
        "provider": version.provider_id,
        "end_date": version.end_date,
    }


def set_version_end_date(
    version: Version, actor: User | None, end_date: datetime | None
) -> bool:
    """Set the end date of one version (None restores it), and return True if it changed."""
    if version.end_date == end_date:
        return False
    image = version.image
    revision = image.revision + 1
    old = version_entry(version)
    version.end_date = end_date
    record_change(image, actor, "versions", old, version_entry(version), revision=revision)
    image.revision = revision
    log_after_commit(
        "%s %s version %s of image %s",
        actor.username if actor is not None else "cli",
        "restored" if end_date is None else "ended",
        version.alias,
        image.id,
    )
    return True


def end_version(version: Version, actor: User | None) -> bool:
    """End a version now: it leaves the image's current versions."""
    return set_version_end_date(version, actor, now())


def restore_version(version: Version, actor: User | None) -> bool:
    """Clear a version's end date."""
    return set_version_end_date(version, actor, None)


def commit_edit(image_id: str, based_on_revision: int | None = None) -> None:
    """Commit an edit, turning a concurrent save of the same image into EditConflict.

    A stale revision raises StaleDataError at flush: another transaction
    updated the image after it was loaded. A tag created at the same moment
    by another request raises IntegrityError. Both roll back everything.
    """
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError) as error:
        db.session.rollback()
        log.info("edit of image %s not saved, changed concurrently: %s", image_id, error)
        since = changes_since(image_id, based_on_revision) if based_on_revision else []
        raise EditConflict(since) from None
