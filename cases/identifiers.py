"""National identifiers: citizen ID numbers (GB 11643) and unified social credit codes (GB 32100)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def citizen_id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def validate_citizen_id(value: str) -> None:
    value = (value or "").upper()
    if len(value) != 18 or not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise ValidationError(_("A citizen ID number has 17 digits followed by a digit or X."), code="format")
    try:
        dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(_("The birth date inside the citizen ID number is not a real date."), code="birth") from None
    if citizen_id_check_char(value[:17]) != value[17]:
        raise ValidationError(_("The citizen ID number fails its check digit (GB 11643)."), code="checksum")


def credit_code_check_char(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    value = (value or "").upper()
    if len(value) != 18 or any(c not in _USCC_ALPHABET for c in value):
        raise ValidationError(_("A unified social credit code has 18 characters from digits and capital letters."), code="format")
    if credit_code_check_char(value[:17]) != value[17]:
        raise ValidationError(_("The unified social credit code fails its check character (GB 32100)."), code="checksum")


def mask_citizen_id(value: str) -> str:
    """330110********123X: region kept, birth date and sequence hidden."""
    if len(value) != 18:
        return "*" * len(value)
    return value[:6] + "*" * 8 + value[14:]


def mask_credit_code(value: str) -> str:
    """91330110********X7: the registration authority and region kept, the organisation code hidden."""
    if len(value) != 18:
        return "*" * len(value)
    return value[:8] + "*" * 8 + value[16:]


def mask_account_number(value: str) -> str:
    """************1234: the last four digits kept."""
    return "*" * max(len(value) - 4, 0) + value[-4:]


def mask_name(value: str) -> str:
    if not value:
        return value
    if len(value) == 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]
