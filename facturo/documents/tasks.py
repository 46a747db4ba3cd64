"""Background tasks (Django's Tasks API, run by `facturo db_worker`). They only call services.

A sending's task is enqueued to run at its time; when the backend cannot defer, or a queue
loses a task, `deliver_due` (the `facturo documents send-due` command, or its task) sends
whatever is due, and the outbox's state transitions keep that from sending anything twice."""

from datetime import datetime

from django.utils import timezone
from django_tasks import default_task_backend, task

from . import services


@task()
def deliver_sending(sending_id: int) -> str | None:
    return services.deliver(sending_id)


@task()
def print_batch(administration_id: int) -> int | None:
    batch = services.make_print_batch(administration_id)
    return batch.pk if batch else None


@task()
def deliver_due() -> dict[str, int]:
    result = services.deliver_due()
    return {"sent": result.sent, "retrying": result.retrying, "failed": result.failed,
            "print_batches": result.print_batches}


def _later(when: datetime) -> datetime | None:
    if when <= timezone.now() or not default_task_backend.supports_defer:
        return None
    return when


def enqueue_delivery(sending_id: int, when: datetime) -> None:
    run_after = _later(when)
    (deliver_sending.using(run_after=run_after) if run_after else deliver_sending).enqueue(sending_id)


def enqueue_print_batch(administration_id: int, when: datetime) -> None:
    run_after = _later(when)
    (print_batch.using(run_after=run_after) if run_after else print_batch).enqueue(administration_id)
