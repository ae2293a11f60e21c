"""`flask images import` and `flask images export`, on real Atmosphere data and made files."""

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from catalog.extensions import db
from catalog.models import Image, Provider, Tag, User, Version

TESTDATA = Path(__file__).resolve().parents[2] / "shared" / "testdata" / "atmosphere-v2"
V2_LIST = TESTDATA / "images.json"
V2_IMAGE = TESTDATA / "image.json"


def image_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Image))


def native_image(**fields) -> dict:
    image = {
        "id": "bdc31c14-f807-11e3-8ef5-b2227cce2b54",
        "icon": None,
        "created_by": "username",
        "name": "Ubuntu 12.04 Updated NoGUI v1",
        "tags": ["Ubuntu", "Featured"],
        "description": "Description for Ubuntu 12.04 Updated NoGUI v1",
        "start_date": "2014-02-05T01:03:27.903Z",
        "end_date": None,
        "private": False,
        "versions": [
            {
                "alias": "813557f2-f808-11e3-8ef5-b2227cce2b54",
                "version": "1",
                "start_date": "2014-02-04T23:56:40.077Z",
                "end_date": None,
                "provider": 1,
            }
        ],
    }
    image.update(fields)
    return image


def write_json(path: Path, data) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_import_blueprint_example_then_serve_it(runner, client, tmp_path):
    collection = {"count": 1, "next": None, "previous": None, "results": [native_image()]}

    result = runner.invoke(args=["images", "import", str(write_json(tmp_path / "a.json", collection))])

    assert result.exit_code == 0, result.output
    assert "1 created, 0 updated, 0 unchanged, 0 skipped" in result.output
    served = client.get("/images/bdc31c14-f807-11e3-8ef5-b2227cce2b54").get_json()
    assert served == native_image()
    user = db.session.scalar(select(User).where(User.username == "username"))
    assert user.password_hash is None
    assert not user.is_active
    assert db.session.get(Provider, 1).name == "Provider 1"


@pytest.mark.parametrize("shape", ["list", "object"])
def test_import_list_and_single_image(runner, tmp_path, shape):
    data = [native_image()] if shape == "list" else native_image()

    result = runner.invoke(args=["images", "import", str(write_json(tmp_path / "a.json", data))])

    assert result.exit_code == 0, result.output
    assert image_count() == 1


def test_import_from_standard_input(runner):
    result = runner.invoke(args=["images", "import", "-"], input=json.dumps([native_image()]))

    assert result.exit_code == 0, result.output
    assert image_count() == 1


def test_import_twice_reports_unchanged(runner, tmp_path):
    path = write_json(tmp_path / "a.json", [native_image()])
    runner.invoke(args=["images", "import", str(path)])

    result = runner.invoke(args=["images", "import", str(path)])

    assert "0 created, 0 updated, 1 unchanged" in result.output


def test_import_updates_and_records_history(runner, client, tmp_path):
    runner.invoke(args=["images", "import", str(write_json(tmp_path / "a.json", [native_image()]))])
    changed = native_image(name="Renamed", tags=["ubuntu", "LTS"])

    result = runner.invoke(args=["images", "import", str(write_json(tmp_path / "b.json", [changed]))])

    assert "0 created, 1 updated" in result.output
    body = client.get(f"/images/{changed['id']}").get_json()
    assert body["name"] == "Renamed"
    # A tag keeps the spelling it was first created with.
    assert body["tags"] == ["Ubuntu", "LTS"]
    from catalog.models import ImageChange

    fields = set(db.session.scalars(select(ImageChange.field)))
    assert {"name", "tags"} <= fields


def test_invalid_file_writes_nothing(runner, tmp_path):
    records = [
        native_image(),
        native_image(id="11111111-1111-1111-1111-111111111111", tags=["ok", "fine", 3]),
        native_image(id="not-a-uuid", private="yes"),
    ]

    result = runner.invoke(args=["images", "import", str(write_json(tmp_path / "bad.json", records))])

    assert result.exit_code != 0
    assert "record 2 (id 11111111-1111-1111-1111-111111111111): tags[2]: must be a string" in result.output
    assert "record 3 (id not-a-uuid): id: must be a UUID string" in result.output
    assert "record 3 (id not-a-uuid): private: must be true or false" in result.output
    assert "nothing was written" in result.output
    assert image_count() == 0
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_skip_invalid_writes_valid_records(runner, tmp_path):
    records = [native_image(), native_image(id="22222222-2222-2222-2222-222222222222", start_date="yesterday")]

    result = runner.invoke(
        args=["images", "import", "--skip-invalid", str(write_json(tmp_path / "mixed.json", records))]
    )

    assert result.exit_code == 0, result.output
    assert "start_date: must be an ISO 8601 date with a time zone" in result.output
    assert "1 created, 0 updated, 0 unchanged, 1 skipped" in result.output
    assert image_count() == 1


