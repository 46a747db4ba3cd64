"""Alert e-mails: each alert once to the responsible user, through the administration's SMTP
server (a real one here), by the scheduled task or the CLI."""

from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from facturo.contracts import alerts, tasks
from facturo.contracts import services as contracts
from facturo.contracts.models import AlertMail
from facturo.contracts.usage import record_usage
from tests.documents.conftest import mail_settings, smtp_server  # noqa: F401  (fixtures)

from .conftest import monthly

TODAY = date(2026, 11, 20)


def test_each_alert_is_mailed_once_to_the_responsible_user(ctx, customers, owner, smtp_server, mail_settings):  # noqa: F811
    contracts.create_contract(ctx, monthly(customers[0], number="E-1", end_date="2026-12-31", responsible="owner"))
    record_usage(ctx, [{"reference": "u", "site": "S11", "kind": "callout", "date": "2026-11-02", "quantity": "1"}])

    ctx.administration.email = "kantoor@vandijk.example"  # where alerts without a responsible user go
    ctx.administration.save(update_fields=["email"])

    sent = alerts.mail_alerts(ctx, days=60, today=TODAY)
    assert sent == {owner.email: 1, "kantoor@vandijk.example": 1}
    mine = next(m for m in smtp_server.messages if m["To"] == owner.email)
    assert mine["From"] == "facturen@vandijk.example"
    assert "E-1" in mine.get_content() and "ends on 2026-12-31" in mine.get_content()

    # The next day the same alerts stand: nothing is mailed again; a new one is.
    assert alerts.mail_alerts(ctx, days=60, today=TODAY + timedelta(days=1)) == {}
    contracts.create_contract(
        ctx, monthly(customers[1], number="E-2", site="S10", end_date="2026-12-15", responsible="owner")
    )
    assert alerts.mail_alerts(ctx, days=60, today=TODAY + timedelta(days=1)) == {owner.email: 1}
    assert len(smtp_server.messages) == 3
    assert AlertMail.objects.count() == 3


def test_a_refused_mail_is_tried_again_later(ctx, customers, owner, smtp_server, mail_settings):  # noqa: F811
    contracts.create_contract(ctx, monthly(customers[0], number="E-1", end_date="2026-12-31", responsible="owner"))
    smtp_server.refuse_data = "451 try later"
    assert alerts.mail_alerts(ctx, days=60, today=TODAY) == {}  # refused: not sent, not raised
    assert not AlertMail.objects.exists()
    smtp_server.refuse_data = None
    assert alerts.mail_alerts(ctx, days=60, today=TODAY) == {owner.email: 1}


def test_the_daily_task_mails_and_schedules_the_next_morning(ctx, customers, owner, smtp_server, mail_settings):  # noqa: F811
    contracts.create_contract(
        ctx,
        monthly(
            customers[0],
            number="E-1",
            end_date=(timezone.localdate() + timedelta(days=10)).isoformat(),
            responsible="owner",
        ),
    )
    result = tasks.mail_alerts_daily.call(60, repeat=False)
    assert result == {ctx.administration.code: {owner.email: 1}}
    assert tasks.mail_alerts_daily.call(60, repeat=False) == {ctx.administration.code: {}}
    assert len(smtp_server.messages) == 1
    morning = tasks.next_morning(timezone.make_aware(datetime(2026, 11, 20, 22, 30)))
    assert timezone.localtime(morning).replace(tzinfo=None) == datetime(2026, 11, 21, 7, 0)


def test_the_cli_mails_new_alerts_once(ctx, customers, owner, smtp_server, mail_settings, capsys):  # noqa: F811
    contracts.create_contract(
        ctx,
        monthly(
            customers[0],
            number="E-1",
            end_date=(timezone.localdate() + timedelta(days=10)).isoformat(),
            responsible="owner",
        ),
    )
    call_command("contracts", "alerts", "--mail", "--administration", ctx.administration.code, "--user", "owner")
    call_command("contracts", "alerts", "--mail", "--administration", ctx.administration.code, "--user", "owner")
    out = capsys.readouterr().out
    assert f"{owner.email}: 1 alert(s)" in out and "0 e-mail(s) sent" in out
    assert len(smtp_server.messages) == 1


def test_the_daily_task_queues_tomorrow_even_when_today_fails(monkeypatch):
    queued = []

    def broken(**_):
        raise RuntimeError("database went away")

    monkeypatch.setattr(tasks.alerts, "mail_all_alerts", broken)
    monkeypatch.setattr(tasks, "schedule_alert_mails", queued.append)
    with pytest.raises(RuntimeError):
        tasks.mail_alerts_daily.call(30, repeat=True)
    assert queued == [30]
