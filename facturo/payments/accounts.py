"""The ledger accounts payments post to, beyond the foundation's chart: bank costs, customer
credit on account and exchange differences. Created on first use."""

from dataclasses import dataclass

from facturo.administrations.models import Administration
from facturo.errors import NotFound
from facturo.ledger.charts import chart_for
from facturo.ledger.models import Account, AccountKind, AccountRole
from facturo.ledger.services import AccountBook

EXTRA = {
    "NL": {"bank_costs": ("4600", "Bankkosten"), "customer_credit": ("1450", "Vooruitontvangen van debiteuren")},
    "BE": {"bank_costs": ("657100", "Bankkosten"), "customer_credit": ("460000", "Ontvangen vooruitbetalingen")},
    "PL": {"bank_costs": ("755", "Prowizje bankowe"), "customer_credit": ("845", "Nadpłaty odbiorców")},
}


@dataclass(frozen=True)
class PaymentAccounts:
    receivables: int
    suspense: int
    discount: int
    bank_costs: int
    customer_credit: int
    exchange_difference: int

    def for_difference(self, kind: str) -> int:
        return {"discount": self.discount, "bank_costs": self.bank_costs, "on_account": self.customer_credit}[kind]


def payment_accounts(administration: Administration) -> PaymentAccounts:
    book = AccountBook(administration.pk)
    extra = EXTRA.get(administration.country.upper(), EXTRA["NL"])
    code, name = extra["bank_costs"]
    costs, _ = Account.objects.get_or_create(
        administration=administration, code=code, defaults={"name": name, "kind": AccountKind.EXPENSE}
    )
    code, name = extra["customer_credit"]
    credit, _ = Account.objects.get_or_create(
        administration=administration, code=code, defaults={"name": name, "kind": AccountKind.LIABILITY}
    )
    return PaymentAccounts(
        receivables=book.role(AccountRole.RECEIVABLES).pk,
        suspense=book.role(AccountRole.SUSPENSE).pk,
        discount=book.role(AccountRole.ROUNDING).pk,
        bank_costs=costs.pk,
        customer_credit=credit.pk,
        exchange_difference=_exchange_difference(administration, book),
    )


def _exchange_difference(administration: Administration, book: AccountBook) -> int:
    """The chart's exchange-difference account; an administration whose chart predates it gets
    the one its country's chart now has, unless another account holds that code."""
    try:
        return book.role(AccountRole.EXCHANGE_DIFFERENCE).pk
    except NotFound:
        pass
    template = next(t for t in chart_for(administration.country) if t.role == AccountRole.EXCHANGE_DIFFERENCE)
    account, created = Account.objects.get_or_create(
        administration=administration,
        code=template.code,
        defaults={"name": template.name, "kind": template.kind, "role": template.role},
    )
    if not created and account.role != AccountRole.EXCHANGE_DIFFERENCE:
        raise NotFound(
            f"the chart of accounts has no exchange-difference account, and code {template.code} is taken by "
            f"{account.name}: give an account the exchange_difference role"
        )
    return account.pk
