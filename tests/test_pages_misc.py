"""The tags and providers pages, the layout, and the HTML error pages."""


def test_tags_page_counts_visible_images(client, make_image):
    make_image("One", tags=["GPU", "CUDA"])
    make_image("Two", tags=["gpu"])
    make_image("Secret", tags=["GPU", "hidden-tag"], private=True)

    text = client.get("/tags").get_data(as_text=True)

    assert '<a class="tag" href="/catalog/?tags=GPU">GPU</a>' in text
    assert "2 images" in text
    assert '<a class="tag" href="/catalog/?tags=CUDA">CUDA</a>' in text
    assert "1 image<" in text
    assert "hidden-tag" not in text


def test_tags_page_escapes_names(client, make_image):
    make_image("One", tags=["<script>x</script>"])

    text = client.get("/tags").get_data(as_text=True)

    assert "<script>" not in text
    assert "&lt;script&gt;x&lt;/script&gt;" in text


def test_providers_page_counts_visible_images(client, make_image, make_provider):
    make_provider(1, "Cloud East")
    make_provider(2, "Cloud West")
    make_provider(3, "Empty cloud")
    make_image("One", versions=[{"provider_id": 1}, {"provider_id": 1}])
    make_image("Two", versions=[{"provider_id": 1}, {"provider_id": 2}])
    make_image("Secret", private=True, versions=[{"provider_id": 2}])

    text = client.get("/providers").get_data(as_text=True)

    assert '<a href="/catalog/?provider=1">Cloud East</a>\n    <span class="count">2 images</span>' in text
    assert '<a href="/catalog/?provider=2">Cloud West</a>\n    <span class="count">1 image</span>' in text
    assert '<a href="/catalog/?provider=3">Empty cloud</a>\n    <span class="count">0 images</span>' in text


def test_layout_has_landmarks_and_links(client, app):
    text = client.get("/catalog/").get_data(as_text=True)

    assert '<a class="skip-link" href="#main">' in text
    assert '<main id="main"' in text
    assert "<header" in text
    assert "<footer" in text
    assert 'role="search"' in text
    assert '<label for="site-search-input"' in text
    assert 'href="/images"' in text
    assert 'href="/openapi.json"' in text
    assert "/static/catalog.css" in text
    assert "http://" not in text.split("<body>")[0]
    assert "https://" not in text.split("<body>")[0]
    assert f">{app.config['CATALOG_NAME']}</a>" in text


def test_layout_login_link_for_anonymous(client, app):
    text = client.get("/catalog/?tags=a").get_data(as_text=True)

    if "auth.login" in app.view_functions:
        assert "next=/catalog/?tags%3Da" in text
    assert "Log out" not in text


def test_layout_shows_logged_in_user(client, app, make_user):
    user = make_user("researcher", password_hash="not-a-real-hash")
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True

    text = client.get("/catalog/").get_data(as_text=True)

    assert "<strong>researcher</strong>" in text
    assert 'href="/catalog/?mine=1"' in text
    if "auth.logout" in app.view_functions:
        assert 'method="post"' in text
        assert 'name="csrf_token"' in text


def test_layout_shows_flash_messages(app, client):
    with client.session_transaction() as session:
        session["_flashes"] = [("message", "<b>Saved</b> the image.")]

    text = client.get("/catalog/").get_data(as_text=True)

    assert "&lt;b&gt;Saved&lt;/b&gt; the image." in text


def test_static_css_is_served(client):
    response = client.get("/static/catalog.css")

    assert response.status_code == 200
    assert ":focus-visible" in response.get_data(as_text=True)
    assert "@import" not in response.get_data(as_text=True)
    response.close()


def test_error_page_405(client):
    response = client.post("/catalog/")

    assert response.status_code == 405
    assert response.mimetype == "text/html"
    assert "Method Not Allowed" in response.get_data(as_text=True)
    assert "Back to the catalog" in response.get_data(as_text=True)


def test_error_page_unknown_path(client):
    response = client.get("/no/such/page")

    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert '<main id="main"' in response.get_data(as_text=True)


def test_error_page_500_runs_no_statement(app, count_queries):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/test-only/crash")
    def crash():
        raise RuntimeError("boom")

    client = app.test_client()
    with count_queries() as statements:
        response = client.get("/test-only/crash")

    assert response.status_code == 500
    assert statements == []
    text = response.get_data(as_text=True)
    assert "Internal Server Error" in text
    assert "boom" not in text
    assert "Back to the catalog" in text


def test_error_page_escapes_description(client):
    response = client.get("/users/%3Cscript%3Ex")
    text = response.get_data(as_text=True)

    assert response.status_code == 404
    assert "<script>" not in text
    assert "There is no user named &#39;&lt;script&gt;x&#39;." in text
