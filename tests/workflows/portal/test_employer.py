"""Employers in the portal (社保补贴): the organisation and its agents, what each account sees, a roster checked row by
row then submitted by its valid rows only, the template, the bad files, and the window filing for an employer.

The year's standard is the one of tests/cases/services/social_insurance/given.py: one person-month at the minimum
base costs 713.92 + 423.89 + 22.31 = 1,160.12, exactly the cap; three months are 3 x 1,160.12 = 3,480.36.
"""

import datetime as dt
import io
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from cases.constants import Role
from cases.demo import programmes_load
from cases.exceptions import DomainError
from cases.identifiers import credit_code_check_char, mask_citizen_id
from cases.models import (
    AgentRole,
    Employer,
    EmployerAgent,
    EmployerEvent,
    OrgUnit,
    PersonMonthEntitlement,
    Programme,
    RosterRow,
    RosterUpload,
    SocialInsuranceClaim,
    User,
)
from cases.models.social_insurance import ClaimStatus
from cases.services.social_insurance import ROSTER_COLUMNS
from cases.services.social_insurance.employers import employer_agent_add, employer_register
from tests.cases.services.social_insurance.given import AT_MINIMUM, bureau, citizen_id, paid, roster, standards
from tests.cases.test_personal_data import rows_holding
from tests.conftest import make_user
from tests.workflows.portal.conftest import zh

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 4, 10, 10, 0, tzinfo=SHANGHAI)
ALICE = citizen_id("19900101", "001")  # a man born 1990
BOB = citizen_id("19850505", "003")
CAROL = citizen_id("19920202", "005")
GOOD = ["2026-01-01", "2027-12-31", "2026-01~2026-03", "3480.36", "", ""]


def code(n: int) -> str:
    first17 = f"91330110MA2CC{n:04d}"
    return first17 + credit_code_check_char(first17)


def wrong_checksum(value: str) -> str:
    return value[:17] + ("0" if value[17] != "0" else "1")


@pytest.fixture(autouse=True)
def _april_2026():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def si(district) -> Programme:
    programmes_load(year=2026, opened={"social-insurance"})
    programme = Programme.objects.get(code="social-insurance")
    standards(programme, 2026)
    return programme


def portal_user(login: str, name: str) -> User:
    user = User.objects.create_user(username=login, password="correct-horse-battery", role=Role.APPLICANT, real_name=name)
    return user


def register(by: User, community: OrgUnit, n: int = 1, name: str = "杭州仓前实业有限公司") -> Employer:
    return employer_register(
        name=name,
        credit_code=code(n),
        address="余杭区仓前街道文一西路1号",
        org_unit=community,
        bank_name="中国工商银行余杭支行",
        bank_account_name=name,
        bank_account_number="6222021202001234567",
        by=by,
    )


def form(n: int, unit: OrgUnit, **changes) -> dict:
    return {
        "name": "杭州仓前实业有限公司",
        "credit_code": code(n),
        "address": "余杭区仓前街道文一西路1号",
        "community": unit.pk,
        "bank_name": "中国工商银行余杭支行",
        "bank_account_name": "杭州仓前实业有限公司",
        "bank_account_number": "6222021202001234567",
        **changes,
    }


def claim_url(employer: Employer, name: str = "employer_claim", year: int = 2026, quarter: int = 1) -> str:
    return reverse(f"portal:{name}", kwargs={"public_id": employer.public_id, "year": year, "quarter": quarter})


def upload(client, employer: Employer, content: bytes, filename: str = "花名册.csv"):
    file = io.BytesIO(content)
    file.name = filename
    return client.post(claim_url(employer, "roster_upload"), {"file": file})


def nothing_filed() -> tuple:
    return (
        RosterRow.objects.count(),
        PersonMonthEntitlement.objects.count(),
        SocialInsuranceClaim.objects.filter(status=ClaimStatus.SUBMITTED).count(),
    )


# --- the organisation, its agents and what each account sees -------------------------------------------------


