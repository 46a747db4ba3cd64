"""The `facturo` console script: Django's management commands under one name."""

import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "facturo.settings")
    from django.core.management import execute_from_command_line

    args = sys.argv[1:] if argv is None else argv
    execute_from_command_line(["facturo", *args])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
