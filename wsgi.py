"""WSGI entry point: `gunicorn wsgi:app`, and the app that `flask` finds via .flaskenv."""

from catalog import create_app

app = create_app()
