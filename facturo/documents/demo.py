"""Demo data for documents and delivery: branding with a drawn logo, a local SMTP server
(e.g. a mail catcher on 127.0.0.1:1025), and the latest issued invoices scheduled for
tomorrow 07:00, so the outbox has something to show without anything leaving the machine."""

import io
from datetime import datetime, time, timedelta

from django.utils import timezone
from PIL import Image, ImageDraw

from facturo.administrations.access import Context
from facturo.invoicing.models import Invoice, InvoiceState

from . import services

COLOURS = {"NL": ("#1f4e79", "#e8eef5"), "BE": ("#7a1f2b", "#f6eaec"), "PL": ("#1d5c3a", "#e7f2ec")}


def _logo(colour: str, initials: str) -> bytes:
    image = Image.new("RGB", (360, 120), "white")
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((4, 4, 116, 116), radius=18, fill=colour)
    draw.text((60, 60), initials, fill="white", anchor="mm", font_size=56)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def setup(ctx: Context, *, schedule: int = 12) -> int:
    admin = ctx.administration
    primary, accent = COLOURS.get(admin.country, COLOURS["NL"])
    initials = "".join(word[0] for word in admin.name.split()[:2]).upper()
    services.update_branding(
        ctx,
        {"primary_colour": primary, "accent_colour": accent, "show_open_items": "1",
         "footer_text": "Demo: " + admin.name},
        logo=_logo(primary, initials),
    )
    services.update_mail_settings(
        ctx, {"smtp_host": "127.0.0.1", "smtp_port": "1025", "smtp_security": "none",
              "from_email": f"facturen@{admin.code}.example"},
    )
    tomorrow = timezone.localdate() + timedelta(days=1)
    at = timezone.make_aware(datetime.combine(tomorrow, time(7, 0)))
    ids = list(
        Invoice.objects.filter(administration=admin, state=InvoiceState.ISSUED)
        .order_by("-id")
        .values_list("pk", flat=True)[:schedule]
    )
    return len(services.schedule(ctx, ids, at=at)) if ids else 0
