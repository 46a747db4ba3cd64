"""Alerts for the dashboard, the CLI and the responsible user's e-mail: contracts ending or
reaching their notice deadline, indexations due, sites without a contract."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Q
from django.utils import timezone

from facturo.administrations.access import Action, Context

from .indexation import next_indexation
from .models import Contract, PriceIndexation
from .services import notice_deadline
from .usage import sites_with_usage_without_contract


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


def mail_alerts(ctx: Context, *, days: int = 60, today: date | None = None) -> dict[str, int]:
    """One e-mail per responsible user with their contracts' alerts; alerts without a
    responsible user (and uncovered sites) go to the administration's own address.
    Returns the number of alerts sent per address."""
    found = alerts(ctx, days=days, today=today)
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in={a.responsible_id for a in found} - {None})}
    per_address: dict[str, list[Alert]] = {}
    for alert in found:
        user = users.get(alert.responsible_id or -1)
        address = getattr(user, "email", "") or ctx.administration.email
        if address:
            per_address.setdefault(address, []).append(alert)
    for address, items in per_address.items():
        body = "\n".join(f"{a.due.isoformat()}  {a.kind:<10} {a.subject}: {a.message}" for a in items)
        send_mail(
            f"{ctx.administration.name}: {len(items)} contract alert(s)",
            body,
            None,
            [address],
        )
    return {address: len(items) for address, items in per_address.items()}
