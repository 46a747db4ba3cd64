"""Billing runs: one per administration and run date, cut into chunks any worker can take."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from facturo.administrations.models import Administration


class RunState(models.TextChoices):
    PREVIEW = "preview", _("Preview")
    APPROVED = "approved", _("Approved")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class BillingRun(models.Model):
    administration = models.ForeignKey(Administration, on_delete=models.PROTECT, related_name="+")
    run_date = models.DateField()
    state = models.CharField(max_length=10, choices=RunState.choices, default=RunState.PREVIEW)
    preview = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    invoices = models.PositiveIntegerField(default=0)
    charges = models.PositiveIntegerField(default=0)
    refused = models.JSONField(default=dict)
    correction_notes = models.JSONField(
        default=list, help_text="Invoiced periods the run could not correct, or credited in part, with the reason"
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            # One run at a time per administration: a second one waits for the first to finish.
            models.UniqueConstraint(
                fields=["administration"],
                condition=models.Q(state__in=["preview", "approved", "running"]),
                name="billingrun_one_open_per_administration",
            )
        ]

    def __str__(self) -> str:
        return f"run {self.pk} ({self.run_date})"


class ChunkState(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"


class RunChunk(models.Model):
    """The customers with ids first_customer..last_customer: all their contracts and usage.
    A chunk is one transaction, charges to issued invoices, so it is done entirely or not."""

    run = models.ForeignKey(BillingRun, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    first_customer = models.BigIntegerField()
    last_customer = models.BigIntegerField()
    state = models.CharField(max_length=8, choices=ChunkState.choices, default=ChunkState.PENDING)
    invoices = models.PositiveIntegerField(default=0)
    charges = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="Why the last attempt failed (the chunk stays pending)")

    class Meta:
        ordering = ["run", "index"]
        constraints = [models.UniqueConstraint(fields=["run", "index"], name="runchunk_unique_index")]


class AdvanceSettlement(models.Model):
    """An advance contract's period settled against the actual amount: once per period."""

    administration = models.ForeignKey(Administration, on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT, related_name="settlements")
    period_start = models.DateField()
    period_end = models.DateField()
    actual = models.DecimalField(max_digits=18, decimal_places=2)
    advances = models.DecimalField(max_digits=18, decimal_places=2)
    difference = models.DecimalField(max_digits=18, decimal_places=2)
    documents = models.JSONField(default=list, help_text="Numbers of the settlement invoice or credit notes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_start"]
        constraints = [models.UniqueConstraint(fields=["contract", "period_start"], name="settlement_once_per_period")]
