"""Verifying the hash chain of issued documents."""

from dataclasses import dataclass

from facturo.administrations.models import Administration
from facturo.core.chain import GENESIS

from .content import canonical_content, document_hash
from .issuing import _by_invoice
from .models import ChainHead, Invoice, InvoiceAllowanceCharge, InvoiceLine, InvoiceState, InvoiceVatLine


@dataclass(frozen=True)
class ChainReport:
    administration: str
    checked: int
    broken_at: str | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(administration: Administration, batch: int = 2000) -> ChainReport:
    """Walk the chain in order and report the first document whose link does not hold."""
    previous = GENESIS
    expected_index = 1
    checked = 0
    while True:
        invoices = list(
            Invoice.objects.filter(
                administration=administration, state=InvoiceState.ISSUED, chain_index__gte=expected_index
            )
            .select_related("corrects")
            .order_by("chain_index")[:batch]
        )
        if not invoices:
            head = ChainHead.objects.filter(administration=administration).first()
            if head is not None and (head.last_index != checked or head.last_hash != previous):
                return ChainReport(
                    administration.code,
                    checked,
                    f"link {checked + 1}",
                    f"the chain head expects {head.last_index} documents; found {checked}",
                )
            return ChainReport(administration.code, checked)
        ids = [i.pk for i in invoices]
        lines = _by_invoice(InvoiceLine.objects.filter(invoice_id__in=ids))
        allowances = _by_invoice(InvoiceAllowanceCharge.objects.filter(invoice_id__in=ids))
        vat_lines = _by_invoice(InvoiceVatLine.objects.filter(invoice_id__in=ids))
        for invoice in invoices:
            if invoice.chain_index != expected_index:
                return ChainReport(administration.code, checked, invoice.number, f"link {expected_index} is missing")
            if invoice.chain_prev_hash != previous:
                return ChainReport(
                    administration.code, checked, invoice.number, "does not point at the document before it"
                )
            content = canonical_content(
                invoice,
                lines[invoice.pk],
                allowances[invoice.pk],
                vat_lines[invoice.pk],
                invoice.corrects.number if invoice.corrects else None,
            )
            if document_hash(previous, content) != invoice.chain_hash:
                return ChainReport(administration.code, checked, invoice.number, "its content was changed")
            previous = invoice.chain_hash
            expected_index += 1
            checked += 1
