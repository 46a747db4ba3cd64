from facturo.api.models import ApiToken
from facturo.api.services import create_token, hash_key, revoke_token, token_for_key


def test_only_the_hash_of_the_key_is_stored(owner):
    token, key = create_token(owner, "ci")
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hash_key(key) and key not in {stored.key_hash, stored.name}
    assert stored.prefix == key[:8] and len(key) >= 40
    assert token_for_key(key).pk == token.pk
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_revoked_tokens_and_inactive_users_do_not_authenticate(owner):
    token, key = create_token(owner, "ci")
    revoke_token(owner, token.pk)
    assert token_for_key(key) is None
    _, key2 = create_token(owner, "ci2")
    owner.is_active = False
    owner.save()
    assert token_for_key(key2) is None
    assert token_for_key("") is None
