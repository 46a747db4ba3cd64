"""The one door to the e-invoice half of facturo (`facturo.einvoicing.services`): formats,
pre-send validation, and the XML. Imported lazily so documents work on their own."""

from collections.abc import Sequence
from typing import Any

# Export/CLI names → the e-invoice format that carries them.
EXPORT_FORMATS = {"peppol": "peppol", "nlcius": "nlcius", "facturx": "cii", "ksef": "ksef"}
FILE_NAMES = {"peppol": "{number}.peppol.xml", "nlcius": "{number}.nlcius.xml", "cii": "factur-x.xml",
              "ksef": "{number}.ksef.xml"}


def _services() -> Any:
    from facturo.einvoicing import services

    return services


def formats_for(invoice: Any) -> list[str]:
    return list(_services().formats_for(invoice))


def check(invoice: Any, fmt: str) -> list[Any]:
    return list(_services().check(invoice, fmt))


def build(invoice: Any, fmt: str, attachments: Sequence[tuple[str, str, bytes, str]] = ()) -> bytes:
    services = _services()
    files = [services.Attachment(filename=n, mime_type=m, content=c, description=d) for n, m, c, d in attachments]
    return bytes(services.build(invoice, fmt, attachments=files))


def rejected_type() -> type[Exception]:
    return _services().EInvoiceRejected  # type: ignore[no-any-return]


def problems_of(exc: Exception) -> list[dict[str, str]]:
    return [problem_dict(p) for p in getattr(exc, "problems", [])]


def problem_dict(problem: Any) -> dict[str, str]:
    return {"rule": problem.rule, "path": problem.path, "message": problem.message}


def available() -> bool:
    try:
        _services()
    except ImportError:
        return False
    return True
