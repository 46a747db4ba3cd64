"""A billing clerk's day through the API: master data, charges, drafts, issue, credit, receivables."""

from decimal import Decimal

from auditlog.models import LogEntry

from facturo.administrations.models import Role
from facturo.parties.models import Customer

from .conftest import ApiClient

NL = "/administrations/nl-installers"


def test_charges_to_issued_invoice_to_partial_credit_note(api: ApiClient, owner, nl_admin):
    r = api.post(
        f"{NL}/customers",
        {
            "name": "Woningcorporatie De Linde", "country": "NL", "street": "Lindelaan 4",
            "postal_code": "3511 AB", "city": "Utrecht", "vat_number": "NL004495445B01",
            "email": "facturen@delinde.example", "language": "nl", "payment_terms_days": 30,
        },
    )  # fmt: skip
    assert r.status_code == 201, r.content
    customer = r.json()
    assert customer["vat_number"] == "NL004495445B01" and customer["number"]

    r = api.post(
        f"{NL}/items",
        {"code": "ONDH", "names": {"nl": "Onderhoud", "en": "Maintenance"}, "unit": "HUR", "default_price": "65.00"},
    )
    assert r.status_code == 201, r.content
    assert r.json()["default_price"] == "65.0000"

    r = api.post(
        f"{NL}/customers/{customer['id']}/sites", {"code": "LINDE-4", "name": "Lindelaan 4", "city": "Utrecht"}
    )
    assert r.status_code == 201, r.content
    assert r.json()["country"] == "NL"

    r = api.post(
        f"{NL}/charges",
        {"customer_id": customer["id"], "item": "ONDH", "quantity": "3", "service_date": "2026-11-02",
         "site": "LINDE-4", "reference": "visit-1"},
    )  # fmt: skip
    assert r.status_code == 201, r.content
    assert r.json()["quantity"] == "3.0000" and r.json()["site"] == "LINDE-4"
    r = api.post(
        f"{NL}/charges/batch",
        {"rows": [{"customer": customer["number"], "description": "Filter", "quantity": "2",
                   "unit_price": "12.50", "vat_category": "S", "vat_rate": "9", "service_date": "2026-11-03",
                   "reference": "filter-1"}]},
    )  # fmt: skip
    assert r.status_code == 201, r.content
    assert len(r.json()["created"]) == 1

    r = api.get(f"{NL}/charges", {"state": "open", "customer_id": customer["id"]})
    assert r.status_code == 200 and len(r.json()["data"]) == 2

    r = api.post(f"{NL}/invoices/draft-from-charges", {"grouping": "per_customer", "up_to": "2026-11-30"})
    assert r.status_code == 200, r.content
    assert r.json() == {"invoices": 1, "charges": 2}
    assert api.get(f"{NL}/charges", {"state": "open"}).json()["data"] == []

    drafts = api.get(f"{NL}/invoices", {"status": "draft"}).json()["data"]
    assert len(drafts) == 1
    draft_id = drafts[0]["id"]
    assert drafts[0]["tax_inclusive"] == "263.20"  # 195.00 + 40.95 + 25.00 + 2.25

    r = api.post(f"{NL}/invoices/{draft_id}/issue", {"issue_date": "2026-11-20"})
    assert r.status_code == 200, r.content
    invoice = r.json()
    assert invoice["number"] == "2026-000001"
    assert invoice["state"] == "issued" and invoice["status"] == "open"
    assert invoice["due_date"] == "2026-12-20"
    assert invoice["totals"] == {
        "line_total": "220.00", "allowance_total": "0.00", "charge_total": "0.00",
        "tax_exclusive": "220.00", "tax_total": "43.20", "tax_inclusive": "263.20",
    }  # fmt: skip
    assert {(v["rate"], v["taxable_amount"], v["tax_amount"]) for v in invoice["vat_breakdown"]} == {
        ("21.00", "195.00", "40.95"),
        ("9.00", "25.00", "2.25"),
    }
    assert len(invoice["lines"]) == 2
    assert invoice["settlement"]["amount_open"] == "263.20"

    # Credit one of the three hours.
    hours = next(line for line in invoice["lines"] if line["item"] == "ONDH")
    r = api.post(
        f"{NL}/invoices/{invoice['id']}/credit-notes",
        {"lines": [{"line_id": hours["id"], "quantity": "1"}], "reason": "one hour too many"},
    )
    assert r.status_code == 201, r.content
    credit = r.json()
    assert credit["kind"] == "credit_note" and credit["state"] == "draft"
    assert credit["corrects_id"] == invoice["id"]
    assert credit["tax_inclusive"] == "78.65"
    r = api.post(f"{NL}/invoices/{credit['id']}/issue", {"issue_date": "2026-11-21"})
    assert r.status_code == 200, r.content
    assert r.json()["number"] == "C2026-000001"

    invoice = api.get(f"{NL}/invoices/{invoice['id']}").json()
    assert invoice["settlement"]["amount_credited"] == "78.65"
    assert invoice["amount_open"] == "184.55"
    assert invoice["credit_note_ids"] == [credit["id"]]

    r = api.get(f"{NL}/receivables")
    assert r.status_code == 200
    assert r.json()["data"] == [
        {"customer": {"id": customer["id"], "number": customer["number"], "name": customer["name"]},
         "open_amount": "184.55", "documents": 1}
    ]  # fmt: skip
    assert r.json()["total"] == "184.55"

    balance = api.get(f"{NL}/trial-balance").json()
    assert balance["debit_total"] == balance["credit_total"]
    assert sum(Decimal(row["balance"]) for row in balance["data"]) == 0

    # Filters on the list.
    assert [i["id"] for i in api.get(f"{NL}/invoices", {"kind": "credit_note"}).json()["data"]] == [credit["id"]]
    assert len(api.get(f"{NL}/invoices", {"issued_from": "2026-11-21"}).json()["data"]) == 1
    assert len(api.get(f"{NL}/invoices", {"issued_to": "2026-11-20"}).json()["data"]) == 1
    assert len(api.get(f"{NL}/invoices", {"search": "2026-0000"}).json()["data"]) == 1
    assert len(api.get(f"{NL}/invoices", {"customer_id": customer["id"]}).json()["data"]) == 2
    assert api.get(f"{NL}/invoices", {"status": "open"}).json()["data"][0]["id"] == invoice["id"]