@pytest.mark.parametrize(
    "content, message",
    [("", "empty"), ("{not json", "not valid JSON"), ("42", "JSON object or array")],
)
def test_unreadable_file_is_a_clear_error(runner, tmp_path, content, message):
    path = tmp_path / "broken.json"
    path.write_text(content)

    result = runner.invoke(args=["images", "import", str(path)])

    assert result.exit_code != 0
    assert message in result.output
    assert image_count() == 0


def test_naive_date_rejected(runner, tmp_path):
    record = native_image(start_date="2014-02-05T01:03:27")

    result = runner.invoke(args=["images", "import", str(write_json(tmp_path / "a.json", [record]))])

    assert result.exit_code != 0
    assert "start_date: must be an ISO 8601 date with a time zone" in result.output


def test_v2_list_imports_and_is_served(runner, client):
    raw = json.loads(V2_LIST.read_text())

    result = runner.invoke(args=["images", "import", str(V2_LIST)])

    assert result.exit_code == 0, result.output
    assert "10 created" in result.output
    assert "recorded on provider 1" in result.output
    provider = db.session.get(Provider, 1)
    assert provider.name == "cloud.example.org"
    body = client.get("/images?page_size=100").get_json()
    assert body["count"] == 10
    served = {item["id"]: item for item in body["results"]}
    for source in raw["results"]:
        item = served[source["uuid"]]
        assert item["name"] == source["name"]
        assert item["description"] == source["description"]
        assert item["created_by"] == source["created_by"]["username"]
        assert item["private"] is (not source["is_public"])
        assert item["tags"] == [tag["name"] for tag in source["tags"]]
        assert [v["alias"] for v in item["versions"]] == [v["id"] for v in source["versions"]]
        assert [v["version"] for v in item["versions"]] == [v["name"] for v in source["versions"]]
        assert all(v["provider"] == 1 for v in item["versions"])
        image = db.session.get(Image, source["uuid"])
        assert image.legacy_id == source["id"]


def test_v2_single_image_keeps_everything(runner, client):
    raw = json.loads(V2_IMAGE.read_text())

    result = runner.invoke(args=["images", "import", "--provider", "7", str(V2_IMAGE)])

    assert result.exit_code == 0, result.output
    item = client.get(f"/images/{raw['uuid']}").get_json()
    assert item["description"] == raw["description"]
    assert item["start_date"] == "2018-04-11T15:11:06.000Z"
    assert len(item["versions"]) == len(raw["versions"]) == 13
    assert {v["provider"] for v in item["versions"]} == {7}
    assert all(v["start_date"] == item["start_date"] for v in item["versions"])
    tag = db.session.scalar(select(Tag).where(Tag.name_key == "bioinformatics"))
    assert tag.description.startswith("The collection, classification")


def test_v2_dates_with_offsets_convert_to_utc(runner, client, tmp_path):
    raw = json.loads(V2_IMAGE.read_text())
    raw["start_date"] = "2017-11-03T16:42:26.762593-07:00"

    runner.invoke(args=["images", "import", str(write_json(tmp_path / "v2.json", raw))])

    item = client.get(f"/images/{raw['uuid']}").get_json()
    assert item["start_date"] == "2017-11-03T23:42:26.762Z"


def test_v2_invalid_record_names_field(runner, tmp_path):
    raw = json.loads(V2_IMAGE.read_text())
    raw["tags"][1] = {"description": "no name"}

    result = runner.invoke(args=["images", "import", str(write_json(tmp_path / "v2.json", [raw]))])

    assert result.exit_code != 0
    assert "record 1 (id ca948f10-c47e-5d06-a2b0-1674cfc002ee): tags[1].name: must be a string" in result.output


def test_export_import_export_is_identical(app, runner, tmp_path, make_image, frozen_now):
    from datetime import timedelta

    runner.invoke(args=["images", "import", str(V2_LIST)])
    make_image("private one", private=True, tags=["Secret"])
    make_image("ended one", end_date=frozen_now - timedelta(days=1))
    make_image("old version", versions=[{"end_date": frozen_now - timedelta(days=2)}, {}])
    first = tmp_path / "first.json"
    second = tmp_path / "second.json"

    assert runner.invoke(args=["images", "export", str(first)]).exit_code == 0
    exported = json.loads(first.read_text())
    assert exported["count"] == 13
    assert {item["name"] for item in exported["results"]} >= {"private one", "ended one"}

    from tests.conftest import empty_database

    empty_database()
    assert runner.invoke(args=["images", "import", str(first)]).exit_code == 0
    assert runner.invoke(args=["images", "export", str(second)]).exit_code == 0

    assert first.read_bytes() == second.read_bytes()
    versions = db.session.scalar(select(func.count()).select_from(Version))
    assert versions == sum(len(item["versions"]) for item in exported["results"])


