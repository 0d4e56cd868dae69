"""`seed_demo` and the simulator's setup create what is missing and leave what exists as an administrator left it."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from cases.models import Application, BudgetEnvelope, OrgUnit, Programme, ProgrammeRules, User
from cases.services import programme_rules_change
from workflows.engine import simulation
from workflows.programmes.loan import simulation as simulation_loans
from workflows.programmes.startup import simulation as startup_simulation

pytestmark = pytest.mark.django_db


def test_seed_demo_and_simulate_setup_keep_an_administrators_edits_and_create_what_is_missing():
    year = timezone.localdate().year
    call_command("seed_demo", "--reference-only")
    # an administrator edits the start-up programme (name, cap, amounts), closes the loan programme, renames a
    # street and a demo login; someone deletes the training programme, a village and the loan envelope
    Programme.objects.filter(code="startup").update(name="一次性创业补贴（2027年版）")
    programme_rules_change(
        programme=Programme.objects.get(code="startup"),
        by=User.objects.get(username="admin"),
        max_amount=Decimal("20000"),
        amount_rule={"type": "by_category", "amounts": {"graduate": "8000", "unemployed": "4000", "land_lost_farmer": "4000"}},
    )
    Programme.objects.filter(code="loan").update(active=False)
    OrgUnit.objects.filter(code="330110001").update(name="仓前街道办事处", document_prefix="仓街")
    User.objects.filter(username="reviewer").update(first_name="区级审核员（王）")
    # (a programme with no case can be removed only with its rules versions, which protect it)
    Programme.objects.filter(code="training").update(current_rules=None)
    ProgrammeRules.objects.filter(programme__code="training").delete()
    Programme.objects.filter(code="training").delete()
    OrgUnit.objects.filter(code="330110012003").delete()
    BudgetEnvelope.objects.filter(programme__code="loan", year=year).delete()

    # when the demo is seeded again and the simulator prepares its start-up, loan and venture runs
    call_command("seed_demo", "--reference-only")
    startup, district = startup_simulation.ensure_setup(year=year, cases=5)
    with pytest.raises(simulation.SetupRefused, match="loan"):
        simulation_loans.ensure_setup(year=year, cases=5)
    with pytest.raises(CommandError, match="venture"):
        call_command("simulate", programme="venture", cases=1)

    # then the edits stand
    startup.refresh_from_db()
    assert (
        startup.name,
        startup.current_rules.number,
        startup.max_amount,
        startup.amount_rule["amounts"]["graduate"],
        startup.active,
    ) == ("一次性创业补贴（2027年版）", 2, Decimal("20000"), "8000", True)
    assert Programme.objects.get(code="loan").active is False
    assert Programme.objects.get(code="venture").active is False  # closed in the reference data; never opened by the simulator
    assert OrgUnit.objects.values_list("name", "document_prefix").get(code="330110001") == ("仓前街道办事处", "仓街")
    assert User.objects.get(username="reviewer").first_name == "区级审核员（王）"
    assert not Application.objects.exists()
    # and what was missing is back, as in the reference data
    training = Programme.objects.get(code="training")
    assert (training.name, training.current_rules.number, training.max_amount, training.active) == (
        "创业培训补贴",
        1,
        Decimal("100000"),  # the cap of one provider's claim
        True,  # seed_demo creates it open, for the demo provider
    )
    village = OrgUnit.objects.get(code="330110012003")
    assert (village.name, village.parent.code, village.path) == (
        "溪口村",
        "330110012",
        OrgUnit.path_for(code=village.code, parent=village.parent),
    )
    assert BudgetEnvelope.objects.get(programme__code="loan", year=year, org_unit=None).amount == Decimal("1000000")
    assert district.code == "330110"


def test_the_simulator_creates_the_venture_programme_open_when_it_is_missing(district):
    from workflows.programmes.venture import simulation as simulation_venture

    programme, _ = simulation_venture.ensure_setup(year=timezone.localdate().year, cases=3)

    assert (programme.code, programme.active) == ("venture", True)
    assert Programme.objects.get(code="startup").active is True
    assert Programme.objects.get(code="training").active is False
