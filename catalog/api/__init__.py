"""The JSON `/images` API, as the Atmosphere API blueprint describes it."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from catalog.api import openapi, views  # noqa: E402,F401  (registers the routes on bp)