def test_export_public_only(runner, tmp_path, make_image):
    make_image("public")
    make_image("private", private=True)
    path = tmp_path / "public.json"

    runner.invoke(args=["images", "export", "--public-only", str(path)])

    exported = json.loads(path.read_text())
    assert exported["count"] == 1
    assert [item["name"] for item in exported["results"]] == ["public"]


def test_export_empty_catalog_is_valid_json(runner, tmp_path):
    path = tmp_path / "empty.json"

    runner.invoke(args=["images", "export", str(path)])

    assert json.loads(path.read_text()) == {"count": 0, "next": None, "previous": None, "results": []}


def test_demo_load_is_idempotent(runner, client):
    first = runner.invoke(args=["demo", "load"])
    second = runner.invoke(args=["demo", "load"])

    assert first.exit_code == 0, first.output
    assert "65 images added" in first.output
    assert "0 images added, 65 already there" in second.output
    assert image_count() == 65
    body = client.get("/images?page_size=100").get_json()
    assert 50 <= body["count"] < 65


def test_byte_order_mark_is_accepted(runner, tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps([native_image()]).encode())

    result = runner.invoke(args=["images", "import", str(path)])

    assert result.exit_code == 0, result.output
    assert image_count() == 1


def test_deeply_nested_file_is_a_clear_error(runner, tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('{"a":' * 5000 + "1" + "}" * 5000)

    result = runner.invoke(args=["images", "import", str(path)])

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "deeper than 64 levels" in result.output


def test_binary_file_is_a_clear_error(runner, tmp_path):
    path = tmp_path / "binary.json"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xcd\xbd{")

    result = runner.invoke(args=["images", "import", str(path)])

    assert result.exit_code == 1
    assert "cannot import" in result.output
    assert "b'" not in result.output


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"name": "sur\\ud800rogate"}, "name"),
        ({"description": "\\udfff"}, "description"),
        ({"tags": ["\\ud83d"]}, "tags[0]"),
    ],
)
def test_unpaired_surrogate_is_rejected(runner, tmp_path, fields, field):
    # json.dumps escapes the backslash; undoing that leaves a \uD8xx escape in the file.
    text = json.dumps(native_image(**fields)).replace("\\\\u", "\\u")
    path = tmp_path / "surrogate.json"
    path.write_text(text)

    result = runner.invoke(args=["images", "import", str(path)])

    assert result.exit_code == 1
    assert f"{field}: must be valid Unicode text" in result.output
    assert image_count() == 0


def test_surrogate_pair_is_kept(runner, client, tmp_path):
    text = json.dumps(native_image(name="placeholder")).replace("placeholder", "Smile \\ud83d\\ude00")
    path = tmp_path / "emoji.json"
    path.write_text(text)

    result = runner.invoke(args=["images", "import", str(path)])

    assert result.exit_code == 0, result.output
    assert client.get(f"/images/{native_image()['id']}").get_json()["name"] == "Smile \U0001f600"


@pytest.mark.parametrize(
    "tags, message",
    [
        ([f"tag{number}" for number in range(21)], "tags: an image may have at most 20 tags, got 21"),
        (["a,b"], "tags[0]: must not contain a comma"),
        (["x" * 65], "tags[0]: must be at most 64 characters long"),
    ],
)
def test_tags_follow_edit_form_limits(runner, tmp_path, tags, message):
    path = write_json(tmp_path / "tags.json", [native_image(tags=tags)])

    result = runner.invoke(args=["images", "import", str(path)])

    assert result.exit_code == 1
    assert message in result.output


def test_nesting_deeper_than_limit_rejected(runner, tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)

    result = runner.invoke(args=["images", "import", str(path)])

    assert result.exit_code == 1
    assert "deeper than 64 levels" in result.output
    assert "Traceback" not in result.output


def test_nesting_check_survives_unpaired_surrogate(runner, tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('["\\ud800", ' + "[" * 100 + "]" * 100 + "]")

    result = runner.invoke(args=["images", "import", str(path)])

    assert result.exit_code == 1
    assert "deeper than 64 levels" in result.output


def test_demo_export_imports_unchanged(runner, tmp_path):
    runner.invoke(args=["demo", "load"])
    path = tmp_path / "demo.json"
    runner.invoke(args=["images", "export", str(path)])

    result = runner.invoke(args=["images", "import", str(path)])

    assert result.exit_code == 0, result.output
    assert "0 created, 0 updated, 65 unchanged" in result.output