@pytest.mark.django_db
def test_an_account_registers_its_organisation_and_becomes_its_administrator(client, si, community):
    owner = portal_user("13900000001", "李四")
    client.force_login(owner)
    # a wrong check character is refused beside its field, nothing registered
    response = client.post(reverse("portal:employer_register"), form(1, community, credit_code=wrong_checksum(code(1))))
    assert response.status_code == 200
    assert zh("The unified social credit code fails its check character (GB 32100).") in response.content.decode()
    assert Employer.objects.count() == 0

    response = client.post(reverse("portal:employer_register"), form(1, community))
    employer = Employer.objects.get()
    assert response.url == reverse("portal:employer", kwargs={"public_id": employer.public_id})
    assert (employer.applicant.credit_code, employer.applicant.name, employer.org_unit) == (
        code(1),
        "杭州仓前实业有限公司",
        community,
    )
    assert [(a.user, a.role) for a in employer.agents.all()] == [(owner, AgentRole.ADMIN)]
    # the account number is encrypted at rest and masked on the page
    assert employer.bank_account_number == "6222021202001234567"
    assert rows_holding("6222021202001234567") == []
    page = client.get(response.url).content.decode()
    assert "***************4567" in page and "6222021202001234567" not in page
    # the same credit code cannot be registered twice
    other = portal_user("13900000002", "王五")
    client.force_login(other)
    response = client.post(reverse("portal:employer_register"), form(1, community))
    assert zh("An organisation with this unified social credit code is registered already.") in response.content.decode()
    assert Employer.objects.count() == 1
    assert [(e.action, e.actor_name, e.at_window) for e in EmployerEvent.objects.all()] == [("register", "李四", False)]


@pytest.mark.django_db
def test_the_administrator_adds_agents_and_each_sees_only_its_organisation(client, si, community, other_town_community):
    owner, agent, stranger = portal_user("owner", "李四"), portal_user("13900000003", "赵六"), portal_user("x", "钱七")
    mine = register(owner, community, 1)
    theirs = register(stranger, other_town_community, 2, name="杭州余杭另一有限公司")
    client.force_login(owner)
    response = client.post(
        reverse("portal:employer_agent_add", kwargs={"public_id": mine.public_id}),
        {"login": "13900000003", "role": AgentRole.AGENT},
    )
    assert response.status_code == 302
    assert EmployerAgent.objects.get(user=agent).employer == mine
    # an agent is not an administrator: it may not add agents
    client.force_login(agent)
    client.post(
        reverse("portal:employer_agent_add", kwargs={"public_id": mine.public_id}), {"login": "x", "role": AgentRole.AGENT}
    )
    assert EmployerAgent.objects.filter(user=stranger).get().employer == theirs  # unchanged
    with pytest.raises(DomainError) as refusal:
        employer_agent_add(employer=mine, login="x", role=AgentRole.AGENT, by=owner)
    assert str(refusal.value.message) == "该账户已代表一个单位办理业务。"
    # the agent acts for the organisation: opens a claim, audited by name
    response = client.post(
        reverse("portal:employer_claim_open", kwargs={"public_id": mine.public_id}), {"year": 2026, "quarter": 1}
    )
    assert response.url == claim_url(mine)
    claim = SocialInsuranceClaim.objects.get()
    assert (claim.employer, claim.created_by) == (mine.applicant, agent)
    assert list(EmployerEvent.objects.filter(employer=mine).values_list("action", "actor_name")) == [
        ("register", "李四"),
        ("agent_add", "李四"),
        ("claim_open", "赵六"),
    ]
    # home goes to the agent's organisation; the other organisation and its claims answer 404
    assert client.get(reverse("portal:employer_home")).url == reverse("portal:employer", kwargs={"public_id": mine.public_id})
    assert client.get(reverse("portal:employer", kwargs={"public_id": theirs.public_id})).status_code == 404
    client.force_login(stranger)
    assert client.get(claim_url(mine)).status_code == 404
    assert client.post(claim_url(mine, "roster_submit"), {"sha256": "0" * 64}).status_code == 404
    page = client.get(reverse("portal:employer", kwargs={"public_id": theirs.public_id})).content.decode()
    assert "杭州仓前实业有限公司" not in page and claim_url(mine) not in page


