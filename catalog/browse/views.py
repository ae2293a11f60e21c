"""Routes of the catalog pages. Each loads through catalog.queries, so the pages
show exactly what the JSON API shows to the same viewer."""

import uuid
from dataclasses import replace

from flask import abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from catalog.auth.viewer import current_viewer
from catalog.browse import bp
from catalog.clock import now
from catalog.extensions import db
from catalog.models import User
from catalog.params import (
    InvalidPage,
    InvalidParameter,
    ListRequest,
    parse_list_request,
)
from catalog.queries import (
    ImageFilters,
    PageOutOfRange,
    creators_with_visible_images,
    image_detail,
    image_list,
    paginate,
    provider_counts,
    providers,
    tag_counts,
    user_by_username,
)

SORT_CHOICES = [
    ("-start_date", "Newest first"),
    ("start_date", "Oldest first"),
    ("name", "Name A-Z"),
    ("-name", "Name Z-A"),
]


def parse_listing() -> ListRequest:
    """Return the validated list parameters: 400 for a bad filter, 404 for a bad page number."""
    try:
        return parse_list_request(
            request.args, current_app.config["PAGE_SIZE"], current_app.config["MAX_PAGE_SIZE"]
        )
    except InvalidParameter as error:
        abort(400, str(error))
    except InvalidPage as error:
        abort(404, f"There is no page {str(error)[:40]!r}: pages are numbered from 1.")


def parse_mine() -> bool:
    """Return True when `mine=1` requests only the viewer's own images."""
    value = request.args.get("mine", "").strip()
    if value not in ("", "0", "1"):
        abort(400, f"mine: must be 1 (only your images) or 0, got {value[:40]!r}.")
    return value == "1"


def render_image_list(
    listing: ListRequest, filters: ImageFilters, *, title: str, owner: User | None = None
) -> str:
    """Render one page of the images matching `filters` that the viewer may see.

    The statements run are the same whatever the page size: the count, the
    page of images with their tags and versions, the creator and provider choices.
    """
    viewer = current_viewer()
    at = now()
    try:
        page = paginate(image_list(viewer, filters, at), listing.page, listing.page_size)
    except PageOutOfRange:
        abort(404, f"There is no page {listing.page} of this list.")
    creators = list(db.session.scalars(creators_with_visible_images(viewer, at)))
    provider_choices = list(db.session.scalars(providers()))

    return render_template(
        "browse/list.html",
        title=title,
        page=page,
        filters=filters,
        listing=listing,
        owner=owner,
        creators=creators,
        providers=provider_choices,
        sort_choices=SORT_CHOICES,
    )


@bp.get("/")
def home() -> ResponseReturnValue:
    """Send visitors of the site root to the image list."""
    return redirect(url_for("browse.index"))


@bp.get("/catalog/")
def index() -> ResponseReturnValue:
    """List the images the viewer may see, with the filters of GET /images plus `mine=1`."""
    listing = parse_listing()
    filters = listing.filters
    title = "Images"

    if parse_mine():
        viewer = current_viewer()
        if viewer is not None:
            filters = replace(filters, creator_id=viewer.id)
            title = "My images"
        elif "auth.login" in current_app.view_functions:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    return render_image_list(listing, filters, title=title)


@bp.get("/users/<username>")
def user_images(username: str) -> ResponseReturnValue:
    """List the images of one creator that the viewer may see; 404 for an unknown user."""
    owner = db.session.scalar(user_by_username(username))
    if owner is None:
        abort(404, f"There is no user named {username[:150]!r}.")

    listing = parse_listing()
    filters = replace(listing.filters, creator_id=owner.id)
    return render_image_list(listing, filters, title=f"Images by {owner.username}", owner=owner)


@bp.get("/catalog/<image_id>")
def image(image_id: str) -> ResponseReturnValue:
    """Show one image; 404 when the id is not a UUID or the viewer may not see the image."""
    try:
        canonical = str(uuid.UUID(image_id))
    except ValueError:
        abort(404)
    found = db.session.scalar(image_detail(current_viewer(), canonical, now()))
    if found is not None and image_id != canonical:
        # One URL per image page (uppercase, braces or urn:uuid: spellings redirect).
        query = request.query_string.decode("latin-1")
        target = url_for("browse.image", image_id=canonical)
        return redirect(f"{target}?{query}" if query else target, code=301)
    if found is None:
        abort(404)

    # image.versions is ordered oldest first; the page lists the newest first.
    versions = list(reversed(found.versions))
    return render_template("browse/image.html", image=found, versions=versions)


@bp.get("/tags")
def tags() -> ResponseReturnValue:
    """List every tag of an image the viewer may see, with how many images carry it."""
    rows = db.session.execute(tag_counts(current_viewer(), now())).all()
    return render_template("browse/tags.html", rows=rows)


@bp.get("/providers")
def provider_list() -> ResponseReturnValue:
    """List every provider with the number of images the viewer may see on it."""
    rows = db.session.execute(provider_counts(current_viewer(), now())).all()
    return render_template("browse/providers.html", rows=rows)
