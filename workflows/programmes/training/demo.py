"""The training programme's part of the demo's work in progress (seed_demo): the demo login `provider` administers a
designated training provider with one class approved (starting in three weeks) and one filed, waiting for the demo
district reviewer."""

import datetime as dt

from django.utils import timezone

from cases.demo import DEMO_PROVIDER
from cases.identifiers import credit_code_check_char
from cases.models import Employer, OrgUnit, Programme, User
from cases.services import training as training_services
from cases.services.social_insurance.employers import employer_register
from workflows.engine.demo_work import Demo


def demo_work(demo: Demo) -> None:
    programme = Programme.objects.filter(code="training", active=True).first()
    user = User.objects.filter(username="provider").first()
    if programme is None or user is None:
        return
    name, first17, unit_code = DEMO_PROVIDER
    credit_code = first17 + credit_code_check_char(first17)
    employer = Employer.objects.filter(applicant__credit_code=credit_code).first()
    if employer is None:
        user.real_name = user.real_name or user.first_name
        user.save(update_fields=["real_name"])
        employer = employer_register(
            name=name,
            credit_code=credit_code,
            address="余杭区仓前街道文一西路2号",
            org_unit=OrgUnit.objects.get(code=unit_code),
            bank_name="中国工商银行余杭支行",
            bank_account_name=name,
            bank_account_number="6222021202007654321",
            by=user,
        )
    provider = getattr(employer, "training_provider", None) or training_services.provider_designate(
        employer=employer, by=demo.staff.approver
    )
    today = timezone.localdate()
    for weeks, approve in ((3, True), (5, False)):
        starts_on = today + dt.timedelta(weeks=weeks)
        training_class = training_services.class_file(
            provider=provider,
            programme=programme,
            plan="SYB创业培训：创业意识、创业计划、企业经营（10天）",
            teacher="陈老师",
            starts_on=starts_on,
            ends_on=starts_on + dt.timedelta(days=9),
            place="余杭区创业服务中心培训教室",
            capacity=30,
            by=user,
        )
        if approve:
            training_services.class_decide(training_class=training_class, by=demo.staff.district_reviewer, approve=True)
    demo.counts["training classes (one approved, one waiting for the district reviewer)"] += 2
