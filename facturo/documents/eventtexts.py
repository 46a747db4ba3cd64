"""The words of a sending's trail, in the language of whoever reads it.

Events store a kind, parameters and (only) text that came from elsewhere; this module turns
them into a sentence when a screen or the API shows them, so a Dutch clerk reads Dutch
and a French one French about the same sending."""

from datetime import datetime
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .models import Channel


def kind_label(kind: str) -> str:
    labels = {
        "scheduled": pgettext("sending event", "scheduled"),
        "resend": pgettext("sending event", "resend"),
        "attempt": pgettext("sending event", "attempt"),
        "sent": pgettext("sending event", "sent"),
        "retry": pgettext("sending event", "retry"),
        "failed": pgettext("sending event", "failed"),
        "rejected": pgettext("sending event", "rejected"),
        "bounced": pgettext("sending event", "bounced"),
        "cancelled": pgettext("sending event", "cancelled"),
        "released": pgettext("sending event", "released"),
    }
    return labels.get(kind, kind)


def _when(value: str) -> str:
    moment = datetime.fromisoformat(value)
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def describe(kind: str, message: str, params: dict[str, Any]) -> str:
    if not params:
        return message
    code = params.get("code", kind)
    if code == "scheduled_for":
        return _("for %(when)s") % {"when": _when(params["at"])}
    if code == "send_now":
        return _("to send now")
    if code == "attempt":
        return _("attempt %(number)d") % {"number": params["number"]}
    if code == "sent":
        channel = Channel(params["channel"]).label if params.get("channel") in Channel.values else params["channel"]
        return _("%(channel)s to %(recipient)s: %(transmission)s") % {
            "channel": channel,
            "recipient": params.get("recipient", ""),
            "transmission": params.get("transmission", ""),
        }
    if code == "retry_at":
        return _("%(reason)s; next attempt at %(when)s") % {"reason": message, "when": _when(params["at"])}
    if code == "gave_up":
        values = {"attempts": params["attempts"], "reason": message}
        return _("gave up after %(attempts)d attempts: %(reason)s") % values
    if code == "by_clerk":
        return _("by the clerk") + (f": {message}" if message else "")
    return message
