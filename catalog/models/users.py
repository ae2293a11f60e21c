"""People, groups and API tokens."""

import secrets
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.clock import now
from catalog.extensions import db
from catalog.models.types import UTCDateTime


def new_session_secret() -> str:
    """Return a random value that ties a login session to the user's current state."""
    return secrets.token_hex(16)


class User(db.Model):
    """An account. Without a password hash it exists (as a creator) but cannot log in."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(150))
    # Casefolded username: usernames are unique regardless of case.
    username_key: Mapped[str] = mapped_column(String(150), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of the login session's user id; changing it ends every session.
    session_secret: Mapped[str] = mapped_column(String(32), default=new_session_secret)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    memberships: Mapped[list["Membership"]] = relationship(back_populates="user")

    # Flask-Login reads these four attributes.
    @property
    def is_active(self) -> bool:
        return self.active and self.password_hash is not None

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_secret}"

    def __repr__(self) -> str:
        return f"<User {self.username!r}>"


class Group(db.Model):
    """A set of people with whom private images are shared."""

    __tablename__ = "group"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(150))
    name_key: Mapped[str] = mapped_column(String(150), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    memberships: Mapped[list["Membership"]] = relationship(back_populates="group")

    def __repr__(self) -> str:
        return f"<Group {self.name!r}>"


class Membership(db.Model):
    """A user's membership of a group, current until its optional end date."""

    __tablename__ = "membership"

    group_id: Mapped[int] = mapped_column(ForeignKey("group.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True, index=True)
    start_date: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    end_date: Mapped[datetime | None] = mapped_column(UTCDateTime)

    group: Mapped[Group] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(back_populates="memberships")


class ApiToken(db.Model):
    """A token for scripts. Only a SHA-256 digest of the token is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
