"""Translatable labels for the codes the models store (their own labels are not marked)."""

from django.utils.translation import gettext_lazy as _

INVOICE_STATUS = {
    "draft": _("Draft"),
    "approved": _("Approved"),
    "issued": _("Issued"),
    "open": _("Open"),
    "partially_paid": _("Partially paid"),
    "paid": _("Paid"),
    "credited": _("Credited"),
    "written_off": _("Written off"),
}
STATUS_TABS = ["draft", "approved", "open", "partially_paid", "paid", "credited", "written_off"]

CHARGE_STATE = {
    "open": _("Open"),
    "invoiced": _("Invoiced"),
    "deferred": _("Deferred"),
    "skipped": _("Skipped"),
}

DOCUMENT_KIND = {"invoice": _("Invoice"), "credit_note": _("Credit note")}

ROLE = {
    "admin": _("Administrator"),
    "billing_clerk": _("Billing clerk"),
    "collector": _("Collector"),
    "auditor": _("Auditor (read-only)"),
}

GROUPING = [
    ("per_customer", _("One invoice per customer")),
    ("per_contract", _("One invoice per contract")),
    ("per_site", _("One invoice per site")),
    ("collective_period", _("One collective invoice per customer and period")),
]

LANGUAGE = [
    ("nl", _("Dutch")), ("en", _("English")), ("fr", _("French")), ("pl", _("Polish")), ("de", _("German")),
]

TERMS_BASIS = [
    ("invoice_date", _("Days after invoice date")),
    ("end_of_month", _("Days after end of invoice month")),
    ("end_of_month_after", _("End of month after days")),
]

DELIVERY_CHANNEL = [("email", _("E-mail")), ("peppol", _("PEPPOL")), ("print", _("Print"))]

CATEGORY = [("b2b", _("Business")), ("consumer", _("Consumer")), ("government", _("Government"))]

VAT_CATEGORY = [
    ("S", _("S – standard or reduced rate")),
    ("Z", _("Z – zero rated")),
    ("E", _("E – exempt")),
    ("AE", _("AE – reverse charge")),
    ("K", _("K – intra-community supply")),
    ("G", _("G – export outside the EU")),
    ("O", _("O – outside the scope of VAT")),
]

VAT_KIND = [
    ("standard", _("Standard")),
    ("reduced", _("Reduced")),
    ("super_reduced", _("Second reduced")),
    ("zero", _("Zero")),
    ("none", _("No VAT")),
]

ACCOUNT_KIND = {
    "asset": _("Asset"),
    "liability": _("Liability"),
    "equity": _("Equity"),
    "revenue": _("Revenue"),
    "expense": _("Expense"),
}
