"""Routes of the editing pages: edit, remove, restore, removed images, versions.

Each view loads the image (404 when the viewer may not see it), checks that
the viewer may edit it (403 otherwise), then acts through catalog.operations.
"""

import logging
import re
import uuid

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from catalog import operations
from catalog.auth.viewer import current_viewer
from catalog.clock import now
from catalog.edit import bp
from catalog.edit.forms import ConfirmForm, EditImageForm, EndDateForm, date_from_form
from catalog.errors import handle_http_error
from catalog.extensions import db
from catalog.icons import InvalidIcon
from catalog.models import Image, ImageChange, User, Version
from catalog.queries import (
    PageOutOfRange,
    image_detail,
    image_versions,
    paginate,
    removed_images,
)

log = logging.getLogger(__name__)

# The largest value of the INTEGER column of version ids (32-bit in PostgreSQL).
# A larger id in a URL cannot match a row, and SQLite raises OverflowError when
# given one beyond 64 bits.
MAX_INTEGER = 2**31 - 1


def canonical_or_404(image_id: str) -> str:
    """Return `image_id` as a canonical UUID string, or abort with 404."""
    try:
        return str(uuid.UUID(image_id))
    except ValueError:
        abort(404)


def require_viewer() -> User:
    """Return the logged-in viewer, or send anonymous visitors to the login page."""
    viewer = current_viewer()
    if viewer is None:
        if "auth.login" in current_app.view_functions:
            abort(redirect(url_for("auth.login", next=request.full_path.rstrip("?"))))
        abort(403, "Log in to edit images.")
    return viewer


def editable_image(image_id: str) -> tuple[Image, User]:
    """Load a current image the viewer may edit: 404 if they cannot see it, 403 if not theirs."""
    canonical = canonical_or_404(image_id)
    image = db.session.scalar(image_detail(current_viewer(), canonical, now()))
    if image is None:
        abort(404)
    viewer = require_viewer()
    if not operations.can_edit(viewer, image):
        abort(403, "Only the creator of the image and staff may edit it.")
    return image, viewer


def removed_image(image_id: str) -> tuple[Image, User]:
    """Load an ended image the viewer may restore, or abort with 404."""
    canonical = canonical_or_404(image_id)
    viewer = require_viewer()
    statement = removed_images(viewer, now()).where(Image.id == canonical)
    image = db.session.scalar(statement)
    if image is None:
        abort(404)
    return image, viewer


def form_revision(image: Image, text: str | None) -> int:
    """Return the image revision the submitted form was loaded at, or abort with 400.

    The edit page writes the revision into a hidden field. Anything other
    than a revision the image has had comes from an altered or truncated form.
    """
    text = (text or "").strip()
    revision = int(text) if re.fullmatch(r"[0-9]{1,10}", text) else 0
    if not 1 <= revision <= image.revision:
        shown = text if len(text) <= 20 else text[:20] + "..."
        abort(
            400,
            f"The form's revision is missing or invalid ({shown!r}). "
            "Reload the edit page and enter your changes again.",
        )
    return revision


