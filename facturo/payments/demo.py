"""Demo data for payments: a bank account per demo administration and this morning's statement,
imported through the service so the demo shows automatic matches, a partial payment, an
overpayment, and lines waiting in the reconciliation screen."""

from datetime import date
from decimal import Decimal

from facturo.administrations.access import Context
from facturo.administrations.models import DocumentKind
from facturo.formats import camt053
from facturo.formats.statement import Balance, Statement, StatementLine
from facturo.invoicing.models import Invoice, InvoiceState

from . import direct_debit
from .services import create_bank_account, import_statement

DEBTOR_IBANS = {"NL": "NL20INGB0001234567", "BE": "BE71096123456769"}
CREDITOR_IDS = {"NL": "NL57ZZZ999999999999", "BE": "BE69ZZZ050D000000008", "PL": ""}


def add_bank(ctx: Context, today: date) -> list[str]:
    """Returns notes for the demo's summary."""
    admin = ctx.administration
    iban = admin.iban
    if not iban:
        return []
    account = create_bank_account(
        ctx,
        {
            "iban": iban,
            "bic": admin.bic,
            "name": f"{admin.name[:60]} bank",
            "creditor_id": CREDITOR_IDS.get(admin.country, ""),
        },
    )
    open_invoices = list(
        Invoice.objects.filter(
            administration=admin,
            state=InvoiceState.ISSUED,
            kind=DocumentKind.INVOICE,
            amount_open__gt=0,
            currency=account.currency,
        )
        .select_related("customer")
        .order_by("id")
    )
    lines: list[StatementLine] = []
    for n, invoice in enumerate(open_invoices):
        name = invoice.customer.name
        if n % 5 in (0, 1):
            lines.append(
                StatementLine(
                    invoice.amount_open,
                    today,
                    counterparty_name=name,
                    structured_reference=invoice.payment_reference,
                    bank_reference=f"D{n}",
                )
            )
        elif n % 5 == 2:
            lines.append(
                StatementLine(
                    invoice.amount_open,
                    today,
                    counterparty_name=name,
                    remittance=f"Factuur {invoice.number}",
                    bank_reference=f"D{n}",
                )
            )
        elif n % 5 == 3 and n < 10:
            part = (invoice.amount_open / 2).quantize(Decimal("0.01"))
            lines.append(
                StatementLine(
                    part,
                    today,
                    counterparty_name=name,
                    remittance=f"deelbetaling {invoice.number}",
                    bank_reference=f"D{n}",
                )
            )
    lines.append(
        StatementLine(
            Decimal("250.00"),
            today,
            counterparty_name="Onbekende betaler",
            counterparty_iban="NL20INGB0001234567",
            remittance="voorschot",
            bank_reference="U1",
        )
    )
    lines.append(
        StatementLine(
            Decimal("-7.50"), today, counterparty_name="Bank", remittance="Kosten betalingsverkeer", bank_reference="K1"
        )
    )
    total = sum((line.amount for line in lines), Decimal(0))
    opening = Decimal("1000.00")
    statement = Statement(
        account.iban,
        account.currency,
        f"DEMO-{today:%Y%m%d}",
        "1",
        Balance(opening, today),
        Balance(opening + total, today),
        tuple(lines),
    )
    result = import_statement(ctx, camt053.write(statement), file_name=f"demo-{today:%Y%m%d}.xml")
    notes = [
        f"bank statement of {account.iban}: {result.lines} lines, {result.automatic} booked automatically, "
        f"{result.suggested + result.unmatched} to reconcile"
    ]
    if account.creditor_id:
        still_open = (
            Invoice.objects.filter(
                administration=admin, state=InvoiceState.ISSUED, kind=DocumentKind.INVOICE, amount_open__gt=0
            )
            .select_related("customer")
            .first()
        )
        if still_open is not None:
            customer = still_open.customer
            direct_debit.create_mandate(
                ctx,
                {
                    "customer_id": customer.pk,
                    "reference": f"MNDT-{customer.number}",
                    "signed_on": date(today.year, 1, 2).isoformat(),
                    "iban": customer.iban or DEBTOR_IBANS[admin.country],
                },
            )
            notes.append(f"direct-debit mandate MNDT-{customer.number} of {customer.name}: collect it under Bank")
    return notes
