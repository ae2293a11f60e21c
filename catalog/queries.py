"""Every read of the catalog, as `Select` statements with visibility applied.

`visible_to` is the one place that decides who may see an image. Lists,
counts, detail pages, search, tag and provider counts, icons, the JSON API and
the HTML pages all build on it.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select
from sqlalchemy.orm import selectinload, with_loader_criteria

from catalog.extensions import db
from catalog.models import (
    Image,
    ImageChange,
    ImageShare,
    ImageTag,
    Membership,
    Provider,
    Tag,
    User,
    Version,
)

ORDERINGS = {
    "-start_date": (Image.start_date.desc(), Image.id.desc()),
    "start_date": (Image.start_date.asc(), Image.id.asc()),
    "name": (Image.sort_name.asc(), Image.id.asc()),
    "-name": (Image.sort_name.desc(), Image.id.desc()),
}
DEFAULT_ORDERING = "-start_date"


def current(end_date: Any, at: datetime) -> ColumnElement[bool]:
    """Return a filter for rows whose `end_date` is unset or still ahead of `at`."""
    return or_(end_date.is_(None), end_date > at)


def visible_to(viewer: User | None, at: datetime) -> ColumnElement[bool]:
    """Return the filter of images that `viewer` may see at the time `at`.

    Ended images are hidden from everyone, and public images are seen by all.
    A private image is seen by its creator, by staff, and by members of a group
    it is shared with, while both the membership and the share are current.
    `viewer` is None for anonymous requests and for inactive accounts.
    """
    not_ended = current(Image.end_date, at)
    if viewer is None or not viewer.is_active:
        return and_(not_ended, Image.private.is_(false()))
    if viewer.is_staff:
        return not_ended
    shared_with_viewer = (
        select(ImageShare.image_id)
        .join(Membership, Membership.group_id == ImageShare.group_id)
        .where(
            ImageShare.image_id == Image.id,
            Membership.user_id == viewer.id,
            current(ImageShare.end_date, at),
            current(Membership.end_date, at),
        )
        .exists()
    )
    return and_(
        not_ended,
        or_(Image.private.is_(false()), Image.creator_id == viewer.id, shared_with_viewer),
    )


def casefold(text: str) -> str:
    """Return the key used for case-insensitive matching of names, tags and search."""
    return text.casefold()


def like_pattern(text: str) -> str:
    """Return a LIKE pattern matching `text` anywhere, with wildcards escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class ImageFilters:
    """The filters of an image list, as given in a request's query string."""

    search: str = ""
    tags: tuple[str, ...] = ()
    created_by: str = ""
    provider: int | None = None
    # Restrict to images created by this user id (the "my images" view).
    creator_id: int | None = None
    ordering: str = DEFAULT_ORDERING


def _has_tag(name: str) -> ColumnElement[bool]:
    return exists(
        select(ImageTag.image_id)
        .join(Tag, Tag.id == ImageTag.tag_id)
        .where(ImageTag.image_id == Image.id, Tag.name_key == casefold(name))
    )


def _runs_on(provider_id: int, at: datetime) -> ColumnElement[bool]:
    # An uncorrelated IN: a correlated EXISTS made SQLite scan every version
    # of the provider once per image.
    return Image.id.in_(
        select(Version.image_id).where(
            Version.provider_id == provider_id, current(Version.end_date, at)
        )
    )


def filter_conditions(filters: ImageFilters, at: datetime) -> list[ColumnElement[bool]]:
    """Return the WHERE conditions for `filters` at time `at`, visibility not included."""
    conditions: list[ColumnElement[bool]] = []
    if filters.search:
        # NOTE: a substring LIKE reads every visible row (no index helps it):
        # tens of milliseconds at 100,000 images on SQLite, see docs/benchmarks.md.
        conditions.append(
            Image.search_text.like(like_pattern(casefold(filters.search)), escape="\\")
        )
    for tag in filters.tags:
        conditions.append(_has_tag(tag))
    if filters.created_by:
        conditions.append(
            Image.creator_id.in_(
                select(User.id).where(User.username_key == casefold(filters.created_by))
            )
        )
    if filters.creator_id is not None:
        conditions.append(Image.creator_id == filters.creator_id)
    if filters.provider is not None:
        conditions.append(_runs_on(filters.provider, at))
    return conditions


def image_list(viewer: User | None, filters: ImageFilters, at: datetime) -> Select[tuple[Image]]:
    """Return the statement listing the images `viewer` may see under `filters`.

    Tags, current versions with their providers, and the creator are loaded
    eagerly with a fixed number of extra statements, whatever the page size.
    """
    conditions = [visible_to(viewer, at), *filter_conditions(filters, at)]
    return (
        select(Image)
        .where(*conditions)
        .order_by(*ORDERINGS[filters.ordering])
        .options(*image_load_options(at))
    )


