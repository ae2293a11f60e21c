"""The image page /catalog/<id>: fields, Markdown, versions, and 404 for what is not visible."""

import html
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from catalog.markdown import plain_excerpt, render_markdown


def log_in(client, user) -> None:
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def test_image_page_shows_fields(client, make_image, make_provider):
    make_provider(1, "Cloud East")
    make_provider(2, "Cloud West")
    image = make_image(
        "Rocky 9 Base",
        creator="marco",
        tags=["Rocky", "base"],
        start_date=datetime(2024, 3, 5, 10, 7, tzinfo=UTC),
        versions=[
            {"provider_id": 1, "version": "1.0", "alias": "alias-old", "start_date": datetime(2024, 3, 5, tzinfo=UTC)},
            {"provider_id": 2, "version": "2.0", "alias": "alias-new", "start_date": datetime(2024, 6, 1, tzinfo=UTC)},
            {"provider_id": 1, "version": "0.9", "alias": "alias-ended", "start_date": datetime(2024, 1, 1, tzinfo=UTC), "end_date": datetime(2024, 2, 1, tzinfo=UTC)},
        ],
    )

    response = client.get(f"/catalog/{image.id}")
    text = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "<h1>Rocky 9 Base" in text
    assert 'href="/catalog/?tags=Rocky"' in text
    assert 'href="/users/marco"' in text
    assert '<time datetime="2024-03-05T10:07:00Z">5 Mar 2024, 10:07 UTC</time>' in text
    assert f'value="{image.id}" readonly' in text
    assert f'href="/images/{image.id}"' in text
    assert "Scheduled to be removed" not in text
    assert "Private" not in text
    assert "alias-ended" not in text
    assert text.index("alias-new") < text.index("alias-old")
    assert "Cloud West" in text


def test_image_page_with_uppercase_id(client, make_image):
    image = make_image("Upper")

    response = client.get(f"/catalog/{image.id.upper()}", follow_redirects=True)

    assert response.status_code == 200
    assert "Upper" in response.get_data(as_text=True)


def test_image_page_scheduled_removal(client, make_image):
    end = datetime.now(UTC).replace(microsecond=0) + timedelta(days=10)
    image = make_image("Ending", end_date=end)

    text = client.get(f"/catalog/{image.id}").get_data(as_text=True)

    assert "Scheduled to be removed on" in text
    assert f'<time datetime="{end.isoformat().replace("+00:00", "Z")}">' in text


def test_image_page_private_for_creator(client, make_image, make_user):
    owner = make_user("owner", password_hash="not-a-real-hash")
    image = make_image("Secret", creator="owner", private=True)
    log_in(client, owner)

    text = client.get(f"/catalog/{image.id}").get_data(as_text=True)

    assert '<span class="badge badge-private">Private</span>' in text


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "1", "%3Cscript%3E", str(uuid.uuid4())])
def test_image_page_unknown_id_is_404(client, bad_id):
    response = client.get(f"/catalog/{bad_id}")

    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Back to the catalog" in response.get_data(as_text=True)


def test_image_page_hidden_images_are_404(client, make_image):
    private = make_image("Secret", private=True)
    ended = make_image("Gone", end_date=datetime(2021, 1, 1, tzinfo=UTC))

    assert client.get(f"/catalog/{private.id}").status_code == 404
    assert client.get(f"/catalog/{ended.id}").status_code == 404


def test_image_page_renders_markdown_safely(client, make_image):
    image = make_image(
        "<script>alert('name')</script>",
        tags=["<script>alert('tag')</script>"],
        description=(
            "# Title\n\n"
            "Some **bold** text and [a link](https://example.org/docs).\n\n"
            "<script>alert('description')</script>\n\n"
            "<img src=x onerror=alert(1)>\n\n"
            "[click me](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=)"
        ),
    )

    text = client.get(f"/catalog/{image.id}").get_data(as_text=True)

    assert "<script>" not in text
    assert "<img src=x" not in text
    assert "<strong>bold</strong>" in text
    assert '<a href="https://example.org/docs" rel="nofollow noopener">a link</a>' in text
    assert 'href="javascript:' not in text
    assert "[click me](javascript:alert(1))" in text
    assert 'href="data:' not in text
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" in text
    assert "&lt;script&gt;alert(&#39;tag&#39;)&lt;/script&gt;" in text
    assert "&lt;script&gt;alert('description')&lt;/script&gt;" in text


def test_image_page_empty_description(client, make_image):
    image = make_image("Bare", description="")

    assert "No description." in client.get(f"/catalog/{image.id}").get_data(as_text=True)


def test_image_page_has_extension_blocks():
    """The editing pages extend the image page through these two blocks."""
    with open("templates/browse/image.html") as template:
        source = template.read()

    assert "{% block image_actions %}" in source
    assert "{% block image_history %}" in source


def test_markdown_links_get_rel():
    rendered = render_markdown("[x](http://example.org) <http://example.com/auto>")

    assert rendered.count('rel="nofollow noopener"') == 2


@pytest.mark.parametrize(
    "link",
    ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "vbscript:msgbox(1)", "file:///etc/passwd"],
)
def test_markdown_rejects_dangerous_links(link):
    rendered = render_markdown(f"[x]({link})")

    assert "<a " not in rendered


def test_plain_excerpt_strips_markdown():
    text = "Minimal **Ubuntu** 24.04 with `cloud-init` for servers.\n\n## What is installed\n\n- a"

    assert plain_excerpt(text) == "Minimal Ubuntu 24.04 with cloud-init for servers."


def test_plain_excerpt_cuts_long_text():
    excerpt = plain_excerpt("word " * 100, max_length=50)

    assert len(excerpt) <= 51
    assert excerpt.endswith("…")
    assert re.fullmatch(r"(word )*word…", excerpt)


def test_plain_excerpt_keeps_html_as_text():
    assert html.escape(plain_excerpt("<b>x</b> y")) == "&lt;b&gt;x&lt;/b&gt; y"


@pytest.mark.parametrize("spelling", ["upper", "hex", "urn"])
def test_other_id_spellings_redirect(client, make_image, spelling):
    image = make_image()
    other = {
        "upper": image.id.upper(),
        "hex": image.id.replace("-", ""),
        "urn": f"urn:uuid:{image.id}",
    }[spelling]

    response = client.get(f"/catalog/{other}")

    assert response.status_code == 301
    assert response.headers["Location"] == f"/catalog/{image.id}"


def test_other_id_spelling_of_hidden_image_is_404(client, make_image):
    image = make_image(private=True)

    response = client.get(f"/catalog/{image.id.upper()}")

    assert response.status_code == 404


def test_id_redirect_keeps_query_string(client, make_image):
    image = make_image()

    response = client.get(f"/catalog/{image.id.upper()}?from=mail&x=%C3%A9")

    assert response.headers["Location"] == f"/catalog/{image.id}?from=mail&x=%C3%A9"
