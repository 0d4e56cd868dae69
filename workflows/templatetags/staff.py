from decimal import Decimal

from django import template

from cases.constants import Status
from cases.identifiers import mask_account_number, mask_citizen_id
from cases.money import format_yuan

register = template.Library()


@register.filter
def yuan(amount: Decimal | None) -> str:
    """¥12,345.00"""
    return format_yuan(amount or Decimal("0"))


@register.filter
def get(mapping, key):
    """mapping[key] in a template (None when absent)."""
    return mapping.get(key) if mapping else None


@register.filter
def status_label(value: str) -> str:
    """The translated label of a case status slug (audit rows store slugs)."""
    try:
        return str(Status(value).label)
    except ValueError:
        return value or ""


@register.filter
def masked_id(value: str | None) -> str:
    """A citizen ID number as pages show it: region and check digit only."""
    return mask_citizen_id(value) if value else ""


@register.filter
def masked_account(value: str | None) -> str:
    """A bank account number as pages show it: the last four digits only."""
    return mask_account_number(value) if value else ""


@register.simple_tag(takes_context=True)
def staff_menu(context):
    """The entries of the staff navigation (workflows.staff.menu)."""
    from workflows.staff.menu import staff_menu as menu

    request = context.get("request")
    return menu(request) if request is not None else []


@register.simple_tag(takes_context=True)
def programme_menu(context):
    from workflows.staff.menu import programme_menu as menu

    request = context.get("request")
    return menu(request) if request is not None else []
