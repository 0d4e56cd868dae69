from decimal import Decimal

from django import template

from cases.money import format_yuan

register = template.Library()


@register.filter
def yuan(amount: Decimal | None) -> str:
    """¥12,345.00"""
    return format_yuan(amount or Decimal("0"))
