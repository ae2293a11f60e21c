"""Import and export of images as JSON files.

Import reads what the `/images` API emits (a collection, a bare list or one
image) and the responses of an Atmosphere API v2 deployment (`/api/v2/images`),
validates every record before writing anything, then upserts by id in
batches. Export writes every image in the collection shape.
"""

import base64
import binascii
import json
import logging
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any
from urllib.parse import urlsplit

import ijson
from sqlalchemy import func, select, true
from sqlalchemy.orm import selectinload

from catalog import operations
from catalog.extensions import db
from catalog.icons import InvalidIcon, icon_digest, normalize_icon
from catalog.models import Image, ImageIcon, Provider, Tag, User, Version
from catalog.serializers import format_date, version_to_json

log = logging.getLogger(__name__)

BATCH_SIZE = 500
MAX_NAME_LENGTH = 256
# The same limits as the edit form and PATCH, so that an imported image can be
# saved unchanged from the form.
MAX_TAG_LENGTH = operations.MAX_TAG_LENGTH
MAX_TAGS = operations.MAX_TAGS
MAX_USERNAME_LENGTH = 150
# Longer than the edit form's 10,000 characters, so that long imported Markdown
# is kept whole. NOTE: the form rejects such a description until it is shortened.
MAX_DESCRIPTION_LENGTH = 100_000
MAX_VERSION_LENGTH = 128
DATA_URI_PREFIX = "data:image/png;base64,"


class ImportFailed(Exception):
    """The file cannot be read at all (not JSON, or not an image shape)."""


@dataclass
class VersionRecord:
    """A validated version of an imported image."""

    alias: str
    version: str
    start_date: datetime
    end_date: datetime | None
    # None for API v2 versions, which name no provider.
    provider_id: int | None


@dataclass
class ImageRecord:
    """A validated image, in either input format."""

    id: str
    name: str
    description: str
    created_by: str
    tags: list[tuple[str, str | None]]
    start_date: datetime
    end_date: datetime | None
    private: bool
    versions: list[VersionRecord]
    # The icon as PNG bytes; None clears it; KEEP_ICON leaves it as it is.
    icon: bytes | None | object
    legacy_id: int | None = None
    # Host of the v2 image's `url`, for versions that name no provider.
    source_host: str | None = None


KEEP_ICON = object()


@dataclass
class ImportSummary:
    """Counts of what an import did, and the lines reporting invalid records."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)
    # Provider id -> number of v2 images whose versions were recorded on it.
    v2_providers: dict[int, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + self.skipped


class RecordInvalid(ValueError):
    """A record that fails validation; `problems` lists "field: message" strings."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


# Reading ------------------------------------------------------------------


def spool(stream: IO[bytes]) -> IO[bytes]:
    """Return a seekable copy of `stream` (standard input is read twice)."""
    copy = tempfile.TemporaryFile()
    shutil.copyfileobj(stream, copy)
    copy.seek(0)
    return copy


# ijson's pure-Python parser: the faster C parser (yajl2_c) replaces an unpaired
# surrogate escape such as "\ud800" with "?" without an error, which would
# change imported text silently. This one keeps it, so validation rejects it.
JSON_PARSER = ijson.get_backend("python")
FAST_JSON_PARSER = ijson.get_backend("yajl2_c")
# A collection nests its image records 2 levels deep and their versions 4; the
# limit leaves room for unknown fields while refusing pathological files.
MAX_DEPTH = 64
UTF8_BOM = b"\xef\xbb\xbf"


def json_error(error: Exception) -> ImportFailed:
    """Return an ImportFailed for a JSON parse error, on one line."""
    if isinstance(error, UnicodeDecodeError):
        return ImportFailed(f"the file is not UTF-8 text: invalid byte at position {error.start}")
    if isinstance(error, RecursionError):
        return ImportFailed("the file nests JSON values too deeply")
    message = error.args[0] if error.args else ""
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    first_line = str(message).strip().splitlines()[0] if str(message).strip() else type(error).__name__
    return ImportFailed(f"the file is not valid JSON: {first_line[:200]}")


def rewind(source: IO[bytes]) -> None:
    """Seek to the start of the JSON text of `source`, past a UTF-8 byte order mark."""
    source.seek(0)
    if source.read(len(UTF8_BOM)) != UTF8_BOM:
        source.seek(0)


