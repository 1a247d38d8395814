"""API tokens: created by admins, each with a role, stored as a hash, revocable."""

import datetime as dt
import hashlib
import secrets

from webapp.models import ROLES, ApiToken, User
from webapp.rules.spec import FieldError
from webapp.services.refusal import Refused

TOKEN_PREFIX = "sv_"


class TokenRefused(Refused):
    """A token without a name or with an unknown role."""


def _digest(token: str) -> str:
    # Tokens are long random strings, so a fast hash is enough (no dictionary to guess).
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    name: str, role: str, created_by: User | None, reads_full_tax_ids: bool = False
) -> tuple[ApiToken, str]:
    """Returns the stored row and the token itself, which is never shown again."""
    name = " ".join((name or "").split())
    errors = []
    if not name:
        errors.append(FieldError("name", "Name the token after the system that will use it."))
    if role not in ROLES:
        errors.append(FieldError("role", "Choose a role."))
    if errors:
        raise TokenRefused(errors)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.create(
        name=name[:100],
        token_hash=_digest(token),
        prefix=token[:10],
        role=role,
        created_by=created_by,
        reads_full_tax_ids=reads_full_tax_ids,
    )
    return row, token


def revoke_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = dt.datetime.utcnow()
        token.save()


def token_for(presented: str) -> ApiToken | None:
    """The live token row for a presented bearer token, or None."""
    if not presented:
        return None
    row = ApiToken.get_or_none(
        (ApiToken.token_hash == _digest(presented)) & ApiToken.revoked_at.is_null()
    )
    if row is not None:
        now = dt.datetime.utcnow()
        if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=1):
            ApiToken.update(last_used_at=now).where(ApiToken.id == row.id).execute()
    return row
