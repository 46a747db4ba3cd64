"""Background tasks of contracts (Django's Tasks API, run by `facturo db_worker`): they only
call services. The alert mail task schedules its own next run for the next morning, so one
`facturo contracts alerts --schedule` keeps the alerts going out daily."""

from datetime import datetime, time, timedelta

from django.utils import timezone
from django_tasks import default_task_backend, task

from . import alerts

SEND_AT = time(7, 0)


def next_morning(now: datetime | None = None) -> datetime:
    now = timezone.localtime(now)
    return timezone.make_aware(datetime.combine(now.date() + timedelta(days=1), SEND_AT))


@task()
def mail_alerts_daily(days: int = 60, repeat: bool = True) -> dict[str, dict[str, int]]:
    """Mail every administration's new alerts (each alert once), then queue tomorrow's run."""
    try:
        return alerts.mail_all_alerts(days=days)
    finally:
        # Whatever went wrong today, tomorrow's run stays queued: the chain must not end.
        if repeat:
            schedule_alert_mails(days)


def schedule_alert_mails(days: int = 60) -> None:
    """Queue the alert mails for the next morning (at once where the backend cannot defer)."""
    if default_task_backend.supports_defer:
        mail_alerts_daily.using(run_after=next_morning()).enqueue(days)
    else:
        mail_alerts_daily.enqueue(days, repeat=False)