def max_depth_exceeded(source: IO[bytes], parser: Any) -> bool:
    """Return True when JSON arrays and objects in `source` nest deeper than MAX_DEPTH."""
    rewind(source)
    depth = 0
    for event, _ in parser.basic_parse(source):
        if event in ("start_map", "start_array"):
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif event in ("end_map", "end_array"):
            depth -= 1
    return False


def check_depth(source: IO[bytes]) -> None:
    """Raise ImportFailed when `source` nests deeper than any image record can.

    Building deeply nested values with the pure-Python parser takes time that
    grows with the square of the depth (a minute at 40,000 levels), so the
    nesting is checked first with the fast C parser. That one fails on unpaired
    surrogate escapes, so such files are checked with the slower parser.
    """
    try:
        too_deep = max_depth_exceeded(source, FAST_JSON_PARSER)
    except UnicodeDecodeError:
        too_deep = max_depth_exceeded(source, JSON_PARSER)
    if too_deep:
        raise ImportFailed(
            f"the file nests JSON arrays and objects deeper than {MAX_DEPTH} levels; "
            "an image record needs at most 5"
        )


def detect_shape(source: IO[bytes]) -> str:
    """Return "collection", "list" or "object" for the top level of `source`."""
    rewind(source)
    if not source.read(4096).strip():
        raise ImportFailed("the file is empty")
    try:
        check_depth(source)
    except ijson.JSONError as error:
        raise json_error(error) from None
    rewind(source)
    try:
        for prefix, event, value in JSON_PARSER.parse(source):
            if prefix == "" and event == "start_array":
                return "list"
            if prefix == "" and event == "start_map":
                continue
            if prefix == "" and event == "map_key" and value == "results":
                return "collection"
            if prefix == "" and event == "end_map":
                return "object"
            if prefix == "" and event not in ("map_key",):
                raise ImportFailed("the file must contain a JSON object or array of images")
    except (ijson.JSONError, UnicodeDecodeError, RecursionError) as error:
        raise json_error(error) from None
    raise ImportFailed("the file is empty")


def iter_records(source: IO[bytes]) -> Iterator[Any]:
    """Yield the raw image records of `source`, streaming collections and lists."""
    shape = detect_shape(source)
    rewind(source)
    path = {"collection": "results.item", "list": "item", "object": ""}[shape]
    try:
        yield from JSON_PARSER.items(source, path, use_float=True)
    except (ijson.JSONError, UnicodeDecodeError, RecursionError) as error:
        raise json_error(error) from None


# Validation ---------------------------------------------------------------


