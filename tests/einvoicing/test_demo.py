"""The demo holds issued invoices for every e-invoice format and every VAT category, and each
of them builds and passes facturo's own validation and the schemas in every format that applies."""

from contextlib import contextmanager

from django.test import override_settings

from facturo.catalog.reference import ensure_vat_tables
from facturo.console import demo
from facturo.einvoicing import services
from facturo.invoicing.models import Invoice, InvoiceState

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@contextmanager
def _quiet_progress(total, description):
    yield lambda _count: None


@override_settings(PASSWORD_HASHERS=FAST_HASHER)
def test_demo_invoices_cover_every_format_and_category_and_all_build(
    db, assert_ubl_valid, assert_cii_valid, assert_ksef_valid
):
    ensure_vat_tables()
    demo.build(_quiet_progress, lambda _text: None)
    issued = list(services.for_build(Invoice.objects.filter(state=InvoiceState.ISSUED).order_by("id")))
    formats = {fmt for invoice in issued for fmt in services.formats_for(invoice)}
    assert formats == set(services.FORMATS)
    categories = {line.vat_category for invoice in issued for line in invoice.lines.all()}
    assert categories >= {"S", "Z", "E", "AE", "K", "G", "O"}
    foreign = [i for i in issued if i.currency != i.administration.currency]
    assert foreign and all(i.exchange_rate and i.tax_total_accounting is not None for i in foreign)

    check = {"peppol": assert_ubl_valid, "nlcius": assert_ubl_valid, "cii": assert_cii_valid,
             "ksef": assert_ksef_valid}
    failures = {}
    built = 0
    for invoice in issued:
        for fmt in services.formats_for(invoice):
            problems = services.check(invoice, fmt)
            if problems:
                failures[f"{invoice.number} {fmt}"] = [str(p) for p in problems]
                continue
            check[fmt](services.build(invoice, fmt))
            built += 1
    assert failures == {}
    assert built > len(issued)
