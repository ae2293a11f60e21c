"""The API's date format, written once in catalog.serializers."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from catalog.serializers import format_date


@pytest.mark.parametrize(
    "moment, expected",
    [
        (datetime(2014, 2, 5, 1, 3, 27, 903_999, tzinfo=UTC), "2014-02-05T01:03:27.903Z"),
        (datetime(2014, 2, 5, 1, 3, 27, tzinfo=UTC), "2014-02-05T01:03:27.000Z"),
        (datetime(42, 9, 1, 23, 59, 5, tzinfo=UTC), "0042-09-01T23:59:05.000Z"),
        (datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC), "9999-12-31T23:59:59.999Z"),
        (
            datetime(2017, 11, 3, 16, 42, 26, 762_593, tzinfo=timezone(timedelta(hours=-7))),
            "2017-11-03T23:42:26.762Z",
        ),
        (None, None),
    ],
)
def test_format_date(moment, expected):
    assert format_date(moment) == expected


def test_early_year_survives_export_and_import(runner, client, make_image, tmp_path):
    image = make_image("Old", end_date=datetime(3000, 1, 1, tzinfo=UTC), start_date=datetime(999, 5, 6, tzinfo=UTC))
    path = tmp_path / "export.json"

    assert runner.invoke(args=["images", "export", str(path)]).exit_code == 0
    result = runner.invoke(args=["images", "import", str(path)])

    assert result.exit_code == 0, result.output
    assert "1 unchanged" in result.output
    assert client.get(f"/images/{image.id}").get_json()["start_date"] == "0999-05-06T00:00:00.000Z"
