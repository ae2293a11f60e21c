"""Flask CLI groups for accounts and sharing: `flask users`, `flask groups`, `flask images share`.

Each command calls catalog.accounts, commits, and prints what it did. Invalid
input stops with a message and exit status 1, and nothing is written.
"""

import getpass
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import click
from flask import Flask
from flask.cli import AppGroup

from catalog import accounts
from catalog.extensions import db

log = logging.getLogger(__name__)

users_cli = AppGroup("users", help="Create accounts, issue API tokens, deactivate accounts.")
groups_cli = AppGroup("groups", help="Create groups and change their members.")


def operator_name() -> str:
    """Return the login name of the person running the command, for the log."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown operator"


@contextmanager
def account_change() -> Iterator[None]:
    """Commit the changes of the block, or roll back and exit with the AccountError message.

    catalog.accounts logs what changed; this adds who ran which command.
    """
    try:
        yield
    except accounts.AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    context = click.get_current_context()
    # The parameters never include a password: it comes from a prompt or standard input.
    log.info("%s ran %s %s", operator_name(), context.command_path, context.params)


def parse_until(value: str | None) -> datetime | None:
    """Parse an --until value: an ISO 8601 date or date-time, read as UTC without an offset."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 date or date-time, such as 2026-12-31 or "
            "2026-12-31T18:00:00+01:00.",
            param_hint="--until",
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def until_option(function: Callable[..., None]) -> Callable[..., None]:
    """Add the --until option shared by `groups add` and `images share`."""
    return click.option(
        "--until",
        metavar="ISO-8601",
        help="End date, such as 2026-12-31 or 2026-12-31T18:00:00Z (UTC without an offset). "
        "Default: no end.",
    )(function)


def read_password(from_stdin: bool) -> str:
    """Return a password read from standard input's first line, or prompted twice."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise click.ClickException("No password on standard input.")
        return password
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@users_cli.command("create")
@click.argument("username")
@click.option("--staff", is_flag=True, help="Let the user see and edit every image.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input.",
)
def create_user_command(username: str, staff: bool, password_stdin: bool) -> None:
    """Create a user who can log in, asking for the password twice."""
    password = read_password(password_stdin)
    with account_change():
        user = accounts.create_account(username, password, is_staff=staff)
    kind = "staff user" if staff else "user"
    click.echo(f"Created {kind} {user.username}.")


@users_cli.command("set-password")
@click.argument("username")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input.",
)
def set_password_command(username: str, password_stdin: bool) -> None:
    """Set the password of USERNAME and end their sessions.

    Creators added by `flask images import` have no password and cannot log
    in until one is set here.
    """
    with account_change():
        user = accounts.find_user_or_fail(username)
        accounts.set_password(user, read_password(password_stdin))
    click.echo(f"Set the password of {user.username}; their earlier sessions have ended.")


@users_cli.command("token")
@click.argument("username")
def token_command(username: str) -> None:
    """Create an API token for USERNAME and print it once; it cannot be shown again."""
    with account_change():
        user = accounts.find_user_or_fail(username)
        token = accounts.issue_token(user)
    click.echo(
        f"API token for {user.username} (send it as 'Authorization: Token <token>'):", err=True
    )
    click.echo(token)


@users_cli.command("revoke-tokens")
@click.argument("username")
def revoke_tokens_command(username: str) -> None:
    """Revoke every API token of USERNAME."""
    with account_change():
        user = accounts.find_user_or_fail(username)
        count = accounts.revoke_tokens(user)
    click.echo(f"Revoked {count} API tokens of {user.username}.")


@users_cli.command("deactivate")
@click.argument("username")
def deactivate_command(username: str) -> None:
    """Deactivate USERNAME: their sessions and tokens stop working at once."""
    with account_change():
        user = accounts.find_user_or_fail(username)
        accounts.deactivate(user)
    click.echo(f"Deactivated {user.username}; their sessions and API tokens no longer work.")


@groups_cli.command("create")
@click.argument("name")
def create_group_command(name: str) -> None:
    """Create a group called NAME."""
    with account_change():
        group = accounts.create_group(name)
    click.echo(f"Created group {group.name}.")


@groups_cli.command("add")
@click.argument("group_name", metavar="GROUP")
@click.argument("username")
@until_option
def add_member_command(group_name: str, username: str, until: str | None) -> None:
    """Add USERNAME to GROUP, until an optional end date."""
    end = parse_until(until)
    with account_change():
        group = accounts.find_group_or_fail(group_name)
        user = accounts.find_user_or_fail(username)
        accounts.add_member(group, user, end)
    suffix = f" until {end.isoformat()}" if end else ""
    click.echo(f"Added {user.username} to group {group.name}{suffix}.")


@groups_cli.command("remove")
@click.argument("group_name", metavar="GROUP")
@click.argument("username")
def remove_member_command(group_name: str, username: str) -> None:
    """End the membership of USERNAME in GROUP now (the record is kept)."""
    with account_change():
        group = accounts.find_group_or_fail(group_name)
        user = accounts.find_user_or_fail(username)
        accounts.remove_member(group, user)
    click.echo(f"Removed {user.username} from group {group.name}.")


@click.command("share")
@click.argument("image_id")
@click.argument("group_name", metavar="GROUP")
@until_option
def share_command(image_id: str, group_name: str, until: str | None) -> None:
    """Share the private image IMAGE_ID with GROUP, until an optional end date."""
    end = parse_until(until)
    with account_change():
        image = accounts.find_image_or_fail(image_id)
        group = accounts.find_group_or_fail(group_name)
        accounts.share_image(image, group, end)
    suffix = f" until {end.isoformat()}" if end else ""
    click.echo(f"Shared image {image.id} ({image.name}) with group {group.name}{suffix}.")
    if not image.private:
        click.echo("The image is public: the share matters only once it is made private.")


@click.command("unshare")
@click.argument("image_id")
@click.argument("group_name", metavar="GROUP")
def unshare_command(image_id: str, group_name: str) -> None:
    """End the share of IMAGE_ID with GROUP now (the record is kept)."""
    with account_change():
        image = accounts.find_image_or_fail(image_id)
        group = accounts.find_group_or_fail(group_name)
        accounts.unshare_image(image, group)
    click.echo(f"Ended the share of image {image.id} ({image.name}) with group {group.name}.")


def init_app(app: Flask, images_cli: click.Group) -> None:
    """Register `flask users` and `flask groups`, and add share and unshare to `images_cli`."""
    images_cli.add_command(share_command)
    images_cli.add_command(unshare_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(groups_cli)
