"""Every write to accounts, groups and shares: validate, change, log.

The login view and the `flask users`, `flask groups` and `flask images share`
commands call these functions. Like catalog.operations, they never commit:
callers do. Passwords and tokens are never logged or stored in clear.
"""

import logging
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from catalog import operations
from catalog.auth.passwords import hash_password, needs_rehash, verify_password
from catalog.auth.sessions import token_digest
from catalog.clock import now
from catalog.extensions import db
from catalog.models import ApiToken, Group, Image, ImageShare, Membership, User
from catalog.models.users import new_session_secret

log = logging.getLogger(__name__)

USERNAME_PATTERN = re.compile(r"^[\w.@+-]{1,150}$")
GROUP_NAME_MAX_LENGTH = 150
MIN_PASSWORD_LENGTH = 8


class AccountError(ValueError):
    """An invalid account, group or share change. The message explains why."""


def find_user_or_fail(username: str) -> User:
    """Return the user named `username` (any case), or raise AccountError."""
    user = operations.find_user(username)
    if user is None:
        raise AccountError(f"User {username!r} not found.")
    return user


def check_password_strength(password: str) -> None:
    """Raise AccountError unless `password` has at least MIN_PASSWORD_LENGTH characters."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            f"The password is too short: use at least {MIN_PASSWORD_LENGTH} characters."
        )


def create_account(username: str, password: str, *, is_staff: bool = False) -> User:
    """Add a user who can log in with `password`.

    Raises AccountError for an invalid or taken username (compared
    case-insensitively) or a too short password.
    """
    if not USERNAME_PATTERN.match(username):
        raise AccountError(
            f"Invalid username {username!r}: use 1 to 150 letters, digits and . @ + - _"
        )
    if operations.find_user(username) is not None:
        raise AccountError(f"The username {username!r} is already taken (case does not matter).")
    check_password_strength(password)
    return operations.create_user(
        username, password_hash=hash_password(password), is_staff=is_staff
    )


def set_password(user: User, password: str) -> None:
    """Change the password of `user` and end every session and remember-me cookie."""
    check_password_strength(password)
    user.password_hash = hash_password(password)
    user.session_secret = new_session_secret()
    log.info("changed the password of user %s and ended their sessions", user.username)


def authenticate(username: str, password: str) -> User | None:
    """Return the active user with this username and password, or None.

    An unknown username costs one Argon2 verification, like a wrong password,
    so the time taken does not tell which of the two was wrong. A hash made
    with older Argon2 parameters is replaced by a current one.
    """
    user = operations.find_user(username)
    password_hash = user.password_hash if user is not None else None
    if not verify_password(password_hash, password):
        return None
    if user is None or password_hash is None or not user.active:
        return None
    if needs_rehash(password_hash):
        user.password_hash = hash_password(password)
        log.info("upgraded the password hash of user %s", user.username)
    return user


def end_sessions(user: User) -> None:
    """Invalidate every session and remember-me cookie of `user` by a new session secret."""
    user.session_secret = new_session_secret()


def issue_token(user: User) -> str:
    """Create an API token for `user` and return it; only its digest is stored."""
    if not user.is_active:
        raise AccountError(f"User {user.username!r} is deactivated or has no password.")
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, digest=token_digest(token)))
    log.info("issued an API token to user %s", user.username)
    return token


def revoke_tokens(user: User) -> int:
    """Revoke every unrevoked API token of `user`; return how many were revoked."""
    result = db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now())
    )
    count: int = result.rowcount  # type: ignore[attr-defined]
    log.info("revoked %s API tokens of user %s", count, user.username)
    return count


def deactivate(user: User) -> None:
    """Deactivate `user`: sessions and tokens stop working at once, nothing is deleted."""
    user.active = False
    end_sessions(user)
    log.info("deactivated user %s", user.username)


def find_group(name: str) -> Group | None:
    """Return the group called `name`, compared case-insensitively."""
    return db.session.scalar(select(Group).where(Group.name_key == name.casefold()))


def find_group_or_fail(name: str) -> Group:
    """Return the group called `name` (any case), or raise AccountError."""
    group = find_group(name)
    if group is None:
        raise AccountError(f"Group {name!r} not found.")
    return group


def create_group(name: str) -> Group:
    """Add a group. Names are unique case-insensitively."""
    name = name.strip()
    if not name or len(name) > GROUP_NAME_MAX_LENGTH:
        raise AccountError(f"Invalid group name {name!r}: use 1 to 150 characters.")
    if find_group(name) is not None:
        raise AccountError(f"The group {name!r} already exists (case does not matter).")
    group = Group(name=name, name_key=name.casefold())
    db.session.add(group)
    log.info("created group %s", name)
    return group


def check_end_date(until: datetime | None) -> None:
    """Raise AccountError if `until` is not after the current time."""
    if until is not None and until <= now():
        raise AccountError(f"The end date {until.isoformat()} is not in the future.")


def describe_end(until: datetime | None) -> str:
    """Return an end date as written in log lines."""
    return until.isoformat() if until is not None else "further notice"


def add_member(group: Group, user: User, until: datetime | None = None) -> Membership:
    """Make `user` a current member of `group` until `until` (None: no end).

    A membership that ended is started again; an existing one gets the new end date.
    """
    check_end_date(until)
    membership = db.session.get(Membership, (group.id, user.id))
    if membership is None:
        membership = Membership(group=group, user=user, start_date=now())
        db.session.add(membership)
    elif membership.end_date is not None and membership.end_date <= now():
        membership.start_date = now()
    membership.end_date = until
    log.info("added user %s to group %s until %s", user.username, group.name, describe_end(until))
    return membership


def remove_member(group: Group, user: User) -> Membership:
    """End the membership of `user` in `group` now; the row stays as a record."""
    membership = db.session.get(Membership, (group.id, user.id))
    if membership is None or (membership.end_date is not None and membership.end_date <= now()):
        raise AccountError(f"User {user.username!r} is not a member of group {group.name!r}.")
    membership.end_date = now()
    log.info("removed user %s from group %s", user.username, group.name)
    return membership


def find_image_or_fail(image_id: str) -> Image:
    """Return the image with id `image_id` (any visibility), or raise AccountError."""
    try:
        canonical = str(uuid.UUID(image_id))
    except ValueError:
        raise AccountError(f"Invalid image id {image_id!r}: expected a UUID.") from None
    image = db.session.get(Image, canonical)
    if image is None:
        raise AccountError(f"Image {canonical} not found.")
    return image


def current_shares(image: Image) -> dict[int, tuple[Group, datetime | None]]:
    """Return the groups `image` is shared with now, by id, with each share's end date."""
    at = now()
    return {
        share.group_id: (share.group, share.end_date)
        for share in image.shares
        if share.end_date is None or share.end_date > at
    }


