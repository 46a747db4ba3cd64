"""Cursor pagination: every row exactly once, newest first, without counting the table."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from facturo.api.pagination import encode_cursor
from facturo.parties.models import Customer

from .conftest import ApiClient, fields

NL = "/administrations/nl-installers"


def walk(api: ApiClient, path: str, limit: int, **params) -> tuple[list[int], int]:
    ids: list[int] = []
    pages = 0
    cursor = None
    while True:
        query = {"limit": limit, **params}
        if cursor:
            query["cursor"] = cursor
        r = api.get(path, query)
        assert r.status_code == 200, r.content
        body = r.json()
        assert set(body) == {"data", "next_cursor"}
        assert len(body["data"]) <= limit
        ids += [row["id"] for row in body["data"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return ids, pages


def test_walking_the_pages_returns_every_row_exactly_once(api: ApiClient, ctx, be_ctx):
    Customer.objects.bulk_create(
        [Customer(administration=ctx.administration, number=f"{20000 + n}", name=f"C{n:03}", country="NL")
         for n in range(23)]
        + [Customer(administration=be_ctx.administration, number="1", name="Other", country="BE")]
    )  # fmt: skip
    expected = list(
        Customer.objects.filter(administration=ctx.administration).order_by("-id").values_list("id", flat=True)
    )
    for limit in (1, 5, 23, 500):
        ids, pages = walk(api, f"{NL}/customers", limit)
        assert ids == expected
        assert pages == max(1, -(-len(expected) // limit))
    ids, _ = walk(api, f"{NL}/customers", 4, search="C01")
    assert len(ids) == 10 and len(set(ids)) == 10


def test_rows_added_while_walking_do_not_shift_the_pages(api: ApiClient, ctx):
    Customer.objects.bulk_create(
        [Customer(administration=ctx.administration, number=f"{n}", name=f"C{n}", country="NL") for n in range(6)]
    )
    first = api.get(f"{NL}/customers", {"limit": 3}).json()
    Customer.objects.create(administration=ctx.administration, number="new", name="New", country="NL")
    second = api.get(f"{NL}/customers", {"limit": 3, "cursor": first["next_cursor"]}).json()
    seen = [c["id"] for c in first["data"] + second["data"]]
    assert len(set(seen)) == 6 and second["next_cursor"] is None


def test_default_and_maximum_limit(api: ApiClient, ctx, settings):
    Customer.objects.bulk_create(
        [Customer(administration=ctx.administration, number=f"{n}", name=f"C{n}", country="NL") for n in range(4)]
    )
    settings.FACTURO_PAGE_SIZE = 3
    body = api.get(f"{NL}/customers").json()
    assert len(body["data"]) == 3 and body["next_cursor"]
    assert list(fields(api.get(f"{NL}/customers", {"limit": 501}))) == ["query.limit"]
    assert list(fields(api.get(f"{NL}/customers", {"limit": 0}))) == ["query.limit"]


def test_a_cursor_not_handed_out_is_422(api: ApiClient, nl_admin):
    for cursor in ("!!!", "bm9wZQ", encode_cursor(5)[:-2] + "$$"):
        r = api.get(f"{NL}/invoices", {"cursor": cursor})
        assert r.status_code == 422
        assert list(fields(r)) == ["query.cursor"]


def test_lists_do_not_count(api: ApiClient, ctx):
    with CaptureQueriesContext(connection) as queries:
        assert api.get(f"{NL}/invoices", {"status": "open"}).status_code == 200
        assert api.get(f"{NL}/customers").status_code == 200
        assert api.get(f"{NL}/charges").status_code == 200
    assert not [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
