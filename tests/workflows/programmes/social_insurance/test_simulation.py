"""`simulate --programme social-insurance`: employers, rosters, contribution files, reviews, publicity, payment,
reversals and clawbacks through the real services, then the consistency checks."""

import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command

from cases.constants import PaymentLineStatus
from cases.models import Clawback, PaymentLine, Programme
from cases.models.social_insurance import EntitlementStatus, PersonMonthEntitlement
from workflows.engine.consistency import check_all

pytestmark = pytest.mark.django_db


def test_a_small_simulated_year_is_consistent_and_pays_each_person_month_once(si_programme):
    Programme.objects.filter(pk=si_programme.pk).update(active=True)
    out = io.StringIO()
    call_command(
        "simulate", "--programme=social-insurance", "--employers=4", "--people=40", "--quarters=2", "--seed=7", stdout=out
    )
    output = out.getvalue()
    assert output.rstrip().endswith("simulation consistent")
    assert {k: v for k, v in check_all().items() if v} == {}

    # an independent sum: every person-month that went out on a paid line, paid still or recovered since
    months = PersonMonthEntitlement.objects.filter(payment_line__isnull=False)
    assert set(months.values_list("payment_line__status", flat=True)) == {PaymentLineStatus.PAID}
    lines = PaymentLine.objects.filter(application__programme=si_programme, status=PaymentLineStatus.PAID)
    paid = sum(lines.values_list("amount", flat=True), Decimal("0"))
    assert paid == sum(months.values_list("amount", flat=True), Decimal("0")) > 0
    assert re.search(rf"^paid in total \(payment lines\): {paid}$", output, re.MULTILINE)
    # 40 people x 2 quarters x 3 months at most, each month held once
    assert months.count() <= 240
    assert months.values("person_digest", "month").distinct().count() == months.count()
    recovered = months.filter(status=EntitlementStatus.RECOVERED)
    assert sum(Clawback.objects.values_list("amount", flat=True), Decimal("0")) == sum(
        recovered.values_list("amount", flat=True), Decimal("0")
    )