def test_changes_made_through_the_api_name_the_token_user(api: ApiClient, owner, nl_admin):
    r = api.post(f"{NL}/customers", {"name": "Bakkerij Jansen", "country": "NL"})
    assert r.status_code == 201, r.content
    customer_id = r.json()["id"]
    r = api.patch(f"{NL}/customers/{customer_id}", {"city": "Zeist"})
    assert r.status_code == 200 and r.json()["city"] == "Zeist"
    entries = LogEntry.objects.get_for_object(Customer.objects.get(pk=customer_id))
    assert entries.count() == 2
    assert {e.actor_id for e in entries} == {owner.pk}


def test_manual_draft_with_allowance_approve_issue_write_off_and_delete(api: ApiClient, be_admin, owner):
    be = "/administrations/be-security"
    customer = api.post(f"{be}/customers", {"name": "Stad Gent", "country": "BE"}).json()
    r = api.post(
        f"{be}/invoices",
        {
            "customer_id": customer["id"],
            "lines": [{"description": "Bewaking november", "quantity": "10", "unit": "HUR",
                       "unit_price": "40.00", "vat_category": "S", "vat_rate": "21"}],
            "allowances_charges": [{"amount": "20.00", "reason": "Korting", "vat_category": "S",
                                    "vat_rate": "21"}],
            "order_reference": "PO-77",
        },
    )  # fmt: skip
    assert r.status_code == 201, r.content
    draft = r.json()
    assert draft["order_reference"] == "PO-77"
    assert draft["totals"]["allowance_total"] == "20.00"
    assert draft["tax_inclusive"] == "459.80"  # (400 - 20) * 1.21

    # The Belgian administration needs approval before issuing.
    r = api.post(f"{be}/invoices/{draft['id']}/issue", {})
    assert r.status_code == 409, r.content
    assert r.json()["error"]["type"] == "conflict"
    r = api.post(f"{be}/invoices/{draft['id']}/approve")
    assert r.status_code == 200 and r.json()["state"] == "approved"
    r = api.post(f"{be}/invoices/{draft['id']}/approve")
    assert r.status_code == 409
    r = api.post(f"{be}/invoices/{draft['id']}/issue", {})
    assert r.status_code == 200, r.content
    issued = r.json()
    assert issued["number"]

    r = api.delete(f"{be}/invoices/{issued['id']}")
    assert r.status_code == 409  # issued documents are never deleted

    r = api.post(f"{be}/invoices/{issued['id']}/write-off", {"reason": "bankrupt"})
    assert r.status_code == 200, r.content
    assert r.json()["settlement"]["amount_written_off"] == "459.80"
    assert r.json()["status"] == "written_off"

    # A second draft is deleted; its charge is open again.
    other = api.post(
        f"{be}/invoices",
        {"customer_id": customer["id"], "lines": [{"description": "Extra ronde", "quantity": "1",
                                                    "unit_price": "55", "vat_category": "S"}]},
    ).json()  # fmt: skip
    assert api.delete(f"{be}/invoices/{other['id']}").status_code == 204
    assert api.get(f"{be}/invoices/{other['id']}").status_code == 404


