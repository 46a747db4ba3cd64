"""API tokens: create, revoke, and look up the token behind a bearer key."""

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from facturo.core.errors import FieldError
from facturo.errors import NotFound, ValidationFailed

from .models import ApiToken

# Writing last_used_at on every request would turn each GET into a write; once a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


def create_token(user: AbstractBaseUser, name: str) -> tuple[ApiToken, str]:
    """A new token for the user. The raw key is returned once and never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed([FieldError("name", "is required")])
    if len(name) > 100:
        raise ValidationFailed([FieldError("name", "is longer than 100 characters")])
    raw_key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=raw_key[:8], key_hash=hash_key(raw_key))
    return token, raw_key


def revoke_token(user: AbstractBaseUser, token_id_or_prefix: int | str) -> ApiToken:
    """Revoke one of the user's tokens, given by id or by its shown prefix."""
    query = ApiToken.objects.filter(user=user)
    value = str(token_id_or_prefix)
    tokens = list(query.filter(pk=int(value))) if value.isdigit() else []
    if not tokens:
        tokens = list(query.filter(prefix=value)[:2])
    if not tokens:
        raise NotFound(f"token {value!r} not found")
    if len(tokens) > 1:
        raise ValidationFailed([FieldError("token", f"prefix {value!r} matches more than one token")])
    token = tokens[0]
    if not token.revoked:
        token.revoked = True
        token.save(update_fields=["revoked"])
    return token


def token_for_key(raw_key: str) -> ApiToken | None:
    """The live token for a raw key, or None; records when it was last used."""
    if not raw_key or len(raw_key) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_key(raw_key), revoked=False).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
