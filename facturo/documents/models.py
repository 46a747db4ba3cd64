"""Documents and delivery: branding, layouts, mail texts, the outbox and print batches.

The outbox (`Sending`) is the one place where "nothing is sent twice" is held: a sending is
claimed by a conditional update from `scheduled` to `sending`, and the database allows at
most one active sending per invoice and channel."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from facturo.administrations.models import Administration, DocumentKind


class SmtpSecurity(models.TextChoices):
    NONE = "none", "None"
    STARTTLS = "starttls", "STARTTLS"
    SSL = "ssl", "SSL/TLS"


class DocumentSettings(models.Model):
    """Per administration: branding on the documents and the SMTP server mails go through."""

    administration = models.OneToOneField(Administration, on_delete=models.CASCADE, related_name="document_settings")
    logo = models.BinaryField(null=True, blank=True)
    logo_type = models.CharField(max_length=10, blank=True, help_text="png, jpg or svg")
    logo_hash = models.CharField(max_length=64, blank=True)
    primary_colour = models.CharField(max_length=7, default="#1f4e79")
    accent_colour = models.CharField(max_length=7, default="#e8eef5")
    footer_text = models.CharField(max_length=300, blank=True)
    show_open_items = models.BooleanField(default=False, help_text="List the customer's other open items")
    smtp_host = models.CharField(max_length=200, blank=True)
    smtp_port = models.PositiveIntegerField(default=587)
    smtp_security = models.CharField(max_length=10, choices=SmtpSecurity.choices, default=SmtpSecurity.STARTTLS)
    smtp_username = models.CharField(max_length=200, blank=True)
    # Fernet token (facturo.encryption), never the password itself; write-only on every screen.
    smtp_password_encrypted = models.TextField(blank=True)
    from_email = models.EmailField(blank=True)
    reply_to = models.EmailField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)


class DocumentTemplate(models.Model):
    """A Typst layout replacing the built-in one for an administration or one customer."""

    administration = models.ForeignKey(Administration, on_delete=models.CASCADE, related_name="document_templates")
    customer = models.ForeignKey(
        "parties.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="document_templates"
    )
    kind = models.CharField(max_length=12, choices=DocumentKind.choices)
    language = models.CharField(max_length=5, blank=True, help_text="Empty: every language")
    source = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["administration", "kind", "language"],
                condition=models.Q(customer__isnull=True),
                name="doctemplate_unique_admin",
            ),
            models.UniqueConstraint(
                fields=["administration", "customer", "kind", "language"],
                condition=models.Q(customer__isnull=False),
                name="doctemplate_unique_customer",
            ),
        ]


class MailTemplate(models.Model):
    """Subject and body of the invoice mail in one language (Django template syntax)."""

    administration = models.ForeignKey(Administration, on_delete=models.CASCADE, related_name="mail_templates")
    kind = models.CharField(max_length=12, choices=DocumentKind.choices)
    language = models.CharField(max_length=5)
    subject = models.CharField(max_length=300)
    body = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["administration", "kind", "language"], name="mailtemplate_unique"),
        ]


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    PEPPOL = "peppol", "PEPPOL"
    KSEF = "ksef", "KSeF"
    PRINT = "print", "Print"


class SendingState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")
    REJECTED = "rejected", _("Rejected (e-invoice not valid)")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_STATES = (SendingState.SCHEDULED, SendingState.SENDING)


class PrintBatch(models.Model):
    administration = models.ForeignKey(Administration, on_delete=models.CASCADE, related_name="print_batches")
    created_at = models.DateTimeField(auto_now_add=True)
    documents = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    pdf = models.BinaryField()

    class Meta:
        ordering = ["-id"]


class Sending(models.Model):
    """One invoice going out through one channel; the outbox row."""

    administration = models.ForeignKey(Administration, on_delete=models.CASCADE, related_name="sendings")
    invoice = models.ForeignKey("invoicing.Invoice", on_delete=models.PROTECT, related_name="sendings")
    customer = models.ForeignKey("parties.Customer", on_delete=models.PROTECT, related_name="sendings")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    # Each resend of the same invoice through the same channel gets the next generation.
    generation = models.PositiveSmallIntegerField(default=1)
    state = models.CharField(max_length=10, choices=SendingState.choices, default=SendingState.SCHEDULED)
    scheduled_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    recipient = models.CharField(max_length=300, blank=True)
    last_error = models.TextField(blank=True)
    problems = models.JSONField(default=list, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    transmission_id = models.CharField(max_length=200, blank=True)
    print_batch = models.ForeignKey(
        PrintBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="sendings"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "channel", "generation"], name="sending_unique_generation"),
            models.UniqueConstraint(
                fields=["invoice", "channel"],
                condition=models.Q(state__in=["scheduled", "sending"]),
                name="sending_one_active_per_channel",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="sending_due_idx"),
            models.Index(fields=["administration", "state", "id"], name="sending_admin_state_idx"),
            models.Index(fields=["customer", "id"], name="sending_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} #{self.pk}"

    @property
    def can_retry(self) -> bool:
        return self.state in (SendingState.FAILED, SendingState.REJECTED)

    @property
    def can_resend(self) -> bool:
        return self.state in (SendingState.SENT, SendingState.BOUNCED)

    @property
    def is_stuck(self) -> bool:
        from django.utils import timezone

        from .services import STUCK_AFTER

        return self.state == SendingState.SENDING and self.next_attempt_at < timezone.now() - STUCK_AFTER

    @property
    def can_cancel(self) -> bool:
        return self.state == SendingState.SCHEDULED


class SendingEvent(models.Model):
    """What happened to a sending, in order: the trail a clerk reads."""

    sending = models.ForeignKey(Sending, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=20)
    # Text from elsewhere, kept as received (a mail server's reply, a validator's finding).
    message = models.TextField(blank=True)
    # What facturo itself says is stored as parameters and worded in the reader's language
    # (`text`); rows from before have none and show their stored message.
    params = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]

    def kind_label(self) -> str:
        from .eventtexts import kind_label

        return kind_label(self.kind)

    def text(self) -> str:
        from .eventtexts import describe

        return describe(self.kind, self.message, self.params)
