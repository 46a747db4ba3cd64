"""What every benchmark shares: a database of its own, Django set up and migrated on it, and
a fresh administration to work in.

The database is FACTURO_DATABASE_URL when set, else a new SQLite file under var/, so a run
never mixes with the demo's data."""

import os
import time
from pathlib import Path
from typing import Any


def start_django(name: str) -> None:
    """Point Django at the benchmark's database, set it up and migrate it."""
    if not os.environ.get("FACTURO_DATABASE_URL"):
        path = Path("var") / f"{name}-{os.getpid()}.sqlite3"
        path.parent.mkdir(exist_ok=True)
        os.environ["FACTURO_DATABASE_URL"] = f"sqlite:///{path.resolve()}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "facturo.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def bench_administration(letter: str, name: str, fields: dict[str, Any]) -> Any:
    """A new user and administration (code: the letter and the clock, so runs never collide);
    returns the user's context in it. `name` may hold `{code}`."""
    from django.contrib.auth import get_user_model

    from facturo.administrations.access import context_for
    from facturo.administrations.services import create_administration

    code = f"{letter}{int(time.time())}"[-10:]
    user = get_user_model().objects.create_user(f"bench-{code}", password="bench-password")
    admin = create_administration(user, {"code": code, "name": name.format(code=code), **fields})
    return context_for(user, admin)


def backend_pid(connection: Any) -> int | None:
    """The PostgreSQL server process of this connection, when it runs on this machine."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    return pid if Path(f"/proc/{pid}/stat").exists() else None


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds of a process, from /proc (0 when unknown)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
