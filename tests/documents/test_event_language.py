"""A sending's trail is stored as kinds and parameters and read in the reader's language:
the same events show in Dutch to a Dutch clerk and in French to a French one."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone, translation

from facturo.documents import services


def test_the_trail_is_worded_in_the_readers_language(ctx, issued, smtp_server, mail_settings):
    [sending] = services.schedule(ctx, [issued.pk], at=timezone.now() + timedelta(hours=2))
    services.deliver_due(now=timezone.now() + timedelta(hours=3))
    events = list(services.events(sending))
    assert [e.kind for e in events] == ["scheduled", "attempt", "sent"]
    assert all("attempt" not in e.message and "for " not in e.message for e in events)
    with translation.override("en"):
        assert events[1].text() == "attempt 1"
        assert events[2].text().startswith("E-mail to facturen@delinde.example: <facturo.")
    with translation.override("nl"):
        assert events[1].text() == "poging 1"
        assert events[0].text().startswith("voor ")
        assert events[2].kind_label() == "verzonden"
    with translation.override("fr"):
        assert events[1].text() == "tentative 1"
    with translation.override("pl"):
        assert events[1].text() == "próba 1"


def test_the_sending_page_shows_the_trail_in_the_users_language(ctx, client, owner, issued, smtp_server,
                                                                 mail_settings):
    [sending] = services.schedule(ctx, [issued.pk])
    services.deliver_due()
    client.force_login(owner)
    page = client.get(reverse("web:sending", args=[sending.pk]), headers={"accept-language": "nl"})
    body = page.content.decode()
    assert "poging 1" in body and "attempt 1" not in body
