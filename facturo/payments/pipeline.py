"""Writing an import's chunks on a second thread while the caller prepares the next chunk.

A large statement is booked in chunks inside ONE transaction. Preparing a chunk (matching,
building rows) is Python work; writing it (COPY, the settlement update, the foreign-key
checks) is mostly the database's work, during which the driver releases the GIL. Done in turn,
the import takes the sum of the two; with the writes on a second thread that shares the
caller's connection (and so its transaction), it takes little more than the larger of them.

Rules that keep this sound:
* the writer runs the jobs in the order given, one at a time, on the caller's connection;
* while jobs are under way the caller does not touch the database itself: it calls `drain()`
  first, which waits for the writer and re-raises a job's error;
* after a job fails no further job runs; the error reaches the caller at its next `submit`,
  `drain` or at the end of the `with` block, and the caller's transaction rolls everything back.

On SQLite (one writer at a time, no server to overlap with) the jobs run at once, inline."""

import queue
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from facturo.db.constraints import immediate_constraints as immediate_constraints  # where the imports use it

Job = Callable[[], Any]
_STOP = object()


class Pipeline:
    def __init__(self, *, threaded: bool | None = None, depth: int = 2) -> None:
        self._connection = connections[DEFAULT_DB_ALIAS]
        self._threaded = self._connection.vendor == "postgresql" if threaded is None else threaded
        # A bounded queue: the caller runs at most `depth` chunks ahead of the writer.
        self._jobs: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._cancelled = False
        self._thread: threading.Thread | None = None

    def __enter__(self) -> "Pipeline":
        if self._threaded:
            self._connection.inc_thread_sharing()
            self._thread = threading.Thread(target=self._run, name="import-writer", daemon=True)
            self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._thread is not None:
            # The caller failed: the jobs still queued are not run, as everything rolls back.
            self._cancelled = kind is not None
            self._jobs.put(_STOP)
            self._thread.join()
            self._thread = None
            self._connection.dec_thread_sharing()
        if kind is None:
            self._raise()

    def submit(self, job: Job) -> None:
        """Run `job` (a callable that writes through the ORM or `facturo.db.bulk`) after the
        jobs before it."""
        self._raise()
        if self._thread is None:
            job()
        else:
            self._jobs.put(job)

    def drain(self) -> None:
        """Wait until every job submitted so far has run; the caller may then use the database."""
        if self._thread is not None:
            self._jobs.join()
        self._raise()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        # The caller's connection object, not a new one: the same session, the same transaction.
        connections[DEFAULT_DB_ALIAS] = self._connection
        try:
            while True:
                job = self._jobs.get()
                try:
                    if job is _STOP:
                        return
                    if self._error is None and not self._cancelled:
                        job()
                except BaseException as exc:  # handed to the caller's thread
                    self._error = exc
                finally:
                    self._jobs.task_done()
        finally:
            del connections[DEFAULT_DB_ALIAS]
