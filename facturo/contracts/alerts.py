"""Alerts for the dashboard, the CLI and the responsible user's e-mail: contracts ending or
reaching their notice deadline, indexations due, sites without a contract."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q
from django.utils import timezone

from facturo.administrations.access import Action, Context

from .indexation import next_indexation
from .models import Contract, PriceIndexation
from .services import notice_deadline
from .usage import sites_without_contract


@dataclass(frozen=True)
class Alert:
    kind: str
    due: date
    subject: str
    message: str
    contract_id: int | None = None


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
        result.append(Alert("ending", last, c.number, f"{c.customer.name}: ends on {last.isoformat()}", c.pk))
    for c in live.filter(end_date__isnull=False, termination_date__isnull=True).select_related("customer"):
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
                )
            )
    indexed = set(PriceIndexation.objects.filter(contract__in=live).values_list("contract_id", "effective_from"))
    for c in live.exclude(indexation="").select_related("customer"):
        due = next_indexation(c, today)
        if due is not None and due <= horizon and (c.pk, due) not in indexed:
            result.append(Alert("indexation", due, c.number, f"{c.customer.name}: price indexation due", c.pk))
    for site in sites_without_contract(ctx, today).filter(customer__contracts__isnull=False).distinct()[:200]:
        result.append(Alert("site", today, site.code, f"{site.name}: no contract covers this site"))
    return sorted(result, key=lambda a: (a.due, a.kind, a.subject))
