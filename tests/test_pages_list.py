"""The image list pages: /catalog/ and /users/<username>, their filters, sorts and paging."""

import html
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest


def names_in(page_html: str) -> list[str]:
    """Return the image names of a list page, in the order shown."""
    found = re.findall(r'<h2 class="image-name">\s*<a href="[^"]+">([^<]*)</a>', page_html)
    return [html.unescape(name) for name in found]


def log_in(client, user) -> None:
    """Put `user` into the test client's login session, as a successful login does."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(html.unescape(url)).query)


def test_root_redirects_to_catalog(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/catalog/")


def test_list_shows_image_fields(client, make_image, make_provider):
    make_provider(1, "Cloud East")
    make_provider(2, "Cloud West")
    image = make_image(
        "Rocky 9 Base",
        creator="marco",
        tags=["Rocky", "base"],
        description="Rocky Linux 9 **minimal** install.\n\n## More\n\nDetails.",
        start_date=datetime(2024, 3, 5, 10, 0, tzinfo=UTC),
        versions=[{"provider_id": 1}, {"provider_id": 2}],
    )

    response = client.get("/catalog/")
    text = response.get_data(as_text=True)

    assert response.status_code == 200
    assert f'href="/catalog/{image.id}"' in text
    assert ">Rocky 9 Base</a>" in text
    assert "Rocky Linux 9 minimal install." in text
    assert "<strong>minimal</strong>" not in text
    assert 'href="/catalog/?tags=Rocky"' in text
    assert 'href="/catalog/?tags=base"' in text
    assert 'href="/users/marco"' in text
    assert '<time datetime="2024-03-05T10:00:00Z">5 Mar 2024</time>' in text
    assert "Runs on Cloud East, Cloud West." in text
    assert "1 image" in text
    assert "/static/placeholder-icon.svg" in text


def test_list_icon_path_when_image_has_icon(client, make_image):
    image = make_image("With icon", icon_digest="ab" * 32)

    text = client.get("/catalog/").get_data(as_text=True)

    assert f'src="/images/{image.id}/icon.png?v={"ab" * 8}"' in text


def test_list_hides_private_and_ended_images(client, make_image):
    make_image("Public one")
    make_image("Secret one", private=True)
    make_image("Gone one", end_date=datetime(2021, 1, 1, tzinfo=UTC))

    assert names_in(client.get("/catalog/").get_data(as_text=True)) == ["Public one"]


def test_list_private_badge_for_creator(client, make_image, make_user):
    owner = make_user("owner", password_hash="not-a-real-hash")
    make_image("Secret one", creator="owner", private=True)
    log_in(client, owner)

    text = client.get("/catalog/").get_data(as_text=True)

    assert names_in(text) == ["Secret one"]
    assert '<span class="badge badge-private">Private</span>' in text


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("café", ["Café del Mar"]),
        ("CAFÉ", ["Café del Mar"]),
        ("ñandú", ["Ñandú tools"]),
        ("ÑANDÚ", ["Ñandú tools"]),
        ("straße", ["Straße image"]),
        ("50%", ["Half 50% off"]),
        ("under_score", []),
    ],
)
def test_list_unicode_search(client, make_image, search, expected):
    make_image("Café del Mar")
    make_image("Ñandú tools")
    make_image("Straße image")
    make_image("Half 50% off")
    make_image("underXscore")

    response = client.get("/catalog/", query_string={"search": search})

    assert response.status_code == 200
    assert names_in(response.get_data(as_text=True)) == expected


def test_list_search_matches_description_and_tags(client, make_image):
    make_image("First", description="Has the word gromacs inside.")
    make_image("Second", tags=["GROMACS"])
    make_image("Third")

    text = client.get("/catalog/?search=Gromacs&ordering=name").get_data(as_text=True)

    assert names_in(text) == ["First", "Second"]


def test_list_tag_filters_combine(client, make_image):
    make_image("Both", tags=["GPU", "CUDA"])
    make_image("Only GPU", tags=["GPU"])
    make_image("Only CUDA", tags=["cuda"])

    one_tag = client.get("/catalog/?tags=gpu&ordering=name").get_data(as_text=True)
    two_tags = client.get("/catalog/?tags=GPU&tags=Cuda").get_data(as_text=True)

    assert names_in(one_tag) == ["Both", "Only GPU"]
    assert names_in(two_tags) == ["Both"]


def test_list_creator_filter(client, make_image):
    make_image("By asha", creator="asha")
    make_image("By lin", creator="lin")

    text = client.get("/catalog/?created_by=ASHA").get_data(as_text=True)

    assert names_in(text) == ["By asha"]
    assert '<option value="asha" selected>asha</option>' in text
    assert '<option value="lin">lin</option>' in text


def test_list_provider_filter(client, make_image, make_provider):
    make_provider(1, "Cloud East")
    make_provider(2, "Cloud West")
    make_image("East only", versions=[{"provider_id": 1}])
    make_image("West only", versions=[{"provider_id": 2}])
    make_image("Ended on west", versions=[{"provider_id": 1}, {"provider_id": 2, "end_date": datetime(2021, 1, 1, tzinfo=UTC)}])

    text = client.get("/catalog/?provider=2").get_data(as_text=True)

    assert names_in(text) == ["West only"]
    assert '<option value="2" selected>Cloud West</option>' in text
    assert "Provider: <strong>Cloud West</strong>" in text


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("-start_date", ["banana", "Cherry", "apple"]),
        ("start_date", ["apple", "Cherry", "banana"]),
        ("name", ["apple", "banana", "Cherry"]),
        ("-name", ["Cherry", "banana", "apple"]),
        ("", ["banana", "Cherry", "apple"]),
    ],
)
def test_list_orderings(client, make_image, ordering, expected):
    make_image("apple", start_date=datetime(2021, 1, 1, tzinfo=UTC))
    make_image("Cherry", start_date=datetime(2022, 1, 1, tzinfo=UTC))
    make_image("banana", start_date=datetime(2023, 1, 1, tzinfo=UTC))

    text = client.get("/catalog/", query_string={"ordering": ordering}).get_data(as_text=True)

    assert names_in(text) == expected


def test_list_filters_combine(client, make_image, make_provider):
    make_provider(1, "Cloud East")
    make_provider(2, "Cloud West")
    make_image("GPU east A", creator="asha", tags=["GPU"], versions=[{"provider_id": 1}])
    make_image("GPU east B", creator="asha", tags=["GPU"], versions=[{"provider_id": 1}])
    make_image("GPU west", creator="asha", tags=["GPU"], versions=[{"provider_id": 2}])
    make_image("GPU east by lin", creator="lin", tags=["GPU"], versions=[{"provider_id": 1}])
    make_image("CPU east A", creator="asha", tags=["CPU"], versions=[{"provider_id": 1}])

    text = client.get(
        "/catalog/?search=gpu&tags=GPU&created_by=asha&provider=1&ordering=-name"
    ).get_data(as_text=True)

    assert names_in(text) == ["GPU east B", "GPU east A"]
    assert "2 images" in text


def test_list_mine_shows_own_private_images(client, make_image, make_user):
    me = make_user("me", password_hash="not-a-real-hash")
    make_image("My public", creator="me")
    make_image("My private", creator="me", private=True)
    make_image("Someone else's", creator="other")
    log_in(client, me)

    text = client.get("/catalog/?mine=1&ordering=name").get_data(as_text=True)

    assert names_in(text) == ["My private", "My public"]
    assert "<h1>My images</h1>" in text


def test_list_mine_anonymous(client, app, make_image):
    make_image("Public one")

    response = client.get("/catalog/?mine=1")

    if "auth.login" in app.view_functions:
        assert response.status_code == 302
        assert "next=" in response.headers["Location"]
    else:
        assert response.status_code == 200
        assert names_in(response.get_data(as_text=True)) == ["Public one"]


def test_list_mine_rejects_other_values(client):
    response = client.get("/catalog/?mine=yes")

    assert response.status_code == 400
    assert "mine: must be 1" in response.get_data(as_text=True)


def test_list_pagination_keeps_filters(client, make_image):
    for number in range(1, 8):
        make_image(f"Tagged {number}", tags=["keep"], start_date=datetime(2021, 1, number, tzinfo=UTC))
    make_image("Untagged")

    first = client.get("/catalog/?tags=keep&search=tagged&ordering=start_date&page_size=3")
    text = first.get_data(as_text=True)

    assert names_in(text) == ["Tagged 1", "Tagged 2", "Tagged 3"]
    assert "7 images, page 1 of 3" in text
    next_link = re.search(r'<a href="([^"]+)" rel="next">', text).group(1)
    assert query_of(next_link) == {
        "tags": ["keep"],
        "search": ["tagged"],
        "ordering": ["start_date"],
        "page_size": ["3"],
        "page": ["2"],
    }
    assert 'aria-current="page"' in text
    assert "rel=\"prev\"" not in text

    second = client.get(html.unescape(next_link)).get_data(as_text=True)
    assert names_in(second) == ["Tagged 4", "Tagged 5", "Tagged 6"]
    previous_link = re.search(r'<a href="([^"]+)" rel="prev">', second).group(1)
    assert "page" not in query_of(previous_link)
    assert query_of(previous_link)["tags"] == ["keep"]

    third = client.get("/catalog/?tags=keep&search=tagged&ordering=start_date&page_size=3&page=3")
    assert names_in(third.get_data(as_text=True)) == ["Tagged 7"]
    assert 'rel="next"' not in third.get_data(as_text=True)


def test_list_numbered_pages_elide_middle(client, make_image):
    for number in range(1, 21):
        make_image(f"Image {number}")

    text = client.get("/catalog/?page_size=1&page=10").get_data(as_text=True)
    numbers = re.findall(r'<span class="visually-hidden">Page </span>(\d+)</a>', text)

    assert numbers == ["1", "8", "9", "10", "11", "12", "20"]
    assert text.count("&hellip;") == 2


def test_list_chips_remove_one_value(client, make_image):
    make_image("Tagged", tags=["a", "b"])

    text = client.get("/catalog/?search=tag&tags=a&tags=b&page_size=5").get_data(as_text=True)
    removals = dict(
        (html.unescape(label), html.unescape(url))
        for url, label in re.findall(r'<a href="([^"]+)" class="chip-remove" aria-label="([^"]+)"', text)
    )

    assert query_of(removals["Remove search filter tag"]) == {"tags": ["a", "b"], "page_size": ["5"]}
    assert query_of(removals["Remove tag filter a"]) == {"search": ["tag"], "tags": ["b"], "page_size": ["5"]}
    assert query_of(removals["Remove tag filter b"]) == {"search": ["tag"], "tags": ["a"], "page_size": ["5"]}


def test_list_empty_result_explains(client, make_image):
    make_image("Something")

    text = client.get("/catalog/?search=nothing+here&tags=rare").get_data(as_text=True)

    assert "0 images" in text
    assert "No images match the search “nothing here” and the tag rare." in text
    assert '<a href="/catalog/">Clear the filters</a>' in text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("ordering=size", "ordering: must be one of"),
        ("provider=east", "provider: must be a provider id"),
        ("page_size=0", "page_size: must be an integer from 1 to"),
        ("page_size=1000", "page_size: must be an integer from 1 to"),
        ("search=" + "x" * 201, "search: must be at most 200 characters long."),
        ("tags=%00", "tags: must not contain NUL characters."),
    ],
)
def test_list_bad_filter_is_400(client, query, message):
    response = client.get(f"/catalog/?{query}")

    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert message in html.unescape(response.get_data(as_text=True))
    assert "Back to the catalog" in response.get_data(as_text=True)


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "２", "99", "99999999999999999999"])
def test_list_bad_page_is_404(client, make_image, page):
    make_image("Only one")

    response = client.get(f"/catalog/?page={page}")

    assert response.status_code == 404
    assert "Not Found" in response.get_data(as_text=True)
    assert "Back to the catalog" in response.get_data(as_text=True)


def test_list_escapes_names_descriptions_tags(client, make_image):
    make_image(
        "<script>alert('name')</script>",
        description="<script>alert('description')</script>",
        tags=["<script>alert('tag')</script>"],
        creator="<b>bold</b>",
    )

    text = client.get("/catalog/").get_data(as_text=True)

    assert "<script>" not in text
    assert "<b>bold</b>" not in text
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" in text
    assert "&lt;script&gt;alert(&#39;description&#39;)&lt;/script&gt;" in text
    assert "&lt;script&gt;alert(&#39;tag&#39;)&lt;/script&gt;" in text


def test_list_escapes_search_in_chips_and_form(client):
    text = client.get('/catalog/?search="><script>x</script>').get_data(as_text=True)

    assert "<script>" not in text
    assert "&#34;&gt;&lt;script&gt;x&lt;/script&gt;" in text


def test_list_statement_count_independent_of_page_size(client, make_image, make_provider, count_queries):
    for provider_id in (1, 2, 3):
        make_provider(provider_id, f"Provider {provider_id}")
    for number in range(30):
        make_image(
            f"Image {number}",
            creator=f"user{number % 4}",
            tags=[f"tag{number % 5}", f"tag{number % 7}", "common"],
            versions=[{"provider_id": 1 + number % 3} for _ in range(1 + number % 3)],
        )
    client.get("/catalog/")  # warm up: the first request compiles and caches statements

    with count_queries() as small:
        assert client.get("/catalog/?page_size=1").status_code == 200
    with count_queries() as large:
        assert client.get("/catalog/?page_size=50").status_code == 200
    with count_queries() as filtered:
        assert client.get("/catalog/?page_size=50&tags=common&provider=2&search=image").status_code == 200

    assert len(small) == len(large)
    assert len(filtered) == len(large)
    assert len(large) <= 6, large


def test_user_page_lists_that_users_visible_images(client, make_image):
    make_image("Asha public", creator="asha")
    make_image("Asha private", creator="asha", private=True)
    make_image("Lin public", creator="lin")

    response = client.get("/users/ASHA")
    text = response.get_data(as_text=True)

    assert response.status_code == 200
    assert names_in(text) == ["Asha public"]
    assert "<h1>Images by asha</h1>" in text
    assert 'id="filter-creator"' not in text


def test_user_page_filters_and_paging(client, make_image):
    for number in range(1, 5):
        make_image(f"Asha {number}", creator="asha", tags=["x"])
    make_image("Asha untagged", creator="asha")

    text = client.get("/users/asha?tags=x&page_size=2&ordering=name").get_data(as_text=True)
    next_link = re.search(r'<a href="([^"]+)" rel="next">', text).group(1)

    assert names_in(text) == ["Asha 1", "Asha 2"]
    assert urlsplit(html.unescape(next_link)).path == "/users/asha"
    assert query_of(next_link)["tags"] == ["x"]


def test_user_page_unknown_user_is_404(client):
    response = client.get("/users/nobody")

    assert response.status_code == 404
    assert "There is no user named" in html.unescape(response.get_data(as_text=True))

