from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from cases.identifiers import mask_citizen_id, mask_name, validate_citizen_id, validate_credit_code
from cases.money import format_yuan, yuan_in_capitals


@pytest.mark.parametrize("value", ["11010519491231002X", "11010519491231002x", "330110199001011234"])
def test_valid_citizen_ids(value):
    validate_citizen_id(value)


@pytest.mark.parametrize(
    "value,code",
    [
        ("33011019900101123", "format"),
        ("330110199013011234", "birth"),
        ("330110199001011235", "checksum"),
        ("110105194912310021", "checksum"),
    ],
)
def test_citizen_id_refusals(value, code):
    with pytest.raises(ValidationError) as error:
        validate_citizen_id(value)
    assert error.value.code == code


def test_credit_code_checksum():
    validate_credit_code("91350100M000100Y43")
    with pytest.raises(ValidationError):
        validate_credit_code("91350100M000100Y44")
    with pytest.raises(ValidationError):
        validate_credit_code("91350100M000100I43")  # I is not in the GB 32100 alphabet


def test_masks():
    assert mask_citizen_id("330110199001011234") == "330110********1234"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧**娜"


@pytest.mark.parametrize(
    "amount,capitals",
    [
        ("12345", "壹万贰仟叁佰肆拾伍元整"),
        ("1000.05", "壹仟元零伍分"),
        ("10010", "壹万零壹拾元整"),
        ("100000", "壹拾万元整"),
        ("105000000", "壹亿零伍佰万元整"),
        ("200000", "贰拾万元整"),
        ("0.07", "柒分"),
        ("15000.10", "壹万伍仟元壹角整"),
    ],
)
def test_capitals(amount, capitals):
    assert yuan_in_capitals(Decimal(amount)) == capitals


def test_format_yuan():
    assert format_yuan(Decimal("12345")) == "¥12,345.00"
    assert format_yuan(Decimal("-3.005")) == "-¥3.01"
