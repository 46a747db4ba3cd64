"""`facturo documents export` and `send-due` through the command line as a user runs them."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def test_export_pdf_of_one_invoice(ctx, issued, tmp_path, capsys):
    call_command("documents", "export", "--invoice", issued.number, "--format", "pdf", "--out", str(tmp_path / "out"),
                 "--administration", ctx.administration.code, "--user", "owner")
    written = tmp_path / "out" / f"{issued.number}.pdf"
    assert written.read_bytes().startswith(b"%PDF-")
    assert "1 pdf file(s) written" in capsys.readouterr().out


def test_export_all(ctx, customer, issue_invoice, tmp_path):
    numbers = [issue_invoice(customer).number for _ in range(2)]
    call_command("documents", "export", "--all", "--format", "pdf", "--out", str(tmp_path),
                 "--administration", ctx.administration.code, "--user", "owner")
    assert sorted(p.name for p in tmp_path.glob("*.pdf")) == [f"{n}.pdf" for n in numbers]


def test_export_unknown_invoice_is_a_clear_error(ctx, tmp_path):
    with pytest.raises(CommandError, match="not found"):
        call_command("documents", "export", "--invoice", "1999-9", "--format", "pdf", "--out", str(tmp_path),
                     "--administration", ctx.administration.code, "--user", "owner")
