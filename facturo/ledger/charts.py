"""Minimal charts of accounts per country: what a new administration starts with."""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class AccountTemplate:
    code: str
    name: str
    kind: str
    role: str = ""
    vat_category: str = ""
    vat_rate: Decimal | None = None


def _vat(code: str, name: str, rate: str | None) -> AccountTemplate:
    return AccountTemplate(code, name, "liability", "vat_payable", "S" if rate else "", Decimal(rate) if rate else None)


CHARTS: dict[str, list[AccountTemplate]] = {
    "NL": [
        AccountTemplate("1100", "Bank", "asset", "bank"),
        AccountTemplate("1300", "Debiteuren", "asset", "receivables"),
        _vat("1510", "Te betalen btw hoog tarief", "21"),
        _vat("1511", "Te betalen btw laag tarief", "9"),
        _vat("1519", "Te betalen btw overig", None),
        AccountTemplate("2999", "Tussenrekening", "asset", "suspense"),
        AccountTemplate("4900", "Oninbare debiteuren", "expense", "write_off"),
        AccountTemplate("4990", "Betalingsverschillen", "expense", "rounding"),
        AccountTemplate("4980", "Koersverschillen", "expense", "exchange_difference"),
        AccountTemplate("8000", "Omzet diensten", "revenue", "revenue"),
        AccountTemplate("8100", "Omzet onderhoudscontracten", "revenue"),
        AccountTemplate("8200", "Omzet materialen", "revenue"),
    ],
    "BE": [
        AccountTemplate("400000", "Handelsvorderingen", "asset", "receivables"),
        _vat("451021", "Te betalen btw 21%", "21"),
        _vat("451012", "Te betalen btw 12%", "12"),
        _vat("451006", "Te betalen btw 6%", "6"),
        _vat("451000", "Te betalen btw overig", None),
        AccountTemplate("499000", "Wachtrekening", "asset", "suspense"),
        AccountTemplate("550000", "Bank", "asset", "bank"),
        AccountTemplate("634000", "Waardeverminderingen op handelsvorderingen", "expense", "write_off"),
        AccountTemplate("657000", "Betalingsverschillen", "expense", "rounding"),
        AccountTemplate("654000", "Wisselkoersverschillen", "expense", "exchange_difference"),
        AccountTemplate("700000", "Omzet diensten", "revenue", "revenue"),
        AccountTemplate("700100", "Omzet onderhoudscontracten", "revenue"),
        AccountTemplate("700200", "Omzet opleidingen", "revenue"),
    ],
    "PL": [
        AccountTemplate("130", "Rachunek bankowy", "asset", "bank"),
        AccountTemplate("200", "Rozrachunki z odbiorcami", "asset", "receivables"),
        _vat("221-23", "VAT należny 23%", "23"),
        _vat("221-8", "VAT należny 8%", "8"),
        _vat("221-5", "VAT należny 5%", "5"),
        _vat("221", "VAT należny pozostały", None),
        AccountTemplate("249", "Rozrachunki do wyjaśnienia", "asset", "suspense"),
        AccountTemplate("751", "Odpisane należności", "expense", "write_off"),
        AccountTemplate("759", "Różnice w płatnościach", "expense", "rounding"),
        AccountTemplate("756", "Różnice kursowe", "expense", "exchange_difference"),
        AccountTemplate("700", "Przychody ze sprzedaży usług", "revenue", "revenue"),
        AccountTemplate("701", "Przychody z umów serwisowych", "revenue"),
    ],
}

JOURNALS = [("VK", "sales", "Sales"), ("BNK", "bank", "Bank"), ("MEM", "memorial", "Memorial")]


def chart_for(country: str) -> list[AccountTemplate]:
    # Countries without a template of their own start from the Dutch layout.
    return CHARTS.get(country.upper(), CHARTS["NL"])
