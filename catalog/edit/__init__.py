"""The editing pages: the edit form, remove and restore, versions and history."""

from flask import Blueprint

bp = Blueprint("edit", __name__)

from catalog.edit import templating, views  # noqa: E402,F401  (registers routes and helpers on bp)
