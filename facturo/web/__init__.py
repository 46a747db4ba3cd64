"""Server-rendered web UI (Django templates + htmx)."""
