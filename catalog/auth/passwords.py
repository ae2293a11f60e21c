"""Password hashing with Argon2id (argon2-cffi's `PasswordHasher` defaults)."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

hasher = PasswordHasher()

# Verified when the username is unknown or has no password, so that a wrong
# username costs about as much time as a wrong password.
DUMMY_HASH = hasher.hash("dummy password for unknown usernames")


def hash_password(password: str) -> str:
    """Return the Argon2 hash stored for `password`."""
    return hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Return True if `password` matches `password_hash`.

    A missing hash is checked against a dummy hash and never matches.
    """
    if password_hash is None:
        try:
            hasher.verify(DUMMY_HASH, password)
        except VerificationError:
            pass
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Return True if `password_hash` was made with other parameters than the current ones."""
    return hasher.check_needs_rehash(password_hash)
