"""Invitation tokens: 256 random bits from ``secrets``, stored only as a SHA-256 hash."""

import hashlib
import secrets

# Longer than any token we issue (43 characters) by far: anything longer is not one of ours and is not hashed.
TOKEN_MAX_LENGTH = 200


def invitation_token_new() -> tuple[str, str]:
    """Return ``(token, token_hash)``; the token goes in the email, only the hash is stored."""
    token = secrets.token_urlsafe(32)
    return token, invitation_token_hash(token)


def invitation_token_hash(token: str) -> str:
    """SHA-256 hex digest of a token (64 characters)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