def image_load_options(at: datetime) -> list[Any]:
    """Return loader options that fetch what an image's JSON or page shows.

    One SELECT ... IN for tags and one for the versions current at `at`;
    creator, tag and provider rows are joined into those statements.
    """
    return [
        selectinload(Image.tag_links),
        selectinload(Image.versions),
        with_loader_criteria(Version, lambda cls: current(cls.end_date, at), track_closure_variables=True),
    ]


def image_detail(viewer: User | None, image_id: str, at: datetime) -> Select[tuple[Image]]:
    """Return the statement loading one image if `viewer` may see it at `at`."""
    return (
        select(Image)
        .where(Image.id == image_id, visible_to(viewer, at))
        .options(*image_load_options(at))
    )


@dataclass
class Page:
    """One page of a list, with the total count under the same filters."""

    items: list[Any]
    total: int
    number: int
    size: int

    @property
    def pages(self) -> int:
        """Return the number of pages; an empty list still has one (empty) page."""
        return max(1, -(-self.total // self.size))

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1


class PageOutOfRange(LookupError):
    """The requested page number is past the last page."""


def paginate(statement: Select[Any], number: int, size: int) -> Page:
    """Run `statement` for page `number` (1-based) of `size` rows, with a count.

    Raises PageOutOfRange for a page after the last one. Page 1 always exists.
    """
    count_statement = select(func.count()).select_from(
        statement.order_by(None).options().subquery()
    )
    total = db.session.scalar(count_statement) or 0
    page = Page(items=[], total=total, number=number, size=size)
    if number > page.pages:
        raise PageOutOfRange(number)
    if total:
        offset = (number - 1) * size
        page.items = list(db.session.scalars(statement.limit(size).offset(offset)).unique())
    return page


def tag_counts(viewer: User | None, at: datetime) -> Select[tuple[Tag, int]]:
    """Return every tag on an image `viewer` may see, with how many such images carry it."""
    count = func.count(ImageTag.image_id).label("count")
    return (
        select(Tag, count)
        .join(ImageTag, ImageTag.tag_id == Tag.id)
        .join(Image, Image.id == ImageTag.image_id)
        .where(visible_to(viewer, at))
        .group_by(Tag.id)
        .order_by(count.desc(), Tag.name_key)
    )


def provider_counts(viewer: User | None, at: datetime) -> Select[tuple[Provider, int]]:
    """Return every provider with the number of visible images with a current version on it."""
    visible_versions = (
        select(Version.provider_id, Image.id.label("image_id"))
        .join(Image, Image.id == Version.image_id)
        .where(visible_to(viewer, at), current(Version.end_date, at))
        .subquery()
    )
    count = func.count(func.distinct(visible_versions.c.image_id)).label("count")
    return (
        select(Provider, count)
        .outerjoin(visible_versions, visible_versions.c.provider_id == Provider.id)
        .group_by(Provider.id)
        .order_by(Provider.name, Provider.id)
    )


def creators_with_visible_images(viewer: User | None, at: datetime) -> Select[tuple[str]]:
    """Return the usernames of creators of images `viewer` may see, for filter choices."""
    return (
        select(User.username)
        .where(User.id.in_(select(Image.creator_id).where(visible_to(viewer, at))))
        .order_by(User.username_key)
    )


__all__ = [
    "DEFAULT_ORDERING",
    "ORDERINGS",
    "ImageFilters",
    "Page",
    "PageOutOfRange",
    "current",
    "image_detail",
    "image_list",
    "paginate",
    "provider_counts",
    "tag_counts",
    "visible_to",
]


def user_by_username(username: str) -> Select[tuple[User]]:
    """Return the statement loading the user named `username`, compared case-insensitively."""
    return select(User).where(User.username_key == casefold(username))


def providers() -> Select[tuple[Provider]]:
    """Return every provider by name, for the provider filter of the image pages."""
    return select(Provider).order_by(Provider.name, Provider.id)


def removed_images(viewer: User, at: datetime) -> Select[tuple[Image]]:
    """Return the images ended by `at` that `viewer` may restore: their own, or all for staff.

    This is the only read that returns ended images, and only to those who may
    restore them.
    """
    statement = select(Image).where(Image.end_date.is_not(None), Image.end_date <= at)
    if not viewer.is_staff:
        statement = statement.where(Image.creator_id == viewer.id)
    return statement.order_by(Image.end_date.desc(), Image.id)


def image_versions(image_id: str) -> Select[tuple[Version]]:
    """Return every version of an image, ended ones included, oldest first (for editors)."""
    return (
        select(Version)
        .where(Version.image_id == image_id)
        .order_by(Version.start_date, Version.id)
    )


def image_history(image_id: str) -> Select[tuple[ImageChange]]:
    """Return the recorded changes of an image, newest first."""
    return (
        select(ImageChange)
        .where(ImageChange.image_id == image_id)
        .order_by(ImageChange.id.desc())
    )


def changes_since(image_id: str, revision: int) -> Select[tuple[ImageChange]]:
    """Return the changes of an image recorded after `revision`, oldest first."""
    return (
        select(ImageChange)
        .where(ImageChange.image_id == image_id, ImageChange.revision > revision)
        .order_by(ImageChange.id)
    )
