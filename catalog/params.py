"""Parsing and validation of the list query parameters shared by the API and the pages."""

from collections.abc import Mapping
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from catalog.queries import DEFAULT_ORDERING, ORDERINGS, ImageFilters

MAX_TEXT_LENGTH = 200
MAX_TAG_FILTERS = 20


class InvalidParameter(ValueError):
    """A query parameter whose value is not allowed. The message names it and the allowed values."""


class InvalidPage(ValueError):
    """A page number that is not a positive integer."""


@dataclass(frozen=True)
class ListRequest:
    """A validated list request: filters, page number and page size."""

    filters: ImageFilters
    page: int
    page_size: int


def _text(args: MultiDict[str, str], name: str) -> str:
    value = args.get(name, "").strip()
    _check_text(name, value)
    return value


def _check_text(name: str, value: str) -> None:
    if "\x00" in value:
        raise InvalidParameter(f"{name}: must not contain NUL characters.")
    if len(value) > MAX_TEXT_LENGTH:
        raise InvalidParameter(f"{name}: must be at most {MAX_TEXT_LENGTH} characters long.")


def parse_page(args: Mapping[str, str]) -> int:
    """Return the 1-based page number (1 when missing or empty), or raise InvalidPage."""
    raw = args.get("page", "").strip() or "1"
    if not raw.isdecimal() or not raw.isascii() or int(raw) < 1:
        raise InvalidPage(raw)
    return int(raw)


def parse_page_size(args: Mapping[str, str], default: int, maximum: int) -> int:
    """Return the page size, or raise InvalidParameter naming the allowed range."""
    raw = args.get("page_size", "").strip()
    if raw == "":
        return default
    if not (raw.isdecimal() and raw.isascii()) or not 1 <= int(raw) <= maximum:
        raise InvalidParameter(
            f"page_size: must be an integer from 1 to {maximum}, got {raw[:40]!r}."
        )
    return int(raw)


def parse_list_request(args: MultiDict[str, str], default_size: int, max_size: int) -> ListRequest:
    """Validate the list parameters of `args` and return them as a ListRequest.

    Raises InvalidParameter for a bad filter, ordering or page size, and
    InvalidPage for a page number that is not a positive integer.
    """
    ordering = args.get("ordering", "").strip() or DEFAULT_ORDERING
    if ordering not in ORDERINGS:
        allowed = ", ".join(ORDERINGS)
        raise InvalidParameter(f"ordering: must be one of {allowed}, got {ordering[:40]!r}.")

    tags = []
    for value in args.getlist("tags"):
        value = value.strip()
        _check_text("tags", value)
        if value and value.casefold() not in {tag.casefold() for tag in tags}:
            tags.append(value)
    if len(tags) > MAX_TAG_FILTERS:
        raise InvalidParameter(f"tags: at most {MAX_TAG_FILTERS} tag filters are allowed.")

    provider = None
    raw_provider = args.get("provider", "").strip()
    if raw_provider:
        if not (raw_provider.isdecimal() and raw_provider.isascii()) or int(raw_provider) > 2**31 - 1:
            raise InvalidParameter(
                f"provider: must be a provider id (an integer), got {raw_provider[:40]!r}."
            )
        provider = int(raw_provider)

    filters = ImageFilters(
        search=_text(args, "search"),
        tags=tuple(tags),
        created_by=_text(args, "created_by"),
        provider=provider,
        ordering=ordering,
    )
    page_size = parse_page_size(args, default_size, max_size)
    page = parse_page(args)
    return ListRequest(filters=filters, page=page, page_size=page_size)
