#!/bin/sh
# Installs what the tests need into .venv and runs the whole suite: on SQLite always,
# and again on PostgreSQL when FACTURO_TEST_DATABASE_URL is set.
set -eu
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
unset FACTURO_DATABASE_URL
workers="${FACTURO_TEST_WORKERS:-2}"
echo "== tests on SQLite"
.venv/bin/python -m pytest -n "$workers" -p no:cacheprovider "$@"
if [ -n "${FACTURO_TEST_DATABASE_URL:-}" ]; then
  echo "== tests on PostgreSQL ($FACTURO_TEST_DATABASE_URL)"
  FACTURO_DATABASE_URL="$FACTURO_TEST_DATABASE_URL" FACTURO_TEST_ON_POSTGRES=1 \
    .venv/bin/python -m pytest -n "$workers" -p no:cacheprovider "$@"
fi
