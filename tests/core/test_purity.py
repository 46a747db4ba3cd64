"""core/ is pure Python: no Django, no database, no I/O libraries (ARCHITECTURE.md, layers)."""

import ast
from pathlib import Path

import facturo.core

FORBIDDEN = (
    "django",
    "facturo.administrations",
    "facturo.invoicing",
    "facturo.ledger",
    "psycopg",
    "sqlite3",
    "requests",
    "socket",
    "subprocess",
)


def test_core_imports_nothing_outside_the_standard_library_and_itself():
    root = Path(facturo.core.__file__).parent
    for path in root.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(FORBIDDEN), f"{path.name} imports {name}"
