"""Images, their tags and versions, and the providers those versions run on."""

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.ext.orderinglist import ordering_list
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.clock import now
from catalog.extensions import db
from catalog.models.types import UTCDateTime
from catalog.models.users import Group, User


class Provider(db.Model):
    """A cloud on which image versions run. Its id is part of the API contract."""

    __tablename__ = "provider"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))
    end_date: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<Provider {self.id} {self.name!r}>"


class Tag(db.Model):
    """A label. Tags match case-insensitively and keep the spelling first seen."""

    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    name_key: Mapped[str] = mapped_column(String(128), unique=True)
    description: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<Tag {self.name!r}>"


class ImageTag(db.Model):
    """A tag on an image, at its position in the image's list of tags."""

    __tablename__ = "image_tag"

    image_id: Mapped[str] = mapped_column(ForeignKey("image.id"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tag.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)

    tag: Mapped[Tag] = relationship(lazy="joined", innerjoin=True)


class Image(db.Model):
    """A snapshot of a cloud instance that others can launch."""

    __tablename__ = "image"
    __table_args__ = (
        # The list orderings, each with the id as tie-breaker.
        Index("ix_image_start_date_id", "start_date", "id"),
        Index("ix_image_sort_name_id", "sort_name", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # The integer id of an image imported from an Atmosphere API v2 response.
    legacy_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(String(256))
    description: Mapped[str] = mapped_column(Text, default="")
    creator_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    start_date: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    end_date: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    # SHA-256 of the stored icon, or None without one. Kept here so that lists
    # build icon URLs without loading icon bytes.
    icon_digest: Mapped[str | None] = mapped_column(String(64))
    # Casefolded copies kept in step by catalog.operations: Unicode-aware
    # case-insensitive search and sorting that work the same on every backend.
    sort_name: Mapped[str] = mapped_column(String(256), default="")
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Incremented by every change; the ETag of the image and the edit form's revision.
    revision: Mapped[int] = mapped_column(Integer, default=1)

    creator: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    tag_links: Mapped[list[ImageTag]] = relationship(
        order_by=ImageTag.position,
        collection_class=ordering_list("position"),
        cascade="all, delete-orphan",
    )
    versions: Mapped[list["Version"]] = relationship(
        back_populates="image", order_by=lambda: [Version.start_date, Version.id]
    )
    shares: Mapped[list["ImageShare"]] = relationship(back_populates="image")

    __mapper_args__ = {"version_id_col": revision}

    @property
    def tag_names(self) -> list[str]:
        """Return the image's tags in the order they were given."""
        return [link.tag.name for link in self.tag_links]

    def __repr__(self) -> str:
        return f"<Image {self.id} {self.name!r}>"


class Version(db.Model):
    """One version of an image, as available on one provider."""

    __tablename__ = "version"
    __table_args__ = (UniqueConstraint("alias", "provider_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    image_id: Mapped[str] = mapped_column(ForeignKey("image.id"), index=True)
    alias: Mapped[str] = mapped_column(String(36))
    version: Mapped[str] = mapped_column(String(128))
    start_date: Mapped[datetime] = mapped_column(UTCDateTime)
    end_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"), index=True)

    image: Mapped[Image] = relationship(back_populates="versions")
    provider: Mapped[Provider] = relationship(lazy="joined", innerjoin=True)


class ImageShare(db.Model):
    """A private image shared with a group, current until its optional end date."""

    __tablename__ = "image_share"

    image_id: Mapped[str] = mapped_column(ForeignKey("image.id"), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id"), primary_key=True, index=True)
    start_date: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    end_date: Mapped[datetime | None] = mapped_column(UTCDateTime)

    image: Mapped[Image] = relationship(back_populates="shares")
    group: Mapped[Group] = relationship()


class ImageIcon(db.Model):
    """An icon of an image, as a square PNG, kept apart so lists never load it.

    Every icon an image ever had is kept, one row per content digest; the
    current one is the row whose digest is `Image.icon_digest`.
    """

    __tablename__ = "image_icon"

    image_id: Mapped[str] = mapped_column(ForeignKey("image.id"), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class ImageChange(db.Model):
    """One changed field of an image: who changed it, when, and from what to what.

    Values are stored as JSON text so that lists and dates keep their shape.
    """

    __tablename__ = "image_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    image_id: Mapped[str] = mapped_column(ForeignKey("image.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # Who made the change as shown in the history: a username or "cli".
    actor: Mapped[str] = mapped_column(String(150))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    # The image revision this change produced, so that an editor whose form was
    # based on an older revision can be shown what changed since. None for
    # changes recorded without a revision (imports).
    revision: Mapped[int | None] = mapped_column(Integer)
