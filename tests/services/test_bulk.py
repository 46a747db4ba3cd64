"""Set-based writes: the bulk helpers write what they are given, whatever the column set."""

from facturo.db import bulk
from facturo.parties.models import Customer


def test_updates_of_one_model_with_different_columns_in_one_transaction(ctx, customer):
    # On PostgreSQL each update stages its rows in a temporary table that outlives the
    # statement; a second column set must not collide with the first one's table.
    customer.name = "Renamed once"
    bulk.update(Customer, [customer], ["name"])
    customer.city = "Amersfoort"
    customer.credit_limit = 1000
    bulk.update(Customer, [customer], ["city", "credit_limit"])
    customer.refresh_from_db()
    assert (customer.name, customer.city, customer.credit_limit) == ("Renamed once", "Amersfoort", 1000)


def test_json_columns_read_back_as_written_and_none_is_sql_null(ctx, customer):
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    changes = {"name": ["Café Ü", "Zoë \"quoted\" \\ ☃"], "lines": [1, None, True, {"nested": "ß"}]}
    rows = [
        bulk.Row(
            content_type_id=ContentType.objects.get_for_model(Customer).pk,
            object_pk=str(customer.pk),
            object_id=customer.pk,
            object_repr=label,
            action=LogEntry.Action.UPDATE,
            changes=value,
            changes_text="",
            actor_id=None,
            timestamp=timezone.now(),
        )
        for label, value in (("with changes", changes), ("without", None))
    ]
    bulk.insert(LogEntry, rows)
    written = LogEntry.objects.filter(object_repr="with changes").get()
    assert written.changes == changes
    assert LogEntry.objects.filter(object_repr="without", changes__isnull=True).exists()
