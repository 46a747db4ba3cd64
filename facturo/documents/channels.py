"""Delivery channels. Each takes a prepared envelope and either returns a transmission id or
raises: `Permanent` (do not try again: a refused recipient), anything else is transient and
retried with backoff by the outbox.

PEPPOL and KSeF go through pluggable gateways (settings FACTURO_PEPPOL_ACCESS_POINT and
FACTURO_KSEF_GATEWAY, dotted paths). The built-in ones write the document and a JSON
manifest into an outbound folder that a real access point (or a KSeF client) picks up;
they do not talk to the PEPPOL network or the KSeF API themselves."""

import hashlib
import json
import smtplib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.smtp import EmailBackend
from django.utils.module_loading import import_string


class Permanent(Exception):
    """The channel cannot take this sending and retrying will not help (e.g. no mail server set)."""


class Bounced(Permanent):
    """The receiving side refused the recipient."""


@dataclass(frozen=True)
class File:
    name: str
    mime_type: str
    content: bytes


@dataclass(frozen=True)
class Mail:
    sender: str
    to: list[str]
    subject: str
    body: str
    files: list[File]
    message_id: str
    reply_to: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: str
    username: str
    password: str
    timeout: float = 30.0


def send_mail(server: SmtpServer, mail: Mail) -> str:
    """Hand the mail to the administration's SMTP server; its Message-ID is the transmission id."""
    backend = EmailBackend(
        host=server.host,
        port=server.port,
        username=server.username or None,
        password=server.password or None,
        use_tls=server.security == "starttls",
        use_ssl=server.security == "ssl",
        timeout=server.timeout,
        fail_silently=False,
    )
    message = EmailMessage(
        subject=mail.subject,
        body=mail.body,
        from_email=mail.sender,
        to=mail.to,
        reply_to=mail.reply_to or None,
        headers={"Message-ID": mail.message_id},
        connection=backend,
    )
    for file in mail.files:
        message.attach(file.name, file.content, file.mime_type)
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        reasons = "; ".join(
            f"{address}: {code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
            for address, (code, text) in exc.recipients.items()
        )
        raise Bounced(f"recipient refused by the mail server: {reasons}") from None
    except smtplib.SMTPResponseException as exc:
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        raise ConnectionError(f"mail server answered {exc.smtp_code} {text}") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise ConnectionError(f"mail server {server.host}:{server.port} unreachable: {exc}") from None
    return mail.message_id


@dataclass(frozen=True)
class Envelope:
    """An e-invoice for a network: who sends, who receives, the document and its type."""

    administration_code: str
    document_number: str
    sender_scheme: str
    sender_id: str
    receiver_scheme: str
    receiver_id: str
    document_type: str
    process: str
    filename: str
    content: bytes


class AccessPoint(Protocol):
    def submit(self, envelope: Envelope) -> str: ...


class KsefGateway(Protocol):
    def submit(self, envelope: Envelope) -> str: ...


PEPPOL_INVOICE = (
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##"
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
)
PEPPOL_CREDIT_NOTE = (
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2::CreditNote##"
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
)
PEPPOL_PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"


class _FolderGateway:
    """Writes `<number>.xml` and then `<number>.json` (the manifest) into
    FACTURO_OUTBOX_DIR/<administration>/<folder>/. The manifest is written last and
    atomically, so a pick-up process that waits for it never reads half a document."""

    folder = ""

    def submit(self, envelope: Envelope) -> str:
        base = Path(settings.FACTURO_OUTBOX_DIR) / envelope.administration_code / self.folder
        base.mkdir(parents=True, exist_ok=True)
        stem = envelope.filename.rsplit(".", 1)[0]
        document = base / envelope.filename
        _write_atomic(document, envelope.content)
        digest = hashlib.sha256(envelope.content).hexdigest()
        transmission = f"{self.folder}:{envelope.administration_code}:{stem}:{digest[:16]}"
        manifest = {
            "transmission_id": transmission,
            "document": envelope.filename,
            "sha256": digest,
            "size": len(envelope.content),
            "sender": {"scheme": envelope.sender_scheme, "id": envelope.sender_id},
            "receiver": {"scheme": envelope.receiver_scheme, "id": envelope.receiver_id},
            "document_type": envelope.document_type,
            "process": envelope.process,
            "document_number": envelope.document_number,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        _write_atomic(base / f"{stem}.json", json.dumps(manifest, indent=2).encode())
        return transmission


class FolderAccessPoint(_FolderGateway):
    folder = "peppol"


class FolderKsefGateway(_FolderGateway):
    folder = "ksef"


def _write_atomic(path: Path, content: bytes) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(content)
    tmp.replace(path)


def access_point() -> AccessPoint:
    return import_string(settings.FACTURO_PEPPOL_ACCESS_POINT)()  # type: ignore[no-any-return]


def ksef_gateway() -> KsefGateway:
    return import_string(settings.FACTURO_KSEF_GATEWAY)()  # type: ignore[no-any-return]
