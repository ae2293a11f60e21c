"""Template helpers that let the image page show the Edit buttons and the history."""

import json
from typing import Any

from catalog import operations
from catalog.auth.viewer import current_viewer
from catalog.edit import bp
from catalog.extensions import db
from catalog.models import Image, ImageChange
from catalog.queries import image_history


def can_edit_image(image: Image) -> bool:
    """Return True when the viewer of this request may edit `image`."""
    return operations.can_edit(current_viewer(), image)


def image_changes(image: Image) -> list[ImageChange]:
    """Return the change history of `image`, newest first, if the viewer may edit it."""
    if not can_edit_image(image):
        return []
    return list(db.session.scalars(image_history(image.id)))


def history_text(stored: str | None) -> str:
    """Return a value stored in the history as short readable text."""
    if stored is None:
        return "(none)"
    value: Any = json.loads(stored)
    if isinstance(value, list):
        return ", ".join(
            history_text(json.dumps(item)) if not isinstance(item, str) else item for item in value
        ) or "(none)"
    if isinstance(value, dict):
        return ", ".join(f"{key}: {'(none)' if item is None else item}" for key, item in value.items())
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@bp.app_context_processor
def edit_helpers() -> dict[str, object]:
    """Expose the edit permission and history to every template (the image page uses them)."""
    return {"can_edit_image": can_edit_image, "image_changes": image_changes}


bp.add_app_template_filter(history_text, "history_text")