def render_form(
    form: EditImageForm,
    image: Image,
    *,
    conflict: list[ImageChange] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """Render the edit form with the image's versions and any conflicting changes."""
    page = render_template(
        "edit/form.html",
        form=form,
        image=image,
        versions=list(db.session.scalars(image_versions(image.id))),
        conflict=conflict,
        confirm_form=ConfirmForm(),
        at=now(),
    )
    return page, status


@bp.route("/catalog/<image_id>/edit", methods=["GET", "POST"])
def edit_image(image_id: str) -> ResponseReturnValue:
    """Show and save the edit form. A save based on an old revision is refused, not merged."""
    image, viewer = editable_image(image_id)
    form = EditImageForm()
    if not form.is_submitted():
        form.fill(image, now())
        return render_form(form, image)
    if not form.validate():
        return render_form(form, image, status=400)

    based_on = form_revision(image, form.revision.data)
    try:
        changes, upload = form.changes(image, current_app.config["MAX_ICON_BYTES"])
    except operations.InvalidChanges:
        return render_form(form, image, status=400)
    try:
        operations.update_image(image, viewer, changes, based_on_revision=based_on)
        if upload is not None:
            operations.set_icon(image, viewer, upload)
        operations.commit_edit(image.id, based_on)
    except operations.EditConflict as conflict:
        db.session.rollback()
        # The form now carries the current revision: saving again, after
        # reading what changed, deliberately applies the values entered here.
        form.revision.data = str(image.revision)
        return render_form(form, image, conflict=conflict.changes, status=409)
    except InvalidIcon as error:
        db.session.rollback()
        form.icon.errors.append(str(error))
        return render_form(form, image, status=400)

    flash(f"Saved {image.name}.", "success")
    if image.end_date is not None and image.end_date <= now():
        return redirect(url_for("edit.removed"))
    return redirect(url_for("browse.image", image_id=image.id))


@bp.route("/catalog/<image_id>/remove", methods=["GET", "POST"])
def remove_image(image_id: str) -> ResponseReturnValue:
    """Ask for confirmation, then remove the image by setting its end date to now."""
    image, viewer = editable_image(image_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("edit/remove.html", image=image, form=form)

    operations.remove_image(image, viewer)
    try:
        operations.commit_edit(image.id)
    except operations.EditConflict:
        flash("The image was changed at the same moment; it was not removed. Try again.", "error")
        return redirect(url_for("browse.image", image_id=image.id))
    flash(f"Removed {image.name}. You can restore it from Removed images.", "success")
    return redirect(url_for("browse.index"))


@bp.get("/catalog/removed")
def removed() -> ResponseReturnValue:
    """List the removed images the viewer may restore."""
    viewer = require_viewer()
    number = request.args.get("page", "1")
    if not number.isdecimal() or int(number) < 1:
        abort(404, "Pages are numbered from 1.")
    return render_removed(viewer, int(number))


def render_removed(viewer: User, number: int, status: int = 200) -> tuple[str, int]:
    """Render page `number` of the removed images, or abort with 404 past the last page."""
    try:
        page = paginate(removed_images(viewer, now()), number, current_app.config["PAGE_SIZE"])
    except PageOutOfRange:
        abort(404, f"There is no page {number} of removed images.")
    page_html = render_template(
        "edit/removed.html", page=page, confirm_form=ConfirmForm(), end_date_form=EndDateForm()
    )
    return page_html, status


@bp.post("/catalog/<image_id>/restore")
def restore_image(image_id: str) -> ResponseReturnValue:
    """Bring a removed image back by clearing its end date."""
    image, viewer = removed_image(image_id)
    if not ConfirmForm().validate_on_submit():
        abort(400, "The form's CSRF token is missing or expired. Reload the page and try again.")

    operations.restore_image(image, viewer)
    try:
        operations.commit_edit(image.id)
    except operations.EditConflict:
        flash("The image was changed at the same moment; it was not restored. Try again.", "error")
        return redirect(url_for("edit.removed"))
    flash(f"Restored {image.name}.", "success")
    return redirect(url_for("browse.image", image_id=image.id))


@bp.post("/catalog/<image_id>/end-date")
def change_end_date(image_id: str) -> ResponseReturnValue:
    """Change the end date of a removed image: a future date brings it back until then."""
    image, viewer = removed_image(image_id)
    form = EndDateForm()
    if not form.validate_on_submit():
        abort(400, "The form's CSRF token is missing or expired. Reload the page and try again.")
    try:
        end_date = date_from_form(form.end_date.data)
    except ValueError as error:
        return end_date_error(image, viewer, str(error))
    if end_date is None:
        return end_date_error(
            image, viewer, "enter a date, or use Restore to bring the image back with no end date."
        )
    try:
        changes = operations.validate_changes({"end_date": end_date})
    except operations.InvalidChanges as invalid:
        return end_date_error(image, viewer, invalid.errors["end_date"])

    operations.update_image(image, viewer, changes)
    try:
        operations.commit_edit(image.id)
    except operations.EditConflict:
        flash("The image was changed at the same moment; nothing was saved. Try again.", "error")
        return redirect(url_for("edit.removed"))
    flash(f"Changed the end date of {image.name}.", "success")
    return redirect(url_for("edit.removed"))


def end_date_error(image: Image, viewer: User, message: str) -> tuple[str, int]:
    """Show the removed images again with 400 and `message` about the end date of `image`."""
    flash(f"End date of {image.name}: {message}", "error")
    return render_removed(viewer, 1, status=400)


@bp.post(
    f"/catalog/<image_id>/versions/<int(max={MAX_INTEGER}):version_id>/<any(end, restore):action>"
)
def change_version(image_id: str, version_id: int, action: str) -> ResponseReturnValue:
    """End a version of the image now, or restore an ended one."""
    image, viewer = editable_image(image_id)
    version = db.session.scalar(
        select(Version).where(Version.id == version_id, Version.image_id == image.id)
    )
    if version is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400, "The form's CSRF token is missing or expired. Reload the page and try again.")

    if action == "end":
        operations.end_version(version, viewer)
    else:
        operations.restore_version(version, viewer)
    try:
        operations.commit_edit(image.id)
    except operations.EditConflict:
        flash("The image was changed at the same moment; nothing was saved. Try again.", "error")
        return redirect(url_for("edit.edit_image", image_id=image.id))
    verb = "Ended" if action == "end" else "Restored"
    flash(f"{verb} version {version.version} ({version.alias}).", "success")
    return redirect(url_for("edit.edit_image", image_id=image.id))


@bp.errorhandler(RequestEntityTooLarge)
def request_too_large(error: RequestEntityTooLarge) -> Response | tuple[str, int]:
    """Render the 413 page with the limits in words, not a reset connection."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    icon_limit = current_app.config["MAX_ICON_BYTES"]
    return handle_http_error(
        RequestEntityTooLarge(
            f"The form was larger than {limit // 1024:,} KiB. Icons may be at most "
            f"{icon_limit // 1024:,} KiB; choose a smaller file and try again."
        )
    )
