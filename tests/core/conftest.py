"""Tests of facturo.core: pure Python, no Django and no database needed.

Run on their own with ``pytest tests/core -p no:django``.
"""

import sys
from pathlib import Path

# Make the checkout importable when pytest is started without the repository
# root on sys.path (e.g. ``.venv/bin/pytest`` with the rootdir-relative import mode).
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
