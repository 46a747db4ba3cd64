"""Default subject and body of the invoice mail per language and document kind (Django
template syntax; an administration can override each in its settings)."""

from django.template import Context, Engine, Template, TemplateSyntaxError

_ENGINE = Engine(autoescape=False, libraries={}, builtins=["django.template.defaultfilters"])

DEFAULTS: dict[tuple[str, str], tuple[str, str]] = {
    ("invoice", "en"): (
        "Invoice {{ number }} from {{ administration }}",
        "Dear {{ customer }},\n\nPlease find attached invoice {{ number }} of {{ issue_date }} for "
        "{{ amount }}, due on {{ due_date }}.\nPlease state payment reference {{ payment_reference }} "
        "with your payment.\n\nKind regards,\n{{ administration }}\n",
    ),
    ("invoice", "nl"): (
        "Factuur {{ number }} van {{ administration }}",
        "Geachte {{ customer }},\n\nIn de bijlage vindt u factuur {{ number }} van {{ issue_date }} over "
        "{{ amount }}, te voldoen vóór {{ due_date }}.\nVermeld bij betaling het kenmerk "
        "{{ payment_reference }}.\n\nMet vriendelijke groet,\n{{ administration }}\n",
    ),
    ("invoice", "fr"): (
        "Facture {{ number }} de {{ administration }}",
        "Madame, Monsieur,\n\nVeuillez trouver ci-joint la facture {{ number }} du {{ issue_date }} d'un "
        "montant de {{ amount }}, payable avant le {{ due_date }}.\nMerci de mentionner la communication "
        "{{ payment_reference }} lors du paiement.\n\nCordialement,\n{{ administration }}\n",
    ),
    ("invoice", "pl"): (
        "Faktura {{ number }} od {{ administration }}",
        "Szanowni Państwo,\n\nw załączeniu przesyłamy fakturę {{ number }} z dnia {{ issue_date }} na kwotę "
        "{{ amount }}, płatną do {{ due_date }}.\nProsimy o podanie w tytule przelewu: "
        "{{ payment_reference }}.\n\nZ poważaniem,\n{{ administration }}\n",
    ),
    ("credit_note", "en"): (
        "Credit note {{ number }} from {{ administration }}",
        "Dear {{ customer }},\n\nPlease find attached credit note {{ number }} of {{ issue_date }} for "
        "{{ amount }}, correcting invoice {{ corrects }}.\n\nKind regards,\n{{ administration }}\n",
    ),
    ("credit_note", "nl"): (
        "Creditnota {{ number }} van {{ administration }}",
        "Geachte {{ customer }},\n\nIn de bijlage vindt u creditnota {{ number }} van {{ issue_date }} over "
        "{{ amount }}, ter correctie van factuur {{ corrects }}.\n\nMet vriendelijke groet,\n"
        "{{ administration }}\n",
    ),
    ("credit_note", "fr"): (
        "Note de crédit {{ number }} de {{ administration }}",
        "Madame, Monsieur,\n\nVeuillez trouver ci-joint la note de crédit {{ number }} du {{ issue_date }} "
        "d'un montant de {{ amount }}, qui corrige la facture {{ corrects }}.\n\nCordialement,\n"
        "{{ administration }}\n",
    ),
    ("credit_note", "pl"): (
        "Faktura korygująca {{ number }} od {{ administration }}",
        "Szanowni Państwo,\n\nw załączeniu przesyłamy fakturę korygującą {{ number }} z dnia {{ issue_date }} "
        "na kwotę {{ amount }} do faktury {{ corrects }}.\n\nZ poważaniem,\n{{ administration }}\n",
    ),
}

PLACEHOLDERS = ("number", "administration", "customer", "issue_date", "due_date", "amount",
                "payment_reference", "corrects")


def compile_text(text: str) -> Template:
    """TemplateSyntaxError with Django's message when the text is not a valid template."""
    return _ENGINE.from_string(text)


def render_text(text: str, values: dict[str, str]) -> str:
    return compile_text(text).render(Context(values))


__all__ = ["DEFAULTS", "PLACEHOLDERS", "TemplateSyntaxError", "compile_text", "render_text"]