def test_role_without_the_right_gets_403(make_user, api_for, ctx, nl_admin, customer):
    auditor = make_user("auditor", nl_admin, Role.AUDITOR, ctx)
    client = api_for(auditor)
    assert client.get(f"{NL}/customers").status_code == 200
    r = client.post(f"{NL}/customers", {"name": "Nope", "country": "NL"})
    assert r.status_code == 403
    assert r.json()["error"]["type"] == "forbidden"
    assert not Customer.objects.filter(name="Nope").exists()
    r = client.patch(f"{NL}/customers/{customer.pk}", {"name": "Changed"})
    assert r.status_code == 403


def test_posting_a_charge_reference_again_returns_the_existing_charge(api: ApiClient, nl_admin, customer, item):
    body = {"customer_id": customer.pk, "item": "ONDH", "quantity": "1", "reference": "job-7"}
    first = api.post(f"{NL}/charges", body)
    second = api.post(f"{NL}/charges", body)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]


def test_receivables_page_through_customers_with_a_total_over_all(api, ctx, item):
    from datetime import date

    from facturo.charges.services import create_charges
    from facturo.invoicing import services as invoicing
    from facturo.parties.services import create_customer

    for i in range(3):
        customer = create_customer(ctx, {"name": f"Klant {i}", "country": "NL", "email": f"k{i}@example.com"})
        create_charges(ctx, [{"reference": f"p{i}", "customer": customer.number, "item": "ONDH", "quantity": "1",
                              "service_date": "2026-11-02"}], source_kind="import")
    invoicing.draft_from_charges(ctx)
    for draft in invoicing.invoices(ctx, status="draft").order_by("id"):
        invoicing.issue(ctx, draft.pk, issue_date=date(2026, 11, 20))
    first = api.get(f"{NL}/receivables?limit=2").json()
    assert [r["customer"]["name"] for r in first["data"]] == ["Klant 0", "Klant 1"]
    assert first["next_offset"] == 2 and first["total"] == "235.95"  # 3 × 78.65
    rest = api.get(f"{NL}/receivables?limit=2&offset=2").json()
    assert [r["customer"]["name"] for r in rest["data"]] == ["Klant 2"] and rest["next_offset"] is None
