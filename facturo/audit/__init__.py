"""The audit trail: django-auditlog records single saves through its signals; the bulk
paths (drafting, issuing) write the same log entries here, one per changed record."""

from collections.abc import Callable, Iterable
from typing import Any

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from facturo.db import bulk


def log_bulk(
    model: type[models.Model],
    objects: Iterable[models.Model],
    changes: Callable[[Any], dict[str, list[Any]]],
    actor: Any,
    action: int = LogEntry.Action.UPDATE,
    describe: Callable[[Any], str] = str,
) -> None:
    content_type = ContentType.objects.get_for_model(model)
    now = timezone.now()
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    bulk.insert(
        LogEntry,
        [
            bulk.Row(
                content_type_id=content_type.pk,
                object_pk=str(obj.pk),
                object_id=obj.pk,
                object_repr=describe(obj)[:200],
                action=action,
                changes=changes(obj),
                changes_text="",
                actor_id=actor_id,
                timestamp=now,
            )
            for obj in objects
        ],
    )
