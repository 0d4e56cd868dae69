"""Names refuse markup, bidirectional controls and control or format characters, and accept rare CJK ideographs."""

import pytest
from django.core.exceptions import ValidationError

from cases import services as case_services
from cases.exceptions import DomainError
from cases.models import Applicant, Shareholder
from cases.synthetic import citizen_id
from cases.validators import validate_name
from workflows.staff.forms import ObjectionForm

ACCEPTED = [
    "王\U00020000",  # 𠀀 CJK Extension B, the first one
    "𪚥",  # U+2A6A5, Extension B
    "李\U0002a700\U0002b740\U0002b820\U0002ceb0\U00030000\U00031350",  # the first of Extensions C, D, E, F, G, H
    "葛\U000e0100",  # an ideographic variation sequence (selector category Mn)
    "欧阳·娜娜",  # middle dot of minority names
    "Zhang San-Li O'Neil",
    "余杭某某科技有限公司（分公司）& Co.",
]

REFUSED = [
    ("王<b>五", "markup"),
    ("王五>", "markup"),
    *[(f"王{chr(c)}五", "bidi") for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C]],
    *[(f"王{c}五", "control") for c in ["\x00", "\t", "\n", "\r", "\x7f", "\x85", "\u200b", "\u200d", "\u00ad", "\ufeff"]],
    ("王\u2028五", "control"),  # line separator (Zl)
    ("王\u2029五", "control"),  # paragraph separator (Zp)
    ("王\ud800五", "control"),  # a lone surrogate (Cs)
]


@pytest.mark.parametrize("name", ACCEPTED)
def test_names_of_every_cjk_extension_are_accepted(name):
    validate_name(name)


@pytest.mark.parametrize(("name", "code"), REFUSED)
def test_markup_bidi_and_control_characters_are_refused_with_their_reason(name, code):
    with pytest.raises(ValidationError) as caught:
        validate_name(name)
    assert caught.value.code == code


@pytest.mark.django_db
def test_the_applicant_service_refuses_a_right_to_left_override_and_stores_nothing(rng):
    # given a name whose right-to-left override would print "王五" followed by a reversed amount
    name = "王五\u202e0003"
    # when an applicant is created from it (the window, the portal binding and imports all pass here)
    with pytest.raises(DomainError) as caught:
        case_services.applicant_person_get_or_create(name=name, id_number=citizen_id(rng))
    # then the reason names the character and nothing is stored
    assert "U+202E" in " ".join(caught.value.details)
    assert Applicant.objects.count() == 0


def test_shareholder_and_objector_names_are_validated_by_model_and_form():
    shareholder = Shareholder(name="<img src=x>", capital_percent=10)
    with pytest.raises(ValidationError) as caught:
        shareholder.clean_fields(exclude=["project", "id_number", "credit_code"])
    assert caught.value.error_dict["name"][0].code == "markup"
    form = ObjectionForm(data={"objector_name": "匿名\u2066群众", "objector_contact": "", "reason": "有异议"}, applications=[])
    assert not form.is_valid()
    assert form.errors.as_data()["objector_name"][0].code == "bidi"
