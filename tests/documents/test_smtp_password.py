"""The SMTP password is stored encrypted, never shown back, still used to log in to the mail
server, and the keys can be rotated; plaintext from before is encrypted by the migration."""

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.urls import reverse

from facturo import encryption
from facturo.documents import services
from facturo.documents.models import DocumentSettings, Sending, SendingState
from facturo.errors import ValidationFailed

from .conftest import Inbox, _free_port

# Plain AUTH on localhost is what these tests want.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")

PASSWORD = "s3cret-Passw0rd!"


class AuthInbox(Inbox):
    logins: list[tuple[str, str]]


@pytest.fixture
def auth_smtp_server():
    inbox = AuthInbox()
    inbox.logins = []

    def authenticate(server, session, envelope, mechanism, auth_data):
        login = (auth_data.login.decode(), auth_data.password.decode())
        inbox.logins.append(login)
        return AuthResult(success=login == ("facturen", PASSWORD))

    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=authenticate,
                            auth_require_tls=False, auth_required=True)
    controller.start()
    inbox.port = port
    yield inbox
    controller.stop()


def save_settings(ctx, port, password=PASSWORD):
    return services.update_mail_settings(
        ctx,
        {"smtp_host": "127.0.0.1", "smtp_port": str(port), "smtp_security": "none",
         "smtp_username": "facturen", "smtp_password": password, "from_email": "facturen@vandijk.example"},
    )


def stored_row(ctx) -> dict:
    return DocumentSettings.objects.filter(administration=ctx.administration).values().get()


def test_the_password_is_stored_encrypted_and_logs_in(ctx, issued, auth_smtp_server):
    save_settings(ctx, auth_smtp_server.port)
    row = stored_row(ctx)
    assert PASSWORD not in str(row)
    assert encryption.decrypt(row["smtp_password_encrypted"]) == PASSWORD
    services.schedule(ctx, [issued.pk])
    assert services.deliver_due().sent == 1
    assert auth_smtp_server.logins == [("facturen", PASSWORD)]
    assert len(auth_smtp_server.messages) == 1


def test_an_empty_password_keeps_the_stored_one(ctx, auth_smtp_server):
    save_settings(ctx, auth_smtp_server.port)
    before = stored_row(ctx)["smtp_password_encrypted"]
    save_settings(ctx, auth_smtp_server.port, password="")
    assert stored_row(ctx)["smtp_password_encrypted"] == before


def test_the_settings_page_never_shows_the_password(ctx, client, owner, auth_smtp_server):
    client.force_login(owner)
    save_settings(ctx, auth_smtp_server.port)
    page = client.get(reverse("web:document_settings")).content.decode()
    assert PASSWORD not in page
    assert stored_row(ctx)["smtp_password_encrypted"] not in page
    assert 'data-testid="smtp-password-stored"' in page


def test_rotation_re_encrypts_with_the_new_key_and_the_old_key_can_go(ctx, settings, auth_smtp_server):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FACTURO_ENCRYPTION_KEY = old
    save_settings(ctx, auth_smtp_server.port)
    settings.FACTURO_ENCRYPTION_KEY = f"{new},{old}"
    assert encryption.decrypt(stored_row(ctx)["smtp_password_encrypted"]) == PASSWORD  # both keys read
    call_command("encryption", "rotate")
    settings.FACTURO_ENCRYPTION_KEY = new
    assert encryption.decrypt(stored_row(ctx)["smtp_password_encrypted"]) == PASSWORD


def test_rotation_without_the_old_key_changes_nothing_and_names_the_administration(ctx, settings, auth_smtp_server):
    settings.FACTURO_ENCRYPTION_KEY = Fernet.generate_key().decode()
    save_settings(ctx, auth_smtp_server.port)
    before = stored_row(ctx)["smtp_password_encrypted"]
    settings.FACTURO_ENCRYPTION_KEY = Fernet.generate_key().decode()
    with pytest.raises(ValidationFailed) as failed:
        services.rotate_stored_secrets()
    assert ctx.administration.code in str(failed.value)
    assert stored_row(ctx)["smtp_password_encrypted"] == before


def test_a_password_no_key_opens_fails_the_sending_with_a_clear_reason(ctx, settings, issued, auth_smtp_server):
    settings.FACTURO_ENCRYPTION_KEY = Fernet.generate_key().decode()
    save_settings(ctx, auth_smtp_server.port)
    settings.FACTURO_ENCRYPTION_KEY = Fernet.generate_key().decode()
    [sending] = services.schedule(ctx, [issued.pk])
    services.deliver_due()
    sending = Sending.objects.get(pk=sending.pk)
    assert sending.state == SendingState.FAILED
    assert "SMTP password" in sending.last_error and "enter it again" in sending.last_error
    assert auth_smtp_server.messages == []


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_plaintext_passwords(owner, nl_admin):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("documents", "0001_initial")], [("documents", "0002_encrypted_smtp_password")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps.get_model("documents", "DocumentSettings")
        old.objects.create(administration_id=nl_admin.pk, smtp_host="h", smtp_password=PASSWORD)
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)
        row = DocumentSettings.objects.filter(administration=nl_admin).values().get()
        assert PASSWORD not in str(row)
        assert encryption.decrypt(row["smtp_password_encrypted"]) == PASSWORD
    finally:
        # Later tests in this worker share the database: leave it fully migrated.
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
