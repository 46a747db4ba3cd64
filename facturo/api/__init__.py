"""REST API under /api/v1 (django-ninja): token auth, one error shape, idempotent POSTs."""
