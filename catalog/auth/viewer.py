"""Who is making the request: a logged-in person, a script with a token, or nobody."""

from flask_login import current_user

from catalog.models import User


def current_viewer() -> User | None:
    """Return the authenticated, active user of this request, or None when anonymous."""
    if current_user and current_user.is_authenticated and current_user.is_active:
        return current_user._get_current_object()  # type: ignore[no-any-return]
    return None
