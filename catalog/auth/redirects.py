"""The redirect target after a login: only a path on this site is followed."""

from urllib.parse import unquote, urlsplit

DEFAULT_AFTER_LOGIN = "/catalog/"


def is_local_path(target: str) -> bool:
    """Return True if `target` is an absolute path on this site, such as `/catalog/?page=2`.

    Browsers read `//host`, `/\\host` and paths with tabs or newlines inside
    as links to another host, so those are rejected, and so is anything that
    becomes one of them once percent-decoded, in case a proxy decodes it.
    """
    for candidate in (target, unquote(target)):
        if not candidate.startswith("/") or candidate.startswith("//"):
            return False
        if "\\" in candidate or any(ord(char) < 0x20 or ord(char) == 0x7F for char in candidate):
            return False
        parts = urlsplit(candidate)
        if parts.scheme or parts.netloc:
            return False
    return True


def after_login_url(target: str | None, script_root: str = "") -> str:
    """Return `target` if it is a local path, else the catalog's first page."""
    if target and is_local_path(target):
        return script_root + target
    return script_root + DEFAULT_AFTER_LOGIN

