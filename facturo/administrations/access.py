"""Who may do what in which administration.

Every service takes a Context; queries filter on `ctx.administration`, so a user never
reaches another administration's rows, whatever interface they come through.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from facturo.errors import AccessDenied

from .models import Administration, Membership, Role


class Action(StrEnum):
    VIEW = "view"
    MANAGE_ADMINISTRATION = "manage_administration"
    MANAGE_MASTER_DATA = "manage_master_data"
    MANAGE_CHARGES = "manage_charges"
    DRAFT_INVOICES = "draft_invoices"
    APPROVE_INVOICES = "approve_invoices"
    ISSUE_INVOICES = "issue_invoices"
    CREDIT_INVOICES = "credit_invoices"
    WRITE_OFF = "write_off"


ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.BILLING_CLERK: frozenset(
        {
            Action.VIEW,
            Action.MANAGE_MASTER_DATA,
            Action.MANAGE_CHARGES,
            Action.DRAFT_INVOICES,
            Action.APPROVE_INVOICES,
            Action.ISSUE_INVOICES,
            Action.CREDIT_INVOICES,
        }
    ),
    Role.COLLECTOR: frozenset({Action.VIEW, Action.WRITE_OFF}),
    Role.AUDITOR: frozenset({Action.VIEW}),
}


@dataclass(frozen=True)
class Context:
    user: AbstractBaseUser
    administration: Administration
    role: str

    def can(self, action: Action) -> bool:
        return action in ROLE_ACTIONS.get(self.role, frozenset())

    def require(self, action: Action) -> None:
        if not self.can(action):
            raise AccessDenied(f"role {self.role!r} may not {action.value.replace('_', ' ')}")


def administrations_for(user: AbstractBaseUser) -> QuerySet[Administration]:
    if not user.is_authenticated:
        return Administration.objects.none()
    return Administration.objects.filter(memberships__user=user).order_by("name")


def context_for(user: AbstractBaseUser, administration: Administration | int | str) -> Context:
    """The user's context in an administration given by object, id (int) or code (str)."""
    if not user.is_authenticated:
        raise AccessDenied("not logged in")
    query = Membership.objects.select_related("administration").filter(user=user)
    if isinstance(administration, Administration):
        query = query.filter(administration=administration)
    elif isinstance(administration, int):
        query = query.filter(administration_id=administration)
    else:
        # A string is always a code: codes may be all digits ("2024"), ids are never strings here.
        query = query.filter(administration__code=administration)
    membership = query.first()
    if membership is None:
        raise AccessDenied("no access to this administration")
    return Context(user=user, administration=membership.administration, role=membership.role)
