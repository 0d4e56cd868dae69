"""The second-generation disability certificate number (第二代残疾人证号): the holder's 18-character citizen ID number,
then one digit for the category of disability (1 visual, 2 hearing, 3 speech, 4 physical, 5 intellectual, 6 mental,
7 multiple) and one for the grade (1 the most severe to 4)."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cases.constants import DisabilityCategory, DisabilityGrade
from cases.exceptions import DomainError
from cases.identifiers import validate_citizen_id

CATEGORIES = DisabilityCategory.values
GRADES = DisabilityGrade.values


@dataclass(frozen=True)
class Certificate:
    number: str
    id_number: str
    category: int
    grade: int


def disability_certificate_parse(value: str) -> Certificate:
    """The certificate number read into its parts; DomainError with what is wrong, in words the holder understands."""
    number = "".join((value or "").split()).upper()
    if len(number) != 20:
        raise DomainError(
            _(
                "A disability certificate number has 20 characters: your 18-character citizen ID number, then the "
                "category digit and the grade digit. You entered %(count)s characters."
            )
            % {"count": len(number)}
        )
    try:
        validate_citizen_id(number[:18])
    except ValidationError as error:
        raise DomainError(
            _("The first 18 characters of the certificate number must be the holder's citizen ID number: %(problem)s")
            % {"problem": error.messages[0]}
        ) from error
    category, grade = number[18], number[19]
    if not category.isdigit() or int(category) not in CATEGORIES:
        raise DomainError(
            _("The 19th character of the certificate number is the category of disability: a digit from 1 to 7, not %(value)s.")
            % {"value": category}
        )
    if not grade.isdigit() or int(grade) not in GRADES:
        raise DomainError(
            _("The 20th character of the certificate number is the grade of disability: a digit from 1 to 4, not %(value)s.")
            % {"value": grade}
        )
    return Certificate(number=number, id_number=number[:18], category=int(category), grade=int(grade))
