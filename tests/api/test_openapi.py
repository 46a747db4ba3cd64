"""The OpenAPI document loads, and every operation declares typed responses."""

from django.test import Client


def test_openapi_json_loads_and_every_operation_is_typed(db):
    r = Client().get("/api/v1/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["openapi"].startswith("3.")
    assert doc["components"]["securitySchemes"]
    operations = [(path, method, op) for path, item in doc["paths"].items() for method, op in item.items()]
    assert len(operations) >= 28
    for path, method, op in operations:
        assert path.startswith("/api/v1/administrations"), path
        responses = op["responses"]
        success = [code for code in responses if code.startswith("2")]
        assert success, (method, path)
        for code, response in responses.items():
            if code == "204":
                continue
            binary = [m for m in response["content"] if m in ("application/pdf", "application/xml")]
            if code == "200" and binary:  # documents (PDF, e-invoice XML) are files, declared as binary
                assert response["content"][binary[0]]["schema"] == {"type": "string", "format": "binary"}
                continue
            schema = response["content"]["application/json"]["schema"]
            if schema.get("type") == "array":  # a short, unpaged list of typed objects
                schema = schema["items"]
            assert "$ref" in schema, (method, path, code)
        for code in ("401", "422"):
            assert responses[code]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
        assert op.get("security"), (method, path)
    schemas = doc["components"]["schemas"]
    # Money travels as strings.
    assert schemas["InvoiceSummary"]["properties"]["tax_inclusive"]["type"] == "string"
    assert schemas["ChargeIn"]["properties"]["quantity"]["anyOf"][0]["type"] == "string"


def test_routes_the_clients_rely_on_are_there(db):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    admin = "/api/v1/administrations/{admin}"
    expected = {
        "/api/v1/administrations": {"get"},
        f"{admin}/customers": {"get", "post"},
        f"{admin}/customers/{{customer_id}}": {"get", "patch"},
        f"{admin}/customers/{{customer_id}}/sites": {"get", "post"},
        f"{admin}/sites": {"get", "post"},
        f"{admin}/items": {"get", "post"},
        f"{admin}/items/{{item_id}}": {"get", "patch"},
        f"{admin}/charges": {"get", "post"},
        f"{admin}/charges/batch": {"post"},
        f"{admin}/invoices": {"get", "post"},
        f"{admin}/invoices/draft-from-charges": {"post"},
        f"{admin}/invoices/{{invoice_id}}": {"get", "delete"},
        f"{admin}/invoices/{{invoice_id}}/approve": {"post"},
        f"{admin}/invoices/{{invoice_id}}/issue": {"post"},
        f"{admin}/invoices/{{invoice_id}}/credit-notes": {"post"},
        f"{admin}/invoices/{{invoice_id}}/write-off": {"post"},
        f"{admin}/receivables": {"get"},
        f"{admin}/trial-balance": {"get"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
