"""Demo data for e-invoicing: invoices that exercise every format and every VAT category.

The base demo already issues standard, reduced, zero-rated (Z), exempt (E) and reverse-charge
(AE) lines to customers with PEPPOL endpoints, to Dutch and Belgian public bodies and, in the
Polish administration, invoices for KSeF. This module adds what it lacks:
- public bodies give a buyer reference (PEPPOL and NLCIUS need one) before their invoices are issued;
- an intra-community supply (K) to a German customer, with a project discount on the document;
- an export outside the EU (G) to a Norwegian customer addressed by its organisation number;
- a disbursement outside the scope of VAT (O);
- an invoice in US dollars, with the day's exchange rate, so its VAT total is also shown in
  euros (BT-6, BT-111);
- a customer in the Netherlands and one in Belgium who want Factur-X (CII)."""

from datetime import date, timedelta
from typing import Any

from stdnum.de import vat as de_vat
from stdnum.no import orgnr

from facturo.administrations.access import Context
from facturo.invoicing import exchange
from facturo.invoicing.services import create_draft, issue
from facturo.parties.models import Customer
from facturo.parties.services import create_customer, update_customer

FACTUR_X_CUSTOMERS = {"demo-nl": "Eemland Data Services B.V.", "demo-be": "Bijouterie Lemaire SRL"}


def _valid(start: int, make: Any, check: Any) -> str:
    for n in range(start, start + 10_000):
        if check(make(n)):
            return str(make(n))
    raise ValueError("no valid identifier found")


def add_examples(ctx: Context, today: date) -> list[str]:
    """Customers and issued invoices for Factur-X, K, G and O; returns lines for the summary."""
    code = ctx.administration.code
    notes = []
    name = FACTUR_X_CUSTOMERS.get(code)
    customer = Customer.objects.filter(administration=ctx.administration, name=name).first() if name else None
    if customer is not None:
        update_customer(ctx, customer.pk, {"einvoice_preference": "cii"})
        notes.append(f"{customer.name} receives Factur-X (CII)")
    if code != "demo-nl":
        return notes

    day = today - timedelta(days=4)
    german = create_customer(ctx, {
        "name": "Kältetechnik Rheinland GmbH", "street": "Kaiserswerther Straße 115", "postal_code": "40474",
        "city": "Düsseldorf", "country": "DE", "language": "de", "category": "b2b",
        "vat_number": _valid(310_000_000, lambda n: f"DE{n:09d}", de_vat.is_valid),
        "email": "rechnungen@kaeltetechnik-rheinland.example",
    })  # fmt: skip
    supply = create_draft(ctx, {
        "customer_id": german.pk,
        "buyer_reference": "BE-4500187321",
        "lines": [
            {"description": "Warmtepomp lucht/water 8 kW, geleverd naar Düsseldorf", "quantity": "2",
             "unit": "C62", "unit_price": "3425.00", "vat_category": "K", "vat_rate": "0", "service_date": day},
            {"description": "Buffervat 200 l", "quantity": "2", "unit": "C62", "unit_price": "612.50",
             "vat_category": "K", "vat_rate": "0", "service_date": day},
        ],
        "allowances_charges": [
            {"is_charge": False, "amount": "150.00", "reason": "Projectkorting", "vat_category": "K", "vat_rate": "0"},
        ],
    })  # fmt: skip
    norwegian = create_customer(ctx, {
        "name": "Fjordkjøl AS", "street": "Bryggen 21", "postal_code": "5003", "city": "Bergen", "country": "NO",
        "language": "en", "category": "b2b", "delivery_channel": "peppol", "peppol_scheme": "0192",
        "peppol_id": _valid(912_345_670, lambda n: f"{n:09d}", orgnr.is_valid),
        "email": "invoice@fjordkjol.example",
    })  # fmt: skip
    export = create_draft(ctx, {
        "customer_id": norwegian.pk,
        "order_reference": "FK-2026-118",
        "lines": [
            {"description": "Koelunit voor scheepsruim, export naar Noorwegen", "quantity": "1", "unit": "C62",
             "unit_price": "8950.00", "vat_category": "G", "vat_rate": "0", "service_date": day},
        ],
    })  # fmt: skip
    offshore = create_customer(ctx, {
        "name": "Atlantic Offshore Services B.V.", "street": "Waalhaven Zuidzijde 21", "postal_code": "3089 JH",
        "city": "Rotterdam", "country": "NL", "language": "en", "category": "b2b", "currency": "USD",
        "email": "ap@atlantic-offshore.example",
    })  # fmt: skip
    exchange.set_rate(ctx, {"currency": "USD", "date": day - timedelta(days=1), "rate": "0.86210000",
                            "source": "ECB reference rate (demo)"})
    dollars = create_draft(ctx, {
        "customer_id": offshore.pk,
        "order_reference": "AOS-PO-77120",
        "lines": [
            {"description": "Onderhoud koelinstallatie werkschip, billed in USD", "quantity": "6", "unit": "HUR",
             "unit_price": "118.00", "vat_category": "S", "vat_rate": "21", "service_date": day},
        ],
    })  # fmt: skip
    housing = Customer.objects.filter(administration=ctx.administration, name="Woonstichting Eemland Wonen").first()
    outside = None
    if housing is not None:
        outside = create_draft(ctx, {
            "customer_id": housing.pk,
            "buyer_reference": "WEW-2026-0412",
            "lines": [
                {"description": "Doorbelaste leges omgevingsvergunning (namens u betaald)", "quantity": "1",
                 "unit": "C62", "unit_price": "385.00", "vat_category": "O", "vat_rate": "0", "service_date": day},
            ],
        })  # fmt: skip
    for draft, what in ((supply, "intra-community supply (K)"), (export, "export outside the EU (G)"),
                        (outside, "outside the scope of VAT (O)"), (dollars, "in USD, VAT also in EUR")):
        if draft is not None:
            issued = issue(ctx, draft.pk, issue_date=today)
            notes.append(f"{what}: invoice {issued.number} to {issued.customer.name}")
    return notes
