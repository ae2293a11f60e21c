# Read by the `flask` command (python-dotenv) so that it finds the app from the
# repository root. Variables already set in the environment win over these.
FLASK_APP=wsgi:app
CATALOG_ENV=development