@pytest.mark.django_db
def test_the_organisation_home_lists_its_claims_per_quarter(client, si, community):
    owner = portal_user("owner", "李四")
    employer = register(owner, community)
    client.force_login(owner)
    for quarter in (1, 2):
        client.post(
            reverse("portal:employer_claim_open", kwargs={"public_id": employer.public_id}), {"year": 2026, "quarter": quarter}
        )
    # opening a quarter again leads to the same claim
    client.post(reverse("portal:employer_claim_open", kwargs={"public_id": employer.public_id}), {"year": 2026, "quarter": 1})
    assert SocialInsuranceClaim.objects.count() == 2
    page = client.get(reverse("portal:employer", kwargs={"public_id": employer.public_id})).content.decode()
    assert page.index(claim_url(employer, quarter=2)) < page.index(claim_url(employer, quarter=1))
    # a year outside this one and the last is not offered
    client.post(reverse("portal:employer_claim_open", kwargs={"public_id": employer.public_id}), {"year": 2020, "quarter": 1})
    assert SocialInsuranceClaim.objects.count() == 2


# --- the roster: template, report, valid rows only, bad files ----------------------------------------------------


def test_the_template_downloads_with_the_roster_header(client):
    from openpyxl import load_workbook

    response = client.get(reverse("portal:roster_template"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith("attachment; filename*=UTF-8''")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]] == ROSTER_COLUMNS


@pytest.fixture
def filing(client, si, community, district):
    """An organisation with its administrator signed in, the claim of 2026 Q1 open, and the agency's records of
    Alice and Bob (three months each, at the minimum base) imported; none for Carol."""
    owner = portal_user("owner", "李四")
    employer = register(owner, community)
    office = bureau(district)
    for person in (ALICE, BOB):
        paid(person, employer.applicant, ["202601", "202602", "202603"], AT_MINIMUM, by=office)
    client.force_login(owner)
    client.post(reverse("portal:employer_claim_open", kwargs={"public_id": employer.public_id}), {"year": 2026, "quarter": 1})
    return employer, owner


@pytest.mark.django_db
def test_bad_rows_are_reported_by_line_then_the_valid_rows_alone_are_submitted(client, filing):
    employer, owner = filing
    claim = SocialInsuranceClaim.objects.get()
    content = roster(
        [
            [ALICE, "王伟", "就业困难人员", *GOOD],
            [wrong_checksum(CAROL), "刘芳", "登记失业人员", *GOOD],
            [ALICE, "王伟", "就业困难人员", *GOOD],
            [BOB, "陈明", "登记失业人员", *GOOD],
        ]
    )
    # when the roster is checked
    response = upload(client, employer, content)
    page = response.content.decode()
    # then each bad row is reported with its line number and reason, and nothing is filed
    assert response.status_code == 200
    assert '<tr id="line-3"><td>3</td><td>' + zh("The citizen ID number fails its check digit (GB 11643).") in page
    assert '<tr id="line-4"><td>4</td><td>' + zh("The same person is on line %(first)s.", first=2) in page
    assert "line-2" not in page and "line-5" not in page
    # 2 valid rows x 3,480.36 = 6,960.72
    assert "¥6,960.72" in page
    assert nothing_filed() == (0, 0, 0)
    pending = RosterUpload.objects.get()
    assert (pending.valid_rows, pending.refused_rows, pending.filename) == (2, 2, "花名册.csv")
    assert rows_holding(ALICE) == []  # the kept file is encrypted
    # the page, opened again, shows the same report from the kept file
    assert '<tr id="line-4">' in client.get(claim_url(employer)).content.decode()

    # a submission of a file other than the one reported is refused
    client.post(claim_url(employer, "roster_submit"), {"sha256": "0" * 64, "only_valid_rows": "on"})
    assert nothing_filed() == (0, 0, 0)
    # when only the valid rows are submitted
    response = client.post(claim_url(employer, "roster_submit"), {"sha256": pending.sha256, "only_valid_rows": "on"})
    assert response.url == claim_url(employer)
    claim.refresh_from_db()
    assert (claim.status, claim.total_amount, claim.roster_filename) == (ClaimStatus.SUBMITTED, Decimal("6960.72"), "花名册.csv")
    assert sorted(claim.roster_rows.values_list("line", "name")) == [(2, "王伟"), (5, "陈明")]
    assert PersonMonthEntitlement.objects.filter(roster_row__claim=claim).count() == 6
    assert RosterUpload.objects.count() == 0
    page = client.get(claim_url(employer)).content.decode()
    assert mask_citizen_id(ALICE) in page and ALICE not in page  # IDs masked
    events = list(EmployerEvent.objects.filter(claim=claim).values_list("action", "actor_name", "at_window"))
    assert events == [("claim_open", "李四", False), ("roster_check", "李四", False), ("roster_submit", "李四", False)]


