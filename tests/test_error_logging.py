"""Each request error is logged once, with the requester, and never with a secret."""

import logging


def test_not_found_is_logged_once(client, caplog):
    caplog.set_level(logging.INFO, logger="catalog")

    client.get("/images/00000000-0000-0000-0000-000000000000")

    lines = [record.getMessage() for record in caplog.records if record.name == "catalog.errors"]
    assert lines == [
        "GET /images/00000000-0000-0000-0000-000000000000 -> 404 for anonymous: "
        "The requested URL was not found on the server. If you entered the URL manually "
        "please check your spelling and try again."
    ]


def test_bad_parameter_logged_with_message(client, caplog):
    caplog.set_level(logging.INFO, logger="catalog")

    client.get("/images?page_size=0")

    messages = [record.getMessage() for record in caplog.records if record.name == "catalog.errors"]
    assert len(messages) == 1
    assert messages[0].startswith("GET /images -> 400 for anonymous: page_size:")


def test_unexpected_error_logged_once_with_traceback(app, client, caplog, monkeypatch):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    caplog.set_level(logging.INFO, logger="catalog")

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("catalog.api.views.image_list", explode)
    client.get("/images")

    records = [record for record in caplog.records if record.name == "catalog.errors"]
    assert len(records) == 1
    assert records[0].levelname == "ERROR"
    assert records[0].exc_info is not None


def test_invalid_token_not_logged(client, caplog):
    caplog.set_level(logging.DEBUG, logger="catalog")

    client.get("/images", headers={"Authorization": "Token secret-value-123"})

    assert "secret-value-123" not in caplog.text
