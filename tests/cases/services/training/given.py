"""Builders for the training tests: a designated provider, a class filed, approved and held, its roster as CSV
bytes, certificates, and a business registration of a trainee (a loan case of their own, submitted).

The calendar used throughout (2026, Asia/Shanghai):
  class filed 2026-03-02, approved 2026-03-09, held 2026-03-16 .. 2026-03-25 (its last day);
  the claim window and the business window both end on 2026-09-25 (2026-03-25 + 6 months), the last day inside;
  the settlement runs from 2026-09-26.
"""

import csv
import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine

from cases import services as case_services
from cases.constants import ApplicantCategory, AttachmentKind, Role
from cases.identifiers import citizen_id_check_char, credit_code_check_char
from cases.models import OrgUnit, Programme, User
from cases.services import training
from cases.services.social_insurance.employers import employer_register
from tests.conftest import make_user
from workflows.engine import steps as flow_services
from workflows.engine.simulation import SAMPLE_PDF

ZONE = ZoneInfo("Asia/Shanghai")
FILED = dt.date(2026, 3, 2)
APPROVED = dt.date(2026, 3, 9)
STARTS = dt.date(2026, 3, 16)
ENDS = dt.date(2026, 3, 25)
LAST_DAY_INSIDE = dt.date(2026, 9, 25)
DAY_AFTER = dt.date(2026, 9, 26)


def at(day: dt.date):
    return time_machine.travel(dt.datetime.combine(day, dt.time(10, 0), tzinfo=ZONE), tick=False)


def citizen_id(sequence: int, birth: str = "19900101") -> str:
    first17 = f"330110{birth}{sequence:03d}"
    return first17 + citizen_id_check_char(first17)


def roster_csv(rows: list[tuple[str, str, object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(training.ROSTER_COLUMNS)
    writer.writerows([[a, b, str(c)] for a, b, c in rows])
    return out.getvalue().encode()


def provider(n: int, community: OrgUnit, approver: User):
    """A provider's organisation account registered online by its agent, designated by the district."""
    agent = make_user(f"provider-{n}", Role.APPLICANT, None)
    first17 = f"52330110MJ9PR{n:04d}"
    employer = employer_register(
        name=f"示范培训学校{n}",
        credit_code=first17 + credit_code_check_char(first17),
        address="余杭区文一西路1号",
        org_unit=community,
        bank_name="中国工商银行余杭支行",
        bank_account_name=f"示范培训学校{n}",
        bank_account_number=f"62220212020012{n:05d}",
        by=agent,
    )
    return training.provider_designate(employer=employer, by=approver), agent


def class_filed(provider_, agent: User, programme: Programme, *, capacity: int = 30):
    with at(FILED):
        return training.class_file(
            provider=provider_,
            programme=programme,
            plan="SYB创业培训",
            teacher="陈老师",
            starts_on=STARTS,
            ends_on=ENDS,
            place="创业服务中心",
            capacity=capacity,
            by=agent,
        )


def class_held(provider_, agent, programme, reviewer, people: list[tuple[str, str, int]], *, passed: list[int] | None = None):
    """Filed, approved, held; the roster filed the day after; the exam results two days after (all pass by default)."""
    training_class = class_filed(provider_, agent, programme)
    with at(APPROVED):
        training.class_decide(training_class=training_class, by=reviewer, approve=True)
    with at(ENDS + dt.timedelta(days=1)):
        training.roster_file(training_class=training_class, content=roster_csv(people), filename="r.csv", by=agent)
    with at(ENDS + dt.timedelta(days=2)):
        lines = passed if passed is not None else list(range(2, len(people) + 2))
        training.exam_results_record(training_class=training_class, passed_lines=lines, by=agent)
    training_class.refresh_from_db()
    return training_class


def business_registered(loan: Programme, community: OrgUnit, *, id_number: str, name: str, on: dt.date, filed: dt.date):
    """The trainee's own loan case stating the business registered `on`, submitted on `filed`."""
    user = make_user(f"trainee-{id_number[-6:]}", Role.APPLICANT, None)
    with at(filed):
        applicant = case_services.applicant_person_get_or_create(name=name, id_number=id_number, user=user)
        application = case_services.application_create(
            programme=loan,
            applicant=applicant,
            org_unit=community,
            by=user,
            category=ApplicantCategory.GRADUATE,
            requested_amount=Decimal("100000"),
            bank_name="中国工商银行余杭支行",
            bank_account_name=name,
            bank_account_number="6222021202001111111",
            business_name=f"{name}工作室",
            business_registered_on=on,
            graduated_on=dt.date(2024, 6, 30),
        )
        for kind in (AttachmentKind.ID_CARD, AttachmentKind.BUSINESS_LICENCE):
            case_services.attachment_add(application=application, by=user, kind=kind, content=SAMPLE_PDF, name="f.pdf")
        return flow_services.case_submit(application=application, by=user)