@pytest.mark.django_db
def test_a_whole_roster_is_not_submitted_while_rows_are_refused_and_a_fixed_file_replaces_it(client, filing):
    employer, _owner = filing
    bad = roster([[ALICE, "王伟", "就业困难人员", *GOOD], [CAROL, "刘芳", "登记失业人员", *GOOD]])
    upload(client, employer, bad)
    pending = RosterUpload.objects.get()
    # submitting the whole roster (not only the valid rows) with a refused row changes nothing
    response = client.post(claim_url(employer, "roster_submit"), {"sha256": pending.sha256})
    assert response.status_code == 302
    assert nothing_filed() == (0, 0, 0)
    # the fixed file replaces the report; all rows valid, it is submitted whole
    fixed = roster([[ALICE, "王伟", "就业困难人员", *GOOD], [BOB, "陈明", "登记失业人员", *GOOD]])
    page = upload(client, employer, fixed, "fixed.csv").content.decode()
    assert zh("Submit the roster") in page and 'id="line-' not in page
    pending = RosterUpload.objects.get()
    assert pending.filename == "fixed.csv"
    client.post(claim_url(employer, "roster_submit"), {"sha256": pending.sha256})
    claim = SocialInsuranceClaim.objects.get()
    assert (claim.status, claim.total_amount, claim.roster_rows.count()) == (ClaimStatus.SUBMITTED, Decimal("6960.72"), 2)


def _rows_csv(count: int) -> bytes:
    lines = [",".join(ROSTER_COLUMNS)]
    lines += [f"{ALICE},王伟,就业困难人员,2026-01-01,2027-12-31,2026-01~2026-03,3480.36,," for _ in range(count)]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", ("The file is empty.", {})),
        (roster([[ALICE, "王伟", "就业困难人员", *GOOD]], encoding="utf-16"), ("The file is neither UTF-8 nor GBK text.", {})),
        # 100,000 rows of 94 bytes (header 124): 9,400,124 bytes = 8.96 MB, above the 5 MB a roster may have
        (_rows_csv(100_000), ("The file is %(size)s MB; at most %(max)s MB may be uploaded at once.", {"size": 9.0, "max": 5.0})),
    ],
    ids=["empty", "utf-16", "100000-rows"],
)
def test_an_unreadable_roster_gets_a_clear_message_and_the_claim_is_unchanged(client, filing, content, message):
    employer, _owner = filing
    response = upload(client, employer, content)
    text, params = message
    assert response.status_code == 400
    assert zh(text, html=True, **params) in response.content.decode()
    assert zh("The claim is unchanged.") in response.content.decode()
    assert (nothing_filed(), RosterUpload.objects.count()) == ((0, 0, 0), 0)
    assert SocialInsuranceClaim.objects.get().status == ClaimStatus.DRAFT


