"""REST API under /api/v1 (django-ninja): token auth, one error shape, idempotent POSTs."""

from ninja import NinjaAPI

from . import errors
from .auth import TokenAuth
from .routes import administrations, charges, contracts, customers, invoices, items, reports
from .routes import documents as documents_routes
from .routes import exchange_rates as exchange_rate_routes
from .routes import payments as payment_routes

api = NinjaAPI(
    title="facturo",
    version="1",
    urls_namespace="api-v1",
    auth=TokenAuth(),
    description=(
        "Billing and receivables. Authenticate with `Authorization: Bearer <token>` "
        "(`facturo create-token`). Money and quantities are decimal strings. Every error has the "
        'shape `{"error": {"type", "message", "fields": [{"path", "message"}]}}`. Lists are '
        "newest first with `?limit=` and `?cursor=` (the `next_cursor` of the page before). "
        "Send an `Idempotency-Key` header with a POST, PATCH or DELETE to make retries safe."
    ),
)
errors.install(api)
api.add_router("/administrations", contracts.router)

# Routes under an administration spell out "/{admin}/..." themselves: ninja does not hand a
# router prefix's path parameters to the operations.
for router in (administrations, customers, items, charges, invoices, reports):
    api.add_router("/administrations", router.router)
api.add_router("/administrations", documents_routes.router)
api.add_router("/administrations", payment_routes.router)
api.add_router("/administrations", exchange_rate_routes.router)
