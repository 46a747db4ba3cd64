"""Background tasks (Django's Tasks API): one task per chunk of a billing run.

Any `facturo db_worker` on any machine takes them; a chunk taken twice (a retried task, two
workers) is done once, as `process_chunk` locks it and skips it when done."""

from django_tasks import task

from . import services


@task()
def run_chunk(run_id: int, chunk_id: int) -> bool:
    return services.process_chunk(run_id, chunk_id)
