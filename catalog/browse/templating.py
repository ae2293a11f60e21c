"""Jinja filters and globals of the catalog pages: dates, Markdown and list URLs."""

from datetime import UTC, datetime
from urllib.parse import urlencode

from flask import current_app, request
from markupsafe import Markup

from catalog.browse import bp
from catalog.markdown import plain_excerpt, render_markdown
from catalog.models import Image
from catalog.serializers import icon_path


@bp.app_template_filter("timetag")
def timetag(moment: datetime | None, with_time: bool = True) -> Markup:
    """Return `moment` in UTC as a `<time>` element: ISO 8601 inside, a readable date shown."""
    if moment is None:
        return Markup("")
    moment = moment.astimezone(UTC)
    if with_time:
        shown = f"{moment.day} {moment:%b %Y}, {moment:%H:%M} UTC"
    else:
        shown = f"{moment.day} {moment:%b %Y}"
    iso = moment.isoformat().replace("+00:00", "Z")
    return Markup('<time datetime="{}">{}</time>').format(iso, shown)


@bp.app_template_filter("markdown")
def markdown_filter(text: str) -> Markup:
    """Render an image description's Markdown as safe HTML."""
    return render_markdown(text)


@bp.app_template_filter("excerpt")
def excerpt_filter(text: str, max_length: int = 200) -> str:
    """Return the first lines of a description as plain text (escaped by the template)."""
    return plain_excerpt(text, max_length)


@bp.app_template_filter("provider_names")
def provider_names(image: Image) -> list[str]:
    """Return the names of the providers of the image's loaded versions, each once, sorted."""
    return sorted({version.provider.name for version in image.versions}, key=str.casefold)


def list_url(args: list[tuple[str, str]]) -> str:
    """Return the URL of the current page with `args` as its query string."""
    path = request.script_root + request.path
    if not args:
        return path
    return f"{path}?{urlencode(args)}"


def url_with_page(number: int) -> str:
    """Return the current list's URL showing page `number`, with every filter kept."""
    args = [(key, value) for key, value in request.args.items(multi=True) if key != "page"]
    if number != 1:
        args.append(("page", str(number)))
    return list_url(args)


def url_without(name: str, value: str | None = None) -> str:
    """Return the current list's URL without parameter `name` (or only its `value`), on page 1.

    Tag values are compared as the filters compare them: stripped and casefolded.
    """
    kept = []
    for key, current in request.args.items(multi=True):
        if key == "page":
            continue
        if key == name and (value is None or current.strip().casefold() == value.casefold()):
            continue
        kept.append((key, current))
    return list_url(kept)


@bp.app_context_processor
def template_helpers() -> dict[str, object]:
    """Expose the URL helpers and an endpoint check to every template."""

    def has_endpoint(endpoint: str) -> bool:
        # Pages link to login and logout only once the auth blueprint is registered.
        return endpoint in current_app.view_functions

    return {
        "has_endpoint": has_endpoint,
        "url_with_page": url_with_page,
        "url_without": url_without,
    }


@bp.app_template_filter("icon_url")
def icon_url(image: Image) -> str | None:
    """Return the URL of the image's icon as the JSON API gives it, or None without one."""
    return icon_path(image)
