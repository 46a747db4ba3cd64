"""`facturo exchange-rates`: set, import and list the rates foreign-currency invoices use."""

from facturo.invoicing.models import ExchangeRate


def test_set_import_and_list(ctx, cli, cli_fails, tmp_path):
    code = ctx.administration.code
    ran = cli("exchange-rates", "-a", code, "-u", "owner", "set", "USD", "2026-11-01", "0.91", "--source", "ECB")
    assert "1 USD = 0.91000000 EUR from 2026-11-01" in ran.out
    path = tmp_path / "rates.csv"
    path.write_text("currency;date;rate\nGBP;2026-11-01;1.15\nCHF;2026-11-01;-1\n", encoding="utf-8")
    failed = cli_fails("exchange-rates", "-a", code, "-u", "owner", "import", str(path))
    assert "row 3, column rate" in failed.err
    assert ExchangeRate.objects.count() == 1
    path.write_text("currency;date;rate\nGBP;2026-11-01;1.15\n", encoding="utf-8")
    assert "1 rate(s) created" in cli("exchange-rates", "-a", code, "-u", "owner", "import", str(path)).out
    listed = cli("exchange-rates", "-a", code, "-u", "owner", "list").out
    assert "GBP  2026-11-01  1.15000000" in listed and "USD  2026-11-01  0.91000000  ECB" in listed
