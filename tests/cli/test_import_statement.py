"""`facturo bank-account` and `facturo import-statement`: the sample files of three formats."""

import shutil
from pathlib import Path

from facturo.payments.models import BankStatement

SAMPLES = Path(__file__).parent.parent / "formats" / "samples"


def test_import_statement_files_of_each_format(cli, cli_fails, ctx, be_ctx, tmp_path):
    cli("bank-account", "NL69INGB0123456789", "--name", "ING", "-a", "nl-installers", "-u", "owner")
    ran = cli("import-statement", str(SAMPLES / "camt053_v02_ing.xml"), "-a", "nl-installers", "-u", "owner")
    assert "statement 42: 2 line(s)" in ran.out and "2 unmatched" in ran.out
    again = cli_fails("import-statement", str(SAMPLES / "camt053_v02_ing.xml"), "-a", "nl-installers", "-u", "owner")
    assert "refused" in again.err and "already imported" in again.err
    wrong = cli_fails(
        "import-statement",
        str(SAMPLES / "mt940_ing.sta"),
        "--account",
        "NL91ABNA0417164300",
        "-a",
        "nl-installers",
        "-u",
        "owner",
    )
    assert "not of NL91ABNA0417164300" in wrong.err
    cli("bank-account", "BE68539007547034", "-a", "be-security", "-u", "owner")
    ran = cli("import-statement", str(SAMPLES / "coda_kbc.cod"), "-a", "be-security", "-u", "owner")
    assert "3 line(s)" in ran.out
    bomb = tmp_path / "bomb.xml"
    bomb.write_bytes(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><Document>&a;</Document>')
    refused = cli_fails("import-statement", str(bomb), "-a", "be-security", "-u", "owner")
    assert "DOCTYPE" in refused.err
    assert BankStatement.objects.count() == 2
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_mandate_and_collect_write_a_pain008_file(cli, cli_fails, ctx, customer, item, tmp_path):
    from datetime import timedelta

    from django.utils import timezone

    from facturo.invoicing import services as invoicing

    draft = invoicing.create_draft(
        ctx, {"customer_id": customer.pk, "lines": [{"item": "ONDH", "quantity": "2", "service_date": "2026-11-02"}]}
    )
    invoicing.issue(ctx, draft.pk)
    args = ("-a", "nl-installers", "-u", "owner")
    cli("bank-account", "NL69INGB0123456789", "--creditor-id", "NL98ZZZ999999999999", *args)
    cli("mandate", customer.number, "MNDT-7", "--signed", "2026-02-01", "--iban", "NL91ABNA0417164300", *args)
    out = tmp_path / "collect.xml"
    when = (timezone.localdate() + timedelta(days=3)).isoformat()
    ran = cli("collect", "--account", "NL69INGB0123456789", "--date", when, "--out", str(out), *args)
    assert "1 direct debit(s)" in ran.out and b"pain.008.001.08" in out.read_bytes()
    again = cli_fails("collect", "--account", "NL69INGB0123456789", "--date", when, *args)
    assert "nothing to collect" in again.err