def share_image(image: Image, group: Group, until: datetime | None = None) -> None:
    """Share `image` with `group` until `until` (None: no end).

    A share that ended is started again; a current one gets the new end date.
    The change goes through operations.update_image, so it is recorded in the
    image's history and bumps its revision like an edit from the form.
    """
    check_end_date(until)
    wanted = current_shares(image)
    wanted[group.id] = (group, until)
    operations.update_image(image, None, {"groups": wanted})
    log.info("shared image %s with group %s until %s", image.id, group.name, describe_end(until))


def unshare_image(image: Image, group: Group) -> None:
    """End the share of `image` with `group` now; the row stays as a record."""
    wanted = current_shares(image)
    if group.id not in wanted:
        raise AccountError(f"Image {image.id} is not shared with group {group.name!r}.")
    del wanted[group.id]
    operations.update_image(image, None, {"groups": wanted})
    log.info("ended the share of image %s with group %s", image.id, group.name)


@dataclass(frozen=True)
class DemoAccount:
    """A demo login, printed by `flask demo load`."""

    username: str
    password: str
    role: str
    is_staff: bool = False
    in_group: bool = False


DEMO_GROUP = "Research lab"
DEMO_ACCOUNTS = [
    DemoAccount(
        "curator", "demo-curator-pw", "staff: sees every current image, private too", is_staff=True
    ),
    DemoAccount("rosa", "demo-rosa-pw", f"member of {DEMO_GROUP!r}", in_group=True),
    DemoAccount("sam", "demo-sam-pw", f"member of {DEMO_GROUP!r}", in_group=True),
    DemoAccount("olivia", "demo-olivia-pw", "outsider: sees public images only"),
]


def load_demo_accounts(private_image_ids: list[str]) -> list[str]:
    """Create the demo accounts and group, and share the private images with it.

    Accounts, the group, memberships and shares already there are left as
    they are, so loading twice adds nothing. Returns the lines to print.
    """
    group = find_group(DEMO_GROUP) or create_group(DEMO_GROUP)
    db.session.flush()
    lines = []
    for account in DEMO_ACCOUNTS:
        user = operations.find_user(account.username)
        if user is None:
            user = create_account(account.username, account.password, is_staff=account.is_staff)
            db.session.flush()
        if account.in_group and db.session.get(Membership, (group.id, user.id)) is None:
            add_member(group, user)
        lines.append(f"  {account.username} / {account.password} ({account.role})")
    for image_id in private_image_ids:
        image = db.session.get(Image, image_id)
        if image is not None and db.session.get(ImageShare, (image.id, group.id)) is None:
            share_image(image, group)
    return ["Demo logins (username / password):", *lines]
