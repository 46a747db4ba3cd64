"""Alerts for the dashboard, the CLI and the responsible user's e-mail: contracts ending or
reaching their notice deadline, indexations due, sites without a contract."""

import logging
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Min, Q
from django.utils import timezone

from facturo.administrations.access import Action, Context, context_for
from facturo.administrations.models import Administration, Membership, Role
from facturo.documents import channels
from facturo.documents.services import document_settings, smtp_server

from .indexation import next_indexation
from .models import AlertMail, Contract, PriceIndexation, UsageRecord
from .services import notice_deadline
from .usage import sites_with_usage_without_contract

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Alert:
    kind: str
    due: date
    subject: str
    message: str
    contract_id: int | None = None
    responsible_id: int | None = None


def alerts(ctx: Context, *, days: int = 60, today: date | None = None) -> list[Alert]:
    ctx.require(Action.VIEW)
    today = today or timezone.localdate()
    horizon = today + timedelta(days=days)
    result: list[Alert] = []
    live = Contract.objects.filter(administration=ctx.administration).filter(
        Q(termination_date__isnull=True) | Q(termination_date__gte=today)
    )
    for c in live.filter(
        Q(end_date__gte=today, end_date__lte=horizon, auto_renew=False)
        | Q(termination_date__gte=today, termination_date__lte=horizon)
    ).select_related("customer"):
        last = c.last_day
        assert last is not None
        result.append(
            Alert("ending", last, c.number, f"{c.customer.name}: ends on {last.isoformat()}", c.pk, c.responsible_id)
        )
    for c in live.filter(end_date__isnull=False, termination_date__isnull=True, notice_months__gt=0).select_related(
        "customer"
    ):
        deadline = notice_deadline(c)
        if deadline is not None and today <= deadline <= horizon:
            what = "renews automatically" if c.auto_renew else "ends"
            result.append(
                Alert(
                    "notice",
                    deadline,
                    c.number,
                    f"{c.customer.name}: last day to give notice ({c.notice_months} months) before it {what} "
                    f"on {c.end_date.isoformat() if c.end_date else ''}",
                    c.pk,
                    c.responsible_id,
                )
            )
    indexed = set(PriceIndexation.objects.filter(contract__in=live).values_list("contract_id", "effective_from"))
    for c in live.exclude(indexation="").select_related("customer"):
        due = next_indexation(c, today)
        if due is not None and due <= horizon and (c.pk, due) not in indexed:
            result.append(
                Alert("indexation", due, c.number, f"{c.customer.name}: price indexation due", c.pk, c.responsible_id)
            )
    for site in sites_with_usage_without_contract(ctx)[:200]:
        result.append(Alert("site", today, site.code, f"{site.name}: usage was imported, but no contract covers it"))
    return sorted(result, key=lambda a: (a.due, a.kind, a.subject))


def _mail_key(ctx: Context, alert: Alert) -> tuple[str, str, date]:
    """What makes an alert the same alert for e-mail: its kind, subject and due day; for a
    site without a contract, the first day of its uncovered usage (the alert itself is dated
    today, every day, as long as it stands)."""
    if alert.kind != "site":
        return alert.kind, alert.subject[:60], alert.due
    first = UsageRecord.objects.filter(
        administration=ctx.administration, site__code=alert.subject, contract__isnull=True, billed=False
    ).aggregate(first=Min("day"))["first"]
    return alert.kind, alert.subject[:60], first or alert.due


def _send(ctx: Context, address: str, subject: str, body: str) -> None:
    """Through the administration's SMTP server when one is set (as invoices go out), else
    through the site's default mail backend."""
    settings = document_settings(ctx)
    if settings.smtp_host and settings.from_email:
        server = smtp_server(settings)
        host = settings.from_email.rsplit("@", 1)[-1]
        channels.send_mail(
            server,
            channels.Mail(
                sender=settings.from_email,
                to=[address],
                subject=subject,
                body=body,
                files=[],
                message_id=f"<facturo.alerts.{ctx.administration.pk}.{uuid.uuid4().hex}@{host}>",
            ),
        )
    else:
        send_mail(subject, body, None, [address])


def mail_alerts(ctx: Context, *, days: int = 60, today: date | None = None) -> dict[str, int]:
    """E-mail each alert once: to the contract's responsible user, or (without one, and for
    uncovered sites) to the administration's own address. An alert mailed before is not
    mailed again; a mail that fails is not recorded (and not counted), so the next call
    tries it again.
    Returns the number of alerts sent per address."""
    found = alerts(ctx, days=days, today=today)
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in={a.responsible_id for a in found} - {None})}
    sent = set(AlertMail.objects.filter(administration=ctx.administration).values_list("kind", "subject", "due"))
    per_address: dict[str, list[tuple[Alert, tuple[str, str, date]]]] = {}
    for alert in found:
        key = _mail_key(ctx, alert)
        if key in sent:
            continue
        user = users.get(alert.responsible_id or -1)
        address = getattr(user, "email", "") or ctx.administration.email
        if address:
            per_address.setdefault(address, []).append((alert, key))
    result: dict[str, int] = {}
    for address, items in per_address.items():
        body = "\n".join(f"{a.due.isoformat()}  {a.kind:<10} {a.subject}: {a.message}" for a, _ in items)
        try:
            with transaction.atomic():
                # Claimed first (unique in the database), sent, then committed: two senders at
                # once cannot both mail it, and a failed send leaves no claim behind.
                AlertMail.objects.bulk_create(
                    [
                        AlertMail(administration=ctx.administration, kind=k, subject=s, due=d, address=address)
                        for _, (k, s, d) in items
                    ]
                )
                _send(ctx, address, f"{ctx.administration.name}: {len(items)} contract alert(s)", body)
        except IntegrityError:
            continue  # another sender mailed them at the same moment
        except (OSError, channels.Permanent) as exc:
            # Not claimed, so tomorrow's call tries again; the other addresses still get theirs.
            logger.warning("alert mail to %s for %s failed: %s", address, ctx.administration.code, exc)
            continue
        result[address] = len(items)
    return result


def mail_all_alerts(*, days: int = 60, today: date | None = None) -> dict[str, dict[str, int]]:
    """Mail the new alerts of every administration (what the scheduled task does), each
    through the context of one of its administrators."""
    result: dict[str, dict[str, int]] = {}
    for admin in Administration.objects.order_by("id"):
        membership = (
            Membership.objects.filter(administration=admin, role=Role.ADMIN)
            .select_related("user")
            .order_by("id")
            .first()
        )
        if membership is None:
            continue
        result[admin.code] = mail_alerts(context_for(membership.user, admin), days=days, today=today)
    return result