@pytest.mark.django_db
def test_a_gbk_roster_is_read(client, filing):
    employer, _owner = filing
    page = upload(client, employer, roster([[ALICE, "王伟", "就业困难人员", *GOOD]], encoding="gbk")).content.decode()
    assert zh("Submit the roster") in page
    assert RosterUpload.objects.get().valid_rows == 1


# --- the window ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_window_officer_registers_an_employer_and_files_its_roster_on_its_behalf(
    client, si, community, other_town_community, district
):
    officer = make_user("window", Role.COMMUNITY_OFFICER, community)
    officer.first_name = "社区经办员"
    officer.save()
    far = make_user("far", Role.COMMUNITY_OFFICER, other_town_community)
    client.force_login(officer)
    assert client.get(reverse("portal:window_employer")).status_code == 200
    # a community of another town is not offered
    response = client.post(reverse("portal:window_employer"), form(7, community, community=other_town_community.pk))
    assert response.status_code == 200 and Employer.objects.count() == 0
    response = client.post(reverse("portal:window_employer"), form(7, community))
    employer = Employer.objects.get()
    assert (employer.registered_at_window, employer.registered_by, employer.agents.count()) == (True, officer, 0)
    paid(ALICE, employer.applicant, ["202601", "202602", "202603"], AT_MINIMUM, by=bureau(district))
    client.post(reverse("portal:employer_claim_open", kwargs={"public_id": employer.public_id}), {"year": 2026, "quarter": 1})
    upload(client, employer, roster([[ALICE, "王伟", "就业困难人员", *GOOD]]))
    client.post(claim_url(employer, "roster_submit"), {"sha256": RosterUpload.objects.get().sha256})
    claim = SocialInsuranceClaim.objects.get()
    assert (claim.status, claim.total_amount, claim.created_by) == (ClaimStatus.SUBMITTED, Decimal("3480.36"), officer)
    assert list(EmployerEvent.objects.values_list("action", "actor_name", "at_window")) == [
        ("register", "社区经办员", True),
        ("claim_open", "社区经办员", True),
        ("roster_check", "社区经办员", True),
        ("roster_submit", "社区经办员", True),
    ]
    # the town's employers are listed for the officer; an officer of another town sees none of them
    assert employer.applicant.name in client.get(reverse("portal:employer_home")).content.decode()
    client.force_login(far)
    assert client.get(reverse("portal:employer", kwargs={"public_id": employer.public_id})).status_code == 404
    assert employer.applicant.name not in client.get(reverse("portal:employer_home")).content.decode()


# --- the demo --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_has_an_employer_whose_agent_signs_in_to_its_pages(client, si):
    from cases.demo import DEMO_PASSWORD, demo_employer_load, demo_users_load

    demo_users_load()
    first = demo_employer_load(year=2026)
    assert demo_employer_load(year=2026) == first  # run again: nothing added
    assert (Employer.objects.count(), first.applicant.name) == (1, "杭州仓前示范实业有限公司")
    assert [(a.user.username, a.role) for a in first.agents.all()] == [("employer", AgentRole.ADMIN)]
    assert client.login(username="employer", password=DEMO_PASSWORD)
    page = client.get(reverse("portal:employer_home"), follow=True)
    assert page.redirect_chain == [(reverse("portal:employer", kwargs={"public_id": first.public_id}), 302)]
    assert zh("Open the claim") in page.content.decode()


@pytest.mark.django_db
def test_an_enterprise_bound_to_one_account_is_not_registered_online_by_another(si, community):
    from cases.services import user_real_name_bind

    contact = user_real_name_bind(user=portal_user("contact", ""), name="杭州仓前实业有限公司", credit_code=code(3))
    with pytest.raises(DomainError) as refusal:
        register(portal_user("someone", "王五"), community, 3)
    assert str(refusal.value.message) == "该统一社会信用代码已绑定其他账户。"
    assert Employer.objects.count() == 0
    employer = register(contact, community, 3)
    assert [(a.user, a.role) for a in employer.agents.all()] == [(contact, AgentRole.ADMIN)]
