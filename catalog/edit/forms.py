"""Forms of the editing pages. Field rules live in catalog.operations, shared with PATCH."""

from datetime import UTC, datetime
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

from catalog import operations
from catalog.icons import InvalidIcon, normalize_icon
from catalog.models import Image

BLANK_SHARE_ROWS = 2


def format_local(moment: datetime | None) -> str:
    """Return `moment` in UTC as the value of an <input type="datetime-local" step="1">, or ''."""
    if moment is None:
        return ""
    moment = moment.astimezone(UTC)
    # Formatted by hand: strftime("%Y") does not pad years before 1000 on glibc.
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
    )


def date_from_form(text: str | None) -> datetime | None:
    """Return the moment in a form's date field, in UTC, or None when the field is empty.

    A datetime-local input sends a date and time without a time zone, which
    is read as UTC, and a date alone means midnight UTC. Text with Z or an
    offset is converted to UTC. Raises ValueError worded for the form.
    """
    text = (text or "").strip()
    if not text:
        return None
    shown = text if len(text) <= 40 else text[:40] + "..."
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{shown!r} is not an ISO 8601 date such as 2026-12-31 or date and time "
            "such as 2026-12-31T23:59:00 (UTC)."
        ) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{shown!r} is out of range.") from None


class ShareForm(Form):
    """One group the image is shared with, until an optional end date (UTC)."""

    group = StringField("Group", validators=[Optional()])
    end_date = StringField("Shared until (UTC)", validators=[Optional()])


class EditImageForm(FlaskForm):
    """The fields of an image that its creator and staff may change."""

    revision = HiddenField()
    name = StringField("Name", description="Required, at most 256 characters.")
    description = TextAreaField(
        "Description", description="Markdown, at most 10,000 characters."
    )
    tags = StringField(
        "Tags", description="Separated by commas; at most 20 tags of up to 64 characters each."
    )
    private = BooleanField(
        "Private", description="Only you, staff and the groups below can see a private image."
    )
    groups = FieldList(FormField(ShareForm), label="Shared with groups")
    end_date = StringField(
        "End date (UTC)",
        description="Leave empty to keep the image. A past date removes it now; a future one schedules it.",
    )
    icon = FileField("New icon", description="PNG, JPEG, GIF or WebP, up to 1 MiB.")
    remove_icon = BooleanField("Remove the icon")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.group_errors: list[str] = []

    def fill(self, image: Image, at: datetime) -> None:
        """Set every field from `image`, for a GET of the form."""
        self.revision.data = str(image.revision)
        self.name.data = image.name
        self.description.data = image.description
        self.tags.data = ", ".join(image.tag_names)
        self.private.data = image.private
        self.end_date.data = format_local(image.end_date)
        for share in operations.share_list(image, at):
            self.groups.append_entry(
                {"group": share["group"], "end_date": format_local(share["end_date"])}
            )
        for _ in range(BLANK_SHARE_ROWS):
            self.groups.append_entry()

    def changes(self, image: Image, max_icon_bytes: int) -> tuple[dict[str, Any], bytes | None]:
        """Return the validated field changes and the icon upload, or raise InvalidChanges.

        Every field is checked before anything is saved; errors are added to
        the fields they belong to.
        """
        errors: dict[str, str] = {}
        values: dict[str, Any] = {
            "name": self.name.data or "",
            "description": self.description.data or "",
            "tags": [tag for tag in (self.tags.data or "").split(",") if tag.strip()],
            "private": bool(self.private.data),
            "groups": self.share_values(errors),
        }
        # An unchanged date field keeps the stored value, which may have
        # finer precision than the form shows.
        if (self.end_date.data or "").strip() != format_local(image.end_date):
            try:
                values["end_date"] = date_from_form(self.end_date.data)
            except ValueError as error:
                errors["end_date"] = str(error)
        if self.remove_icon.data:
            values["icon"] = None

        try:
            changes = operations.validate_changes(values)
        except operations.InvalidChanges as invalid:
            # A date the form could not read keeps its own message.
            errors = {**invalid.errors, **errors}
            changes = {}
        upload = self.icon_upload(max_icon_bytes, errors)
        for field, message in errors.items():
            if field == "groups":
                # FieldList keeps one error list per entry, so this one is kept apart.
                self.group_errors.append(message)
            else:
                getattr(self, field).errors.append(message)
        if errors:
            raise operations.InvalidChanges(errors)
        return changes, upload

    def share_values(self, errors: dict[str, str]) -> list[dict[str, Any]]:
        """Return the filled share rows for operations.clean_groups, recording date errors."""
        shares = []
        for entry in self.groups:
            group = (entry.group.data or "").strip()
            if not group:
                continue
            try:
                end_date = date_from_form(entry.end_date.data)
            except ValueError as error:
                errors.setdefault("groups", f"end date for {group}: {error}")
                continue
            shares.append({"group": group, "end_date": end_date})
        return shares

    def icon_upload(self, max_icon_bytes: int, errors: dict[str, str]) -> bytes | None:
        """Return the uploaded icon's bytes if it is an accepted image, else record the error."""
        storage = self.icon.data
        if storage is None or not getattr(storage, "filename", ""):
            return None
        data = storage.read(max_icon_bytes + 1)
        try:
            normalize_icon(data, max_icon_bytes)
        except InvalidIcon as error:
            errors["icon"] = str(error)
            return None
        return data


class ConfirmForm(FlaskForm):
    """A button-only form, so that remove, restore and version changes carry a CSRF token."""


class EndDateForm(FlaskForm):
    """A new end date for a removed image."""

    end_date = StringField("New end date (UTC)")
