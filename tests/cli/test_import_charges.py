"""`facturo import-charges`: all rows or none, every bad row and column named."""

import pytest

from facturo.administrations.models import Role
from facturo.charges.models import Charge

GOOD = """reference,customer,item,description,quantity,unit_price,vat_category,vat_rate,service_date,site
R-1,{c},ONDH,Storing verholpen,2,,,,2026-11-18,
R-2,{c},,Filter,4,12.50,S,21,2026-11-18,
R-3,{c},,Thermostaat,1,99.00,S,9,2026-11-19,
"""

BAD = """reference,customer,item,description,quantity,unit_price,vat_category,vat_rate,service_date
R-1,{c},ONDH,a good row,2,,,,2026-11-18
R-2,99999,ONDH,unknown customer,1,,,,2026-11-18
R-3,{c},,bad category,1,10.00,X,21,2026-11-18
R-4,{c},ONDH,negative quantity,-2,,,,2026-11-18
R-5,{c},ONDH,malformed date,1,,,,18-11-2026
R-6,{c},,unknown rate,1,10.00,S,7,2026-11-18
"""


@pytest.fixture
def write(tmp_path):
    def make(text: str, name: str = "charges.csv") -> str:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    return make


def test_good_file_creates_charges_once(ctx, customer, item, write, cli):
    path = write(GOOD.format(c=customer.number))
    ran = cli("import-charges", path, "--administration", ctx.administration.code, "--user", "owner")
    assert "3 charge(s) created, 0 already present" in ran.out
    assert Charge.objects.filter(administration=ctx.administration).count() == 3
    again = cli("import-charges", path, "-a", ctx.administration.code, "-u", "owner")
    assert "0 charge(s) created, 3 already present" in again.out
    assert Charge.objects.count() == 3


def test_bad_file_reports_each_row_and_column_and_writes_nothing(ctx, customer, item, write, cli_fails):
    path = write(BAD.format(c=customer.number))
    ran = cli_fails("import-charges", path, "-a", ctx.administration.code, "-u", "owner")
    lines = ran.err.splitlines()
    expected = {
        "row 3, column customer": "no customer '99999'",
        "row 4, column vat_category": "'X' is not one of",
        "row 5, column quantity": "must be greater than 0",
        "row 6, column service_date": "not a date",
        "row 7, column vat_rate": "7% is not a S rate in NL",
    }
    for place, message in expected.items():
        assert any(line.startswith(place) and message in line for line in lines), (place, ran.err)
    assert not any(line.startswith("row 2,") for line in lines), "the good row has no error"
    assert "5 problems found; nothing was written" in ran.err
    assert Charge.objects.count() == 0


def test_structural_problems_and_missing_file(ctx, write, cli_fails):
    ran = cli_fails("import-charges", write("customer,colour\n1,red\n"), "-a", ctx.administration.code, "-u", "owner")
    assert "header, column 'colour': is not a known column" in ran.err
    assert "column 'reference' is missing" in ran.err
    missing = cli_fails("import-charges", "/nonexistent/charges.csv", "-a", ctx.administration.code, "-u", "owner")
    assert "no such file" in missing.err


def test_role_decides(ctx, customer, item, make_user, write, cli_fails):
    make_user("anna", ctx.administration, Role.AUDITOR, ctx)
    path = write(GOOD.format(c=customer.number))
    ran = cli_fails("import-charges", path, "-a", ctx.administration.code, "-u", "anna")
    assert "access denied" in ran.err and "manage charges" in ran.err
    stranger = cli_fails("import-charges", path, "-a", "be-security", "-u", "owner")
    assert "no access to administration 'be-security'" in stranger.err
    nobody = cli_fails("import-charges", path, "-a", ctx.administration.code, "-u", "ghost")
    assert "there is no user 'ghost'" in nobody.err
    assert Charge.objects.count() == 0


def test_environment_names_user_and_administration(ctx, customer, item, write, cli, monkeypatch):
    monkeypatch.setenv("FACTURO_USER", "owner")
    monkeypatch.setenv("FACTURO_ADMINISTRATION", ctx.administration.code)
    ran = cli("import-charges", write(GOOD.format(c=customer.number)))
    assert "3 charge(s) created" in ran.out

