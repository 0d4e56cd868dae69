"""`simulate --programme training --classes N` with a real worker: providers, classes, rosters, certificates,
claims, settlement, review, publicity and payment through the real services, the documents issued by the worker,
then the consistency checks; the amounts recomputed here from the rows' outcomes."""

import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases.constants import PaymentLineStatus, ProgrammeKind
from cases.models import PaymentLine
from cases.models.training import ClaimRowOutcome, Trainee, TrainingCertificate, TrainingClaimRow
from documents.models import Document
from workflows.engine.consistency import check_all
from workflows.engine.statistics import APPROVED_STATUSES, figures_for, period_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_a_few_simulated_classes_are_settled_paid_and_consistent(celery_worker_process, district):
    out = io.StringIO()
    call_command("simulate", "--programme=training", "--classes=3", "--seed=11", stdout=out)
    output = out.getvalue()
    assert output.rstrip().endswith("simulation consistent")
    assert {k: v for k, v in check_all().items() if v} == {}

    rows = TrainingClaimRow.objects.all()
    # each row recomputed: 1,000.00 with a business in the window, 1,000.00 x 0.50 = 500.00 without
    expected = sum((Decimal("1000.00") if r.outcome == ClaimRowOutcome.FULL else Decimal("500.00") for r in rows), Decimal("0"))
    paid = PaymentLine.objects.filter(application__programme__kind=ProgrammeKind.TRAINING, status=PaymentLineStatus.PAID)
    rejected = rows.filter(claim__application__status="rejected")
    assert sum(paid.values_list("amount", flat=True), Decimal("0")) == expected - sum(
        rejected.values_list("amount", flat=True), Decimal("0")
    )
    assert re.search(r"^paid in total \(payment lines\): \d+\.\d\d$", output, re.MULTILINE)
    assert rows.count() <= TrainingCertificate.objects.count() <= Trainee.objects.count()
    assert Trainee.objects.values("id_number_digest").distinct().count() == Trainee.objects.count()
    assert (
        Document.objects.filter(application__programme__kind=ProgrammeKind.TRAINING, kind="payment_notice").count()
        == paid.count()
    )

    # the statistics count the trainees of the claims still approved
    claims = TrainingClaimRow.objects.exclude(claim__application__decided_at=None)
    dates = [timezone.localtime(at).date() for at in claims.values_list("claim__application__decided_at", flat=True)]
    figures = figures_for(period=period_for(start=min(dates), end=max(dates)))
    [info] = [p for p in figures.programmes if p.kind == ProgrammeKind.TRAINING]
    trainees = rows.filter(claim__application__status__in=APPROVED_STATUSES).count()
    assert trainees > 0 and figures.programme_total(info.id).measures == {"trainees": trainees}
