"""Filters and tags for the web UI: money in the user's language, form fields with their errors."""

from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import format_currency, format_decimal
from django import template
from django.utils.http import urlencode
from django.utils.translation import get_language, to_locale

register = template.Library()


def _locale() -> str:
    return to_locale(get_language() or "en")


@register.filter
def money(amount: Any, currency: str = "EUR") -> str:
    """`{{ invoice.tax_inclusive|money:invoice.currency }}` → "€ 1.234,50" in Dutch."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    return format_currency(value, currency or "EUR", locale=_locale())


@register.filter
def number(amount: Any) -> str:
    """A quantity or rate without trailing zeros, in the user's language."""
    if amount is None or amount == "":
        return ""
    value = Decimal(str(amount)).normalize()
    if value == value.to_integral():
        value = value.quantize(Decimal(1))
    return format_decimal(value, locale=_locale())


@register.filter
def get(mapping: Any, key: Any) -> Any:
    if mapping is None:
        return None
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.simple_tag(takes_context=True)
def query(context: template.Context, **changes: Any) -> str:
    """The current query string with some parameters replaced (sorting, paging, filters)."""
    request = context["request"]
    params = request.GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    if "page" not in changes:
        params.pop("page", None)
    encoded = urlencode(sorted((k, v) for k, v in params.items()))
    return f"?{encoded}" if encoded else "?"


@register.inclusion_tag("web/_field.html", takes_context=True)
def field(
    context: template.Context,
    name: str,
    label: str,
    type: str = "text",
    choices: Any = None,
    required: bool = False,
    help: str = "",
    value: Any = None,
    attrs: str = "",
) -> dict[str, Any]:
    form = context.get("form") or {}
    errors = context.get("errors") or {}
    current = value if value is not None else form.get(name, "")
    return {
        "name": name,
        "label": label,
        "type": type,
        "choices": choices or [],
        "required": required,
        "help": help,
        "value": "" if current is None else current,
        "field_errors": errors.get(name, []),
        "attrs": attrs,
    }


@register.filter
def qty_errors(errors: Any, line_id: Any) -> list[str]:
    """The messages for the credit-note quantity input of one line."""
    return (errors or {}).get(f"qty_{line_id}", [])


@register.filter
def qty_value(form: Any, line_id: Any) -> str:
    return (form or {}).get(f"qty_{line_id}", "")


@register.filter
def item_name(item: Any) -> str:
    """An item's name in the user's language, else its English or first name."""
    return item.name((get_language() or "en")[:2])
