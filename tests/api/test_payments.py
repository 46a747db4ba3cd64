"""The payments API: register an account, upload a statement, reconcile a line, undo, returns."""

from decimal import Decimal
from pathlib import Path

from facturo.invoicing import services as invoicing

SAMPLE = Path(__file__).parent.parent / "formats" / "samples" / "camt053_v02_ing.xml"


def upload(api, admin, content=None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    file = SimpleUploadedFile("ing.xml", content if content is not None else SAMPLE.read_bytes())
    return api.client.post(f"/api/v1/administrations/{admin}/bank-statements", {"file": file}, headers=api.headers())


def test_upload_reconcile_and_undo(api, ctx, customer, item):
    admin = ctx.administration.code
    created = api.post(f"/administrations/{admin}/bank-accounts", {"iban": "NL69INGB0123456789", "name": "ING"})
    assert created.status_code == 201, created.content
    bad = api.post(f"/administrations/{admin}/bank-accounts", {"iban": "NL00XXXX"})
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["path"] == "body.iban"
    imported = upload(api, admin)
    assert imported.status_code == 201 and imported.json()["unmatched"] == 2
    again = upload(api, admin)
    assert again.status_code == 409 and "already imported" in again.json()["error"]["message"]
    broken = upload(api, admin, SAMPLE.read_bytes()[:500])
    assert broken.status_code == 422 and "line" in broken.json()["error"]["fields"][0]["path"]
    lines = api.get(f"/administrations/{admin}/statement-lines").json()["items"]
    received = next(line for line in lines if line["amount"] == "484.00")
    draft = invoicing.create_draft(
        ctx, {"customer_id": customer.pk, "lines": [{"item": "ONDH", "quantity": "10", "service_date": "2026-11-02"}]}
    )
    invoice = invoicing.issue(ctx, draft.pk)
    matched = api.post(
        f"/administrations/{admin}/statement-lines/{received['id']}/match",
        {"allocations": [{"invoice_id": invoice.pk, "amount": "484.00"}]},
    )
    assert matched.status_code == 201, matched.content
    undone = api.post(f"/administrations/{admin}/reconciliations/{matched.json()['id']}/undo")
    assert undone.status_code == 200 and undone.json()["undone"]
    float_amount = api.post(
        f"/administrations/{admin}/statement-lines/{received['id']}/match",
        {"allocations": [{"invoice_id": invoice.pk, "amount": 484.0}]},
    )
    assert float_amount.status_code == 422
    assert api.get(f"/administrations/{admin}/returned-payments").json() == {"items": []}
    assert api.get(f"/administrations/{admin}/bank-accounts").json()["items"][0]["ledger_balance"] == "452.10"


def test_mandate_and_collection(api, ctx, customer, item):
    from datetime import timedelta

    from django.utils import timezone

    admin = ctx.administration.code
    account = api.post(
        f"/administrations/{admin}/bank-accounts", {"iban": "NL69INGB0123456789", "creditor_id": "NL98ZZZ999999999999"}
    ).json()
    draft = invoicing.create_draft(
        ctx, {"customer_id": customer.pk, "lines": [{"item": "ONDH", "quantity": "1", "service_date": "2026-11-02"}]}
    )
    invoicing.issue(ctx, draft.pk)
    mandate = api.post(
        f"/administrations/{admin}/mandates",
        {"customer_id": customer.pk, "reference": "M-1", "signed_on": "2026-03-01", "iban": "NL91ABNA0417164300"},
    )
    assert mandate.status_code == 201 and mandate.json()["next_sequence"] == "FRST"
    amended = api.post(f"/administrations/{admin}/mandates/{mandate.json()['id']}/amend", {"reference": "M-1B"})
    assert amended.json()["amendment_pending"]
    when = (timezone.localdate() + timedelta(days=2)).isoformat()
    batch = api.post(
        f"/administrations/{admin}/collections", {"bank_account_id": account["id"], "collection_date": when}
    )
    assert batch.status_code == 201 and batch.json()["count"] == 1 and "<AmdmntInd>true" in batch.json()["file_xml"]
    assert api.get(f"/administrations/{admin}/mandates").json()["items"][0]["next_sequence"] == "RCUR"


def test_credit_on_account_is_used_against_a_later_invoice(api, ctx, customer, item):
    admin = ctx.administration.code
    api.post(f"/administrations/{admin}/bank-accounts", {"iban": "NL69INGB0123456789"})
    upload(api, admin)
    received = next(
        x for x in api.get(f"/administrations/{admin}/statement-lines").json()["items"] if x["amount"] == "484.00"
    )
    put = api.post(
        f"/administrations/{admin}/statement-lines/{received['id']}/on-account", {"customer_id": customer.pk}
    )
    assert put.status_code == 201
    assert api.get(f"/administrations/{admin}/customers/{customer.pk}/credit").json()["credit"] == "484.00"
    draft = invoicing.create_draft(
        ctx, {"customer_id": customer.pk, "lines": [{"item": "ONDH", "quantity": "1", "service_date": "2026-11-02"}]}
    )
    invoice = invoicing.issue(ctx, draft.pk)
    used = api.post(
        f"/administrations/{admin}/customers/{customer.pk}/credit/apply",
        {"invoice_id": invoice.pk, "amount": str(invoice.amount_open)},
    )
    assert used.status_code == 200 and used.json()["credit"] == str(Decimal("484.00") - invoice.amount_open)
    too_much = api.post(
        f"/administrations/{admin}/customers/{customer.pk}/credit/apply", {"invoice_id": invoice.pk, "amount": "1.00"}
    )
    assert too_much.status_code == 422