class Checker:
    """Collects "field: message" problems while reading one raw record."""

    def __init__(self, record: dict[str, Any]) -> None:
        self.record = record
        self.problems: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def string(
        self, value: Any, where: str, *, max_length: int, allow_empty: bool = False
    ) -> str:
        if not isinstance(value, str):
            self.fail(where, "must be a string")
            return ""
        if "\x00" in value:
            self.fail(where, "must not contain NUL characters")
        if not is_unicode_text(value):
            self.fail(where, "must be valid Unicode text (it contains an unpaired surrogate escape)")
        if not allow_empty and not value.strip():
            self.fail(where, "must not be empty")
        if len(value) > max_length:
            self.fail(where, f"must be at most {max_length} characters long")
        return value

    def description(self, value: Any) -> str:
        if value is None:
            return ""
        return self.string(value, "description", max_length=MAX_DESCRIPTION_LENGTH, allow_empty=True)

    def tag(self, value: Any, where: str) -> str:
        name = self.string(value, where, max_length=MAX_TAG_LENGTH)
        if "," in name:
            self.fail(where, "must not contain a comma (the edit form separates tags with commas)")
        return name.strip()

    def tag_count(self, tags: list[Any]) -> None:
        if len(tags) > MAX_TAGS:
            self.fail("tags", f"an image may have at most {MAX_TAGS} tags, got {len(tags)}")

    def uuid(self, value: Any, where: str) -> str:
        if isinstance(value, str):
            try:
                return str(uuid.UUID(value))
            except ValueError:
                pass
        self.fail(where, f"must be a UUID string, got {short(value)}")
        return ""

    def date(self, value: Any, where: str, *, nullable: bool = False) -> datetime | None:
        if value is None and nullable:
            return None
        parsed = parse_date(value)
        if parsed is None:
            allowed = "an ISO 8601 date with a time zone" + (" or null" if nullable else "")
            self.fail(where, f"must be {allowed}, got {short(value)}")
        return parsed

    def boolean(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            self.fail(where, f"must be true or false, got {short(value)}")
            return False
        return value

    def listing(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            self.fail(where, "must be a list")
            return []
        return value


def is_unicode_text(value: str) -> bool:
    """Return False when `value` contains an unpaired surrogate, which UTF-8 cannot encode."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def short(value: Any) -> str:
    """Return `value` as JSON, cut to 40 characters, for error messages."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (RecursionError, ValueError):
        text = f"a nested {type(value).__name__}"
    return text if len(text) <= 40 else text[:37] + "..."


def parse_date(value: Any) -> datetime | None:
    """Return an ISO 8601 date with an offset (or `Z`) as UTC, or None if it is not one."""
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        return None


def record_id(raw: Any) -> str:
    """Return the id shown for a raw record in error lines."""
    if isinstance(raw, dict):
        for key in ("uuid", "id"):
            if isinstance(raw.get(key), str | int) and not isinstance(raw.get(key), bool):
                return str(raw[key])[:64]
    return "?"


def read_icon(check: Checker, value: Any) -> bytes | None | object:
    """Return the icon of a native record: PNG bytes from a data URI, None, or KEEP_ICON."""
    if value is None:
        return None
    if not isinstance(value, str):
        check.fail("icon", "must be a string or null")
        return KEEP_ICON
    if not value.startswith(DATA_URI_PREFIX):
        # A relative URL or a remote one: there is nothing to fetch it from.
        return KEEP_ICON
    try:
        data = base64.b64decode(value[len(DATA_URI_PREFIX) :], validate=True)
        return normalize_icon(data)
    except binascii.Error:
        check.fail("icon", "is not valid base64")
    except InvalidIcon as error:
        check.fail("icon", str(error).removeprefix("icon: "))
    return KEEP_ICON


def native_versions(check: Checker, raw: dict[str, Any]) -> list[VersionRecord]:
    """Validate the `versions` of a record in this API's own format."""
    versions = []
    for index, item in enumerate(check.listing(raw.get("versions", []), "versions")):
        where = f"versions[{index}]"
        if not isinstance(item, dict):
            check.fail(where, "must be an object")
            continue

        provider = item.get("provider")
        if not isinstance(provider, int) or isinstance(provider, bool) or not 1 <= provider < 2**31:
            check.fail(f"{where}.provider", f"must be a positive integer, got {short(provider)}")
        versions.append(
            VersionRecord(
                alias=check.uuid(item.get("alias"), f"{where}.alias"),
                version=check.string(
                    item.get("version"), f"{where}.version", max_length=MAX_VERSION_LENGTH
                ),
                start_date=check.date(item.get("start_date"), f"{where}.start_date"),  # type: ignore[arg-type]
                end_date=check.date(item.get("end_date"), f"{where}.end_date", nullable=True),
                provider_id=provider if isinstance(provider, int) else None,
            )
        )
    return versions


def validate_native(raw: dict[str, Any]) -> ImageRecord:
    """Validate a record in this API's own format."""
    check = Checker(raw)
    image_id = check.uuid(raw.get("id"), "id")
    name = check.string(raw.get("name"), "name", max_length=MAX_NAME_LENGTH)
    description = check.description(raw.get("description"))
    created_by = check.string(raw.get("created_by"), "created_by", max_length=MAX_USERNAME_LENGTH)

    raw_tags = check.listing(raw.get("tags", []), "tags")
    check.tag_count(raw_tags)
    tags = [(check.tag(tag, f"tags[{index}]"), None) for index, tag in enumerate(raw_tags)]

    start_date = check.date(raw.get("start_date"), "start_date")
    end_date = check.date(raw.get("end_date"), "end_date", nullable=True)
    private = check.boolean(raw.get("private"), "private")
    icon = read_icon(check, raw.get("icon"))
    versions = native_versions(check, raw)

    if check.problems:
        raise RecordInvalid(check.problems)
    return ImageRecord(
        id=image_id,
        name=name,
        description=description,
        created_by=created_by,
        tags=tags,
        start_date=start_date,  # type: ignore[arg-type]
        end_date=end_date,
        private=private,
        versions=versions,
        icon=icon,
    )


def validate_v2(raw: dict[str, Any], provider_id: int | None) -> ImageRecord:
    """Validate a record of an Atmosphere API v2 `/api/v2/images` response."""
    check = Checker(raw)
    legacy_id = raw.get("id")
    if not isinstance(legacy_id, int) or isinstance(legacy_id, bool) or not 0 <= legacy_id < 2**31:
        check.fail("id", f"must be an integer, got {short(legacy_id)}")
        legacy_id = None
    image_id = check.uuid(raw.get("uuid"), "uuid")
    name = check.string(raw.get("name"), "name", max_length=MAX_NAME_LENGTH)
    description = check.description(raw.get("description"))
    creator = raw.get("created_by")
    if isinstance(creator, dict):
        created_by = check.string(creator.get("username"), "created_by.username", max_length=MAX_USERNAME_LENGTH)
    else:
        check.fail("created_by", "must be an object with a username")
        created_by = ""
    tags = []
    raw_tags = check.listing(raw.get("tags", []), "tags")
    check.tag_count(raw_tags)
    for index, tag in enumerate(raw_tags):
        if not isinstance(tag, dict):
            check.fail(f"tags[{index}]", "must be an object with a name")
            continue
        tag_name = check.tag(tag.get("name"), f"tags[{index}].name")
        tag_description = tag.get("description")
        if tag_description is not None:
            tag_description = check.string(
                tag_description, f"tags[{index}].description", max_length=10_000, allow_empty=True
            )
        tags.append((tag_name, tag_description))
    start_date = check.date(raw.get("start_date"), "start_date")
    end_date = check.date(raw.get("end_date"), "end_date", nullable=True)
    private = not check.boolean(raw.get("is_public"), "is_public")

    host = None
    if provider_id is None:
        url = raw.get("url")
        host = urlsplit(url).hostname if isinstance(url, str) else None
        if not host:
            check.fail("url", "must be the image's URL, to name its provider (or pass --provider)")
    versions = []
    for index, item in enumerate(check.listing(raw.get("versions", []), "versions")):
        where = f"versions[{index}]"
        if not isinstance(item, dict):
            check.fail(where, "must be an object")
            continue
        versions.append(
            VersionRecord(
                alias=check.uuid(item.get("id"), f"{where}.id"),
                version=check.string(item.get("name"), f"{where}.name", max_length=MAX_VERSION_LENGTH),
                # A v2 image list gives no dates for versions: they start with the image.
                start_date=start_date,  # type: ignore[arg-type]
                end_date=None,
                provider_id=provider_id,
            )
        )
    if check.problems:
        raise RecordInvalid(check.problems)
    return ImageRecord(
        id=image_id,
        legacy_id=legacy_id,
        name=name,
        description=description,
        created_by=created_by,
        tags=tags,
        start_date=start_date,  # type: ignore[arg-type]
        end_date=end_date,
        private=private,
        versions=versions,
        icon=KEEP_ICON,
        source_host=host,
    )


def validate(raw: Any, provider_id: int | None) -> ImageRecord:
    """Validate one raw record in either format, raising RecordInvalid."""
    if not isinstance(raw, dict):
        raise RecordInvalid(["record: must be a JSON object"])
    if "uuid" in raw or "is_public" in raw:
        return validate_v2(raw, provider_id)
    return validate_native(raw)


# Writing ------------------------------------------------------------------


class BatchWriter:
    """Upserts validated records, a batch per transaction."""

    def __init__(self, summary: ImportSummary) -> None:
        self.summary = summary
        # Host name -> id of the provider that versions from that host are recorded on.
        self.host_providers: dict[str, int] = {}

    def write(self, records: list[ImageRecord]) -> None:
        """Upsert `records` and commit."""
        images = self.load_images({record.id for record in records})
        users = self.load_users({record.created_by for record in records})
        providers = self.load_providers(records)
        tags: dict[str, Tag] = {}
        for record in records:
            image = images.get(record.id)
            creator = users[record.created_by.casefold()]
            if image is None:
                image = Image(id=record.id, creator=creator, revision=1)
                db.session.add(image)
                images[record.id] = image
                self.apply(image, record, creator, providers, tags, is_new=True)
                self.summary.created += 1
            elif self.apply(image, record, creator, providers, tags, is_new=False):
                self.summary.updated += 1
            else:
                self.summary.unchanged += 1
        db.session.commit()
        db.session.expunge_all()

    def load_images(self, ids: set[str]) -> dict[str, Image]:
        statement = (
            select(Image)
            .where(Image.id.in_(ids))
            .options(selectinload(Image.tag_links), selectinload(Image.versions))
        )
        return {image.id: image for image in db.session.scalars(statement).unique()}

    def load_users(self, usernames: set[str]) -> dict[str, User]:
        keys = {name.casefold(): name for name in usernames}
        found = {
            user.username_key: user
            for user in db.session.scalars(select(User).where(User.username_key.in_(keys)))
        }
        for key, name in keys.items():
            if key not in found:
                found[key] = operations.create_user(name)
        return found

    def load_providers(self, records: list[ImageRecord]) -> dict[int, Provider]:
        ids = {v.provider_id for r in records for v in r.versions if v.provider_id is not None}
        found = {p.id: p for p in db.session.scalars(select(Provider).where(Provider.id.in_(ids)))}
        for provider_id in ids - found.keys():
            found[provider_id] = operations.create_provider(provider_id)
        for record in records:
            if record.source_host is None:
                continue
            provider = self.provider_for_host(record.source_host)
            found[provider.id] = provider
            for version in record.versions:
                version.provider_id = provider.id
            self.summary.v2_providers[provider.id] = self.summary.v2_providers.get(provider.id, 0) + 1
        db.session.flush()
        return found

    def provider_for_host(self, host: str) -> Provider:
        """Return the provider named after `host`, creating it the first time."""
        known_id = self.host_providers.get(host)
        if known_id is not None:
            return db.session.get_one(Provider, known_id)
        provider = db.session.scalar(
            select(Provider).where(Provider.name == host).order_by(Provider.id).limit(1)
        )
        if provider is None:
            provider = operations.create_provider(operations.next_provider_id(), host)
            db.session.flush()
        self.host_providers[host] = provider.id
        return provider

    def apply(
        self,
        image: Image,
        record: ImageRecord,
        creator: User,
        providers: dict[int, Provider],
        tags: dict[str, Tag],
        *,
        is_new: bool,
    ) -> bool:
        """Make `image` match `record`; return True if anything changed."""
        changed = False

        def change(field_name: str, old: Any, new: Any) -> None:
            nonlocal changed
            if old == new:
                return
            changed = True
            if not is_new:
                operations.record_change(image, None, field_name, old, new)

        scalar_fields = {
            "name": record.name,
            "description": record.description,
            "start_date": record.start_date,
            "end_date": record.end_date,
            "private": record.private,
        }
        for name, value in scalar_fields.items():
            change(name, None if is_new else getattr(image, name), value)
            setattr(image, name, value)
        if record.legacy_id is not None and image.legacy_id != record.legacy_id:
            image.legacy_id = record.legacy_id
            changed = True
        if is_new or image.creator_id != creator.id:
            change("created_by", None if is_new else image.creator.username, creator.username)
            image.creator = creator

        tag_rows = operations.resolve_tags([name for name, _ in record.tags], tags)
        for (name, description), tag in zip(record.tags, tag_rows, strict=False):
            if description and not tag.description:
                tag.description = description
        old_tags = [] if is_new else image.tag_names
        if old_tags != [tag.name for tag in tag_rows] or is_new:
            change("tags", old_tags, [tag.name for tag in tag_rows])
            operations.set_tags(image, tag_rows)

        if self.apply_versions(image, record, providers, is_new=is_new):
            changed = True
        if record.icon is not KEEP_ICON and self.apply_icon(image, record.icon, is_new=is_new):  # type: ignore[arg-type]
            changed = True

        if changed:
            operations.refresh_search_fields(image)
            if not is_new:
                log.info("import updated image %s", image.id)
        return changed

    def apply_versions(
        self, image: Image, record: ImageRecord, providers: dict[int, Provider], *, is_new: bool
    ) -> bool:
        """Add or update the record's versions; versions missing from it are kept."""
        existing = {(v.alias, v.provider_id): v for v in image.versions}
        changed = False
        for item in record.versions:
            assert item.provider_id is not None
            version = existing.get((item.alias, item.provider_id))
            if version is None:
                version = db.session.scalar(
                    select(Version).where(
                        Version.alias == item.alias, Version.provider_id == item.provider_id
                    )
                ) if not is_new else None
                if version is None:
                    version = Version(alias=item.alias, provider=providers[item.provider_id])
                    image.versions.append(version)
                else:
                    version.image = image
                changed = True
            values = {
                "version": item.version,
                "start_date": item.start_date,
                "end_date": item.end_date,
            }
            for name, value in values.items():
                if getattr(version, name) != value:
                    setattr(version, name, value)
                    changed = True
            existing[(item.alias, item.provider_id)] = version
        if changed and not is_new:
            operations.record_change(image, None, "versions", None, [item.alias for item in record.versions])
        return changed

    def apply_icon(self, image: Image, png: bytes | None, *, is_new: bool) -> bool:
        """Store or clear the icon of `image`; return True if it changed."""
        digest = icon_digest(png) if png is not None else None
        if digest == image.icon_digest:
            return False
        if not is_new:
            operations.record_change(image, None, "icon", image.icon_digest, digest)
        # Earlier icons stay stored; the image points at the current one.
        if png is not None and digest is not None:
            operations.store_icon_data(image, png, digest)
        image.icon_digest = digest
        return True


def import_images(
    source: IO[bytes],
    *,
    skip_invalid: bool = False,
    provider_id: int | None = None,
    progress: Any = None,
) -> ImportSummary:
    """Validate every record of `source`, then upsert them unless one is invalid.

    With `skip_invalid`, valid records are written and invalid ones counted as
    skipped. `progress`, if given, is called with the number of records done.
    Raises ImportFailed when the file cannot be read as images at all.
    """
    summary = ImportSummary()
    total = 0
    for index, raw in enumerate(iter_records(source), start=1):
        total = index
        try:
            validate(raw, provider_id)
        except RecordInvalid as error:
            for problem in error.problems:
                summary.errors.append(f"record {index} (id {record_id(raw)}): {problem}")
            summary.skipped += 1
    if summary.errors and not skip_invalid:
        return summary

    writer = BatchWriter(summary)
    batch: list[ImageRecord] = []
    for raw in iter_records(source):
        try:
            batch.append(validate(raw, provider_id))
        except RecordInvalid:
            pass
        else:
            if len(batch) >= BATCH_SIZE:
                writer.write(batch)
                if progress:
                    progress(len(batch))
                batch = []
    if batch:
        writer.write(batch)
        if progress:
            progress(len(batch))
    log.info(
        "import of %s records: %s created, %s updated, %s unchanged, %s skipped",
        total, summary.created, summary.updated, summary.unchanged, summary.skipped,
    )
    return summary


def count_records(source: IO[bytes]) -> int:
    """Return the number of records in `source`, for a progress bar."""
    return sum(1 for _ in iter_records(source))


# Export -------------------------------------------------------------------


def export_image(image: Image, icons: dict[str, bytes]) -> dict[str, Any]:
    """Return `image` in the API's shape with all its versions and its icon as a data URI."""
    icon = icons.get(image.id)
    return {
        "id": image.id,
        "icon": DATA_URI_PREFIX + base64.b64encode(icon).decode() if icon is not None else None,
        "created_by": image.creator.username,
        "name": image.name,
        "tags": image.tag_names,
        "description": image.description,
        "start_date": format_date(image.start_date),
        "end_date": format_date(image.end_date),
        "private": image.private,
        "versions": [version_to_json(version) for version in image.versions],
    }


def export_images(target: IO[str], *, public_only: bool = False) -> int:
    """Write every image (or every public one) to `target` as a collection; return the count.

    Private and ended images and ended versions are included. Images are
    written in id order, so the same catalog always exports the same bytes.
    """
    condition = Image.private.is_(False) if public_only else true()
    count = db.session.scalar(select(func.count()).select_from(Image).where(condition)) or 0
    target.write(f'{{\n  "count": {count},\n  "next": null,\n  "previous": null,\n  "results": [')
    written = 0
    last_id = ""
    while True:
        images = list(
            db.session.scalars(
                select(Image)
                .where(condition, Image.id > last_id)
                .order_by(Image.id)
                .limit(BATCH_SIZE)
                .options(selectinload(Image.tag_links), selectinload(Image.versions))
            ).unique()
        )
        if not images:
            break
        with_icon = [image.id for image in images if image.icon_digest is not None]
        icons = {
            row.image_id: row.data
            for row in db.session.scalars(
                select(ImageIcon)
                .join(Image, Image.id == ImageIcon.image_id)
                .where(ImageIcon.image_id.in_(with_icon), ImageIcon.digest == Image.icon_digest)
            )
        } if with_icon else {}
        for image in images:
            text = json.dumps(export_image(image, icons), ensure_ascii=False, indent=2)
            separator = "," if written else ""
            target.write(separator + "\n    " + text.replace("\n", "\n    "))
            written += 1
        last_id = images[-1].id
        db.session.expunge_all()
    target.write("\n  ]\n}\n" if written else "]\n}\n")
    return written
