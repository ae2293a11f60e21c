"""GET /images: filters, ordering, pagination, end dates and query counts."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from catalog import clock


def names(response) -> list[str]:
    return [item["name"] for item in response.get_json()["results"]]


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "٣", "99999999999999999999"])
def test_malformed_page_is_invalid(client, make_image, page):
    make_image()

    response = client.get(f"/images?page={page}")

    assert response.status_code == 404
    assert response.get_json() == {"detail": "Invalid page."}


def test_empty_page_means_first(client, make_image):
    make_image()

    response = client.get("/images?page=")

    assert response.status_code == 200
    assert response.get_json()["count"] == 1


def test_page_beyond_last_is_invalid(client, make_image):
    make_image()

    response = client.get("/images?page=2")

    assert response.status_code == 404
    assert response.get_json() == {"detail": "Invalid page."}


def test_empty_catalog_has_page_one(client):
    response = client.get("/images")

    assert response.status_code == 200
    assert response.get_json() == {"count": 0, "next": None, "previous": None, "results": []}


@pytest.mark.parametrize("size", ["0", "101", "x", "-5", "1e2"])
def test_bad_page_size_is_400(client, size):
    response = client.get(f"/images?page_size={size}")

    assert response.status_code == 400
    detail = response.get_json()["detail"]
    assert detail.startswith("page_size:")
    assert "1 to 100" in detail


@pytest.mark.parametrize("size, expected", [("1", 1), ("100", 3)])
def test_page_size_limits_accepted(client, make_image, size, expected):
    for _ in range(3):
        make_image()

    response = client.get(f"/images?page_size={size}")

    assert response.status_code == 200
    assert len(response.get_json()["results"]) == expected


def test_default_page_size_is_20(client, make_image):
    for _ in range(21):
        make_image()

    body = client.get("/images").get_json()

    assert body["count"] == 21
    assert len(body["results"]) == 20
    assert body["next"] is not None


def test_next_and_previous_keep_parameters(client, make_image):
    for _ in range(5):
        make_image(tags=["Linux", "GPU"])

    body = client.get("/images?tags=linux&tags=gpu&page_size=2&page=2&ordering=name").get_json()

    next_url = urlsplit(body["next"])
    previous_url = urlsplit(body["previous"])
    assert next_url.scheme == "http"
    assert next_url.netloc == "localhost"
    assert next_url.path == "/images"
    assert parse_qs(next_url.query) == {
        "tags": ["linux", "gpu"],
        "page_size": ["2"],
        "page": ["3"],
        "ordering": ["name"],
    }
    assert parse_qs(previous_url.query)["page"] == ["1"]
    assert parse_qs(previous_url.query)["tags"] == ["linux", "gpu"]


def test_pages_never_repeat_or_skip(client, make_image, frozen_now):
    same_moment = frozen_now - timedelta(days=3)
    created = {make_image(start_date=same_moment).id for _ in range(7)}

    seen: list[str] = []
    for page in (1, 2, 3, 4):
        body = client.get(f"/images?page_size=2&page={page}").get_json()
        seen += [item["id"] for item in body["results"]]

    assert len(seen) == 7
    assert set(seen) == created


@pytest.mark.parametrize(
    "ordering, expected",
    [
        ("name", ["alpha", "Bravo", "charlie"]),
        ("-name", ["charlie", "Bravo", "alpha"]),
        ("start_date", ["Bravo", "charlie", "alpha"]),
        ("-start_date", ["alpha", "charlie", "Bravo"]),
        ("", ["alpha", "charlie", "Bravo"]),
    ],
)
def test_ordering(client, make_image, frozen_now, ordering, expected):
    make_image("Bravo", start_date=frozen_now - timedelta(days=3))
    make_image("charlie", start_date=frozen_now - timedelta(days=2))
    make_image("alpha", start_date=frozen_now - timedelta(days=1))

    response = client.get(f"/images?ordering={ordering}")

    assert names(response) == expected


def test_bad_ordering_names_allowed_values(client):
    response = client.get("/images?ordering=id")

    assert response.status_code == 400
    assert response.get_json()["detail"] == (
        "ordering: must be one of -start_date, start_date, name, -name, got 'id'."
    )


def test_tags_filter_all_must_match(client, make_image):
    make_image("both", tags=["Ubuntu", "GPU"])
    make_image("one", tags=["Ubuntu"])

    assert names(client.get("/images?tags=ubuntu")) == ["one", "both"]
    assert names(client.get("/images?tags=UBUNTU&tags=gpu")) == ["both"]
    assert client.get("/images?tags=ubuntu&tags=gpu").get_json()["count"] == 1


def test_tags_filter_non_ascii(client, make_image):
    make_image("Spanish", tags=["Español"])
    make_image("German", tags=["Straße"])

    assert names(client.get("/images?tags=ESPAÑOL")) == ["Spanish"]
    assert names(client.get("/images?tags=straße")) == ["German"]


def test_created_by_filter_is_case_insensitive(client, make_image):
    make_image("mine", creator="Asha")
    make_image("theirs", creator="marco")

    assert names(client.get("/images?created_by=asha")) == ["mine"]
    assert client.get("/images?created_by=nobody").get_json()["count"] == 0


@pytest.mark.parametrize(
    "term, expected",
    [
        ("cuda", ["GPU image"]),
        ("CAFÉ", ["Café Ñandú"]),
        ("ñandú", ["Café Ñandú"]),
        ("genomics", ["Tagged"]),
        ("100%", ["Percent"]),
        ("_", []),
    ],
)
def test_search(client, make_image, term, expected):
    make_image("GPU image", description="NVIDIA CUDA 12 drivers")
    make_image("Café Ñandú", description="datos")
    make_image("Tagged", tags=["Genomics"])
    make_image("Percent", description="100% free")

    assert names(client.get("/images", query_string={"search": term})) == expected


def test_filter_value_with_nul_is_400(client):
    response = client.get("/images", query_string={"search": "a\x00b"})

    assert response.status_code == 400
    assert response.get_json()["detail"].startswith("search:")


def test_provider_filter(client, make_image):
    make_image("east", versions=[{"provider_id": 1}])
    make_image("west", versions=[{"provider_id": 2}])

    assert names(client.get("/images?provider=2")) == ["west"]
    assert client.get("/images?provider=x").status_code == 400


def test_end_date_boundary(client, make_image, frozen_now):
    ending = make_image("ending", end_date=frozen_now + timedelta(milliseconds=1))
    make_image("ended", end_date=frozen_now - timedelta(milliseconds=1))

    assert names(client.get("/images")) == ["ending"]
    assert client.get(f"/images/{ending.id}").status_code == 200

    with clock.frozen_at(frozen_now + timedelta(milliseconds=2)):
        assert names(client.get("/images")) == []
        assert client.get("/images").get_json()["count"] == 0
        assert client.get(f"/images/{ending.id}").status_code == 404


def test_ended_image_detail_is_404(client, make_image, frozen_now):
    image = make_image(end_date=frozen_now - timedelta(seconds=1))

    response = client.get(f"/images/{image.id}")

    assert response.status_code == 404
    assert response.get_json() == {"detail": "Not found."}


def test_future_end_date_is_serialized(client, make_image, frozen_now):
    image = make_image(end_date=frozen_now + timedelta(days=2))

    body = client.get(f"/images/{image.id}").get_json()

    assert body["end_date"] == "2026-06-03T12:00:00.500Z"


def test_ended_versions_left_out_oldest_first(client, make_image, frozen_now):
    day = timedelta(days=1)
    image = make_image(
        versions=[
            {"version": "3", "start_date": frozen_now - 1 * day},
            {"version": "1", "start_date": frozen_now - 9 * day},
            {"version": "old", "start_date": frozen_now - 20 * day, "end_date": frozen_now - day},
            {"version": "2", "start_date": frozen_now - 5 * day, "end_date": frozen_now + day},
        ]
    )

    body = client.get(f"/images/{image.id}").get_json()

    assert [version["version"] for version in body["versions"]] == ["1", "2", "3"]


def test_image_with_all_versions_ended_is_listed(client, make_image, frozen_now):
    make_image("no versions", versions=[{"end_date": frozen_now - timedelta(days=1)}])

    body = client.get("/images").get_json()

    assert body["count"] == 1
    assert body["results"][0]["versions"] == []


def test_private_images_hidden_from_anonymous(client, make_image):
    make_image("public")
    private = make_image("private", private=True)

    assert names(client.get("/images")) == ["public"]
    assert client.get("/images").get_json()["count"] == 1
    assert client.get(f"/images/{private.id}").status_code == 404


def test_list_query_count_is_fixed(client, make_image, count_queries):
    for number in range(30):
        make_image(
            tags=[f"tag{number}", "common"],
            versions=[{"provider_id": 1 + number % 3}, {"provider_id": 2}],
        )

    with count_queries() as small:
        assert len(client.get("/images?page_size=1").get_json()["results"]) == 1
    with count_queries() as large:
        assert len(client.get("/images?page_size=30").get_json()["results"]) == 30

    assert len(small) == len(large)
    assert len(large) <= 4


def test_forwarded_headers_ignored_without_trusted_proxies(client, make_image):
    for _ in range(3):
        make_image()

    body = client.get(
        "/images?page_size=1",
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "catalog.example.org"},
    ).get_json()

    assert body["next"].startswith("http://localhost/images?")


def test_forwarded_headers_used_behind_trusted_proxy(app, make_image):
    app.config["TRUSTED_PROXIES"] = 1
    from catalog import configure_proxies

    configure_proxies(app)
    for _ in range(3):
        make_image()

    body = app.test_client().get(
        "/images?page_size=1",
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "catalog.example.org"},
    ).get_json()

    assert body["next"].startswith("https://catalog.example.org/images?")


def test_healthz_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json()["database"] == "ok"


def test_healthz_database_unreachable(monkeypatch, tmp_path):
    from catalog import create_app

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/db.sqlite3",
        }
    )

    response = app.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"
