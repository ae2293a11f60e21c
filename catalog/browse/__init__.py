"""The catalog pages: the image list, one image, tags and providers, as HTML."""

from flask import Blueprint

bp = Blueprint("browse", __name__)

from catalog.browse import templating, views  # noqa: E402,F401  (registers routes and filters on bp)
