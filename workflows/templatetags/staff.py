from decimal import Decimal

from django import template

from cases.constants import Status
from cases.money import format_yuan

register = template.Library()


@register.filter
def yuan(amount: Decimal | None) -> str:
    """¥12,345.00"""
    return format_yuan(amount or Decimal("0"))


@register.filter
def status_label(value: str) -> str:
    """The translated label of a case status slug (audit rows store slugs)."""
    try:
        return str(Status(value).label)
    except ValueError:
        return value or ""
