"""Reference data for the demo and the tests: Yuhang District, its towns and streets, the programmes."""

from collections.abc import Collection
from decimal import Decimal

from django.db import IntegrityError, transaction

from cases.bank_file_layouts import BANK_FILE_LAYOUTS
from cases.constants import AttachmentKind, ProgrammeKind, ReviewLevel, Role, UnitLevel
from cases.models import (
    Bank,
    BankFileLayout,
    BankOfficer,
    BudgetEnvelope,
    Employer,
    OrgUnit,
    Programme,
    SocialInsuranceStandard,
    User,
)
from cases.services.programmes import programme_create

DISTRICT = ("330110", "余杭区", "Yuhang District", "余")
# The district disabled persons' federation (残联): reviews the disabled entrepreneurs' household grants.
FEDERATION = ("330110CL", "余杭区残疾人联合会", "Yuhang District Disabled Persons' Federation", "余残")
# Towns and streets of Yuhang District with a few communities / villages each.
TOWNS = [
    ("330110001", "仓前街道", "Cangqian Street", ["仓前社区", "太炎社区", "灵源村"]),
    ("330110002", "余杭街道", "Yuhang Street", ["凤凰山社区", "溪塔村", "舒心社区"]),
    ("330110003", "五常街道", "Wuchang Street", ["五常社区", "友谊社区", "浙大社区"]),
    ("330110004", "中泰街道", "Zhongtai Street", ["中泰社区", "紫荆村", "南峰村"]),
    ("330110005", "闲林街道", "Xianlin Street", ["闲林社区", "西溪社区", "方家山村"]),
    ("330110006", "良渚街道", "Liangzhu Street", ["良渚社区", "玉鸟社区", "荀山社区"]),
    ("330110007", "仁和街道", "Renhe Street", ["仁和社区", "獐山社区", "奉口村"]),
    ("330110008", "瓶窑镇", "Pingyao Town", ["瓶窑社区", "凤都社区", "南山村"]),
    ("330110009", "径山镇", "Jingshan Town", ["径山村", "前溪村", "潘板社区"]),
    ("330110010", "黄湖镇", "Huanghu Town", ["黄湖社区", "青山村", "王位山村"]),
    ("330110011", "鸬鸟镇", "Luniao Town", ["鸬鸟社区", "太公堂村", "山沟沟村"]),
    ("330110012", "百丈镇", "Baizhang Town", ["百丈社区", "半山村", "溪口村"]),
]

STARTUP_DOCUMENTS = [
    AttachmentKind.ID_CARD,
    AttachmentKind.BUSINESS_LICENCE,
    AttachmentKind.LEASE,
    AttachmentKind.SOCIAL_INSURANCE_RECORD,
    AttachmentKind.BANK_ACCOUNT,
]
ALL_LEVELS = [ReviewLevel.COMMUNITY, ReviewLevel.TOWN, ReviewLevel.DISTRICT, ReviewLevel.APPROVAL]

# Graduate venture grant: the panel's rubric (weights sum to 100; points per criterion 0..max_points; the weighted
# total is 0-100) and the tiers (a mean score at or above min_score and below the next tier's min_score gets that
# tier's amount; below the lowest min_score: no tier). See cases.services.venture.
VENTURE_AMOUNT_RULE = {
    "type": "tiers",
    "tiers": [
        {"min_score": "60", "amount": "20000"},
        {"min_score": "65", "amount": "50000"},
        {"min_score": "70", "amount": "80000"},
        {"min_score": "75", "amount": "100000"},
        {"min_score": "80", "amount": "150000"},
        {"min_score": "90", "amount": "200000"},
    ],
    "rubric": [
        {"code": "innovation", "name": "创新性", "name_en": "Innovation", "weight": 25, "max_points": 10},
        {"code": "market", "name": "市场前景", "name_en": "Market prospects", "weight": 25, "max_points": 10},
        {"code": "team", "name": "团队能力", "name_en": "Team", "weight": 20, "max_points": 10},
        {"code": "finance", "name": "财务可行性", "name_en": "Financial feasibility", "weight": 15, "max_points": 10},
        {"code": "jobs", "name": "带动就业", "name_en": "Jobs created", "weight": 15, "max_points": 10},
    ],
    "panel_size": 5,
    "outlier_distance": "20",
    "round_months": 3,
}

PROGRAMMES = [
    dict(
        code="startup",
        name="一次性创业补贴",
        name_en="One-off start-up subsidy",
        kind=ProgrammeKind.STARTUP,
        case_prefix="CY",
        document_word="创",
        min_amount=Decimal("3000"),
        max_amount=Decimal("30000"),
        amount_rule={"type": "by_category", "amounts": {"graduate": "10000", "unemployed": "5000", "land_lost_farmer": "5000"}},
        eligibility_rules={
            "categories": ["graduate", "unemployed", "land_lost_farmer"],
            "business_min_months": 6,
            "graduate_within_years": 5,
            "once_per_person": True,
        },
        required_documents=STARTUP_DOCUMENTS,
        review_levels=ALL_LEVELS,
        publicity_days=5,
        active=True,
    ),
    dict(
        code="social-insurance",
        name="社会保险补贴",
        name_en="Employer social-insurance subsidy",
        kind=ProgrammeKind.SOCIAL_INSURANCE,
        case_prefix="SB",
        document_word="保",
        min_amount=Decimal("1"),
        max_amount=Decimal("5000000"),
        amount_rule={"type": "roster", "max_months_per_person": 36},
        eligibility_rules={"categories": ["employer"], "contract_min_years": 1},
        required_documents=[AttachmentKind.BUSINESS_LICENCE, AttachmentKind.ROSTER, AttachmentKind.BANK_ACCOUNT],
        review_levels=ALL_LEVELS,
        publicity_days=5,
        active=False,
    ),
    dict(
        code="disabled",
        name="残疾人自主创业扶持",
        name_en="Disabled entrepreneur household grant",
        kind=ProgrammeKind.DISABLED,
        case_prefix="CJ",
        document_word="残",
        min_amount=Decimal("3000"),
        max_amount=Decimal("3000"),
        # 3,000 yuan per household (the district's report: 101 households, 303,000 yuan). "per": "person" pays the
        # amount for each disabled person of the household working in the business instead (raise the cap with it).
        amount_rule={"type": "disabled", "per": "household", "amount": "3000"},
        eligibility_rules={"categories": ["disabled"], "once_per_person": True, "once_per_household": True},
        required_documents=[
            AttachmentKind.ID_CARD,
            AttachmentKind.DISABILITY_CERTIFICATE,
            AttachmentKind.BUSINESS_LICENCE,
            AttachmentKind.BANK_ACCOUNT,
        ],
        review_levels=ALL_LEVELS,
        publicity_days=7,
        active=True,
    ),
    dict(
        code="venture",
        name="大学生创业项目资助",
        name_en="Graduate venture grant",
        kind=ProgrammeKind.VENTURE,
        case_prefix="DX",
        document_word="资",
        min_amount=Decimal("20000"),
        max_amount=Decimal("200000"),
        amount_rule=VENTURE_AMOUNT_RULE,
        eligibility_rules={
            "categories": ["graduate"],
            "graduate_within_years": 5,
            "graduate_capital_min_percent": 30,
            "business_min_months": 3,
            "once_per_person": True,
        },
        required_documents=[AttachmentKind.BUSINESS_PLAN, AttachmentKind.SHAREHOLDER_REGISTER, AttachmentKind.DEGREE_CERTIFICATE],
        review_levels=ALL_LEVELS,
        publicity_days=5,
        active=False,
    ),
    dict(
        code="loan",
        name="创业担保贷款贴息",
        name_en="Guaranteed start-up loan with interest subsidy",
        kind=ProgrammeKind.LOAN,
        case_prefix="DK",
        document_word="贷",
        # The envelope carries the interest subsidies, claim by claim, not the principal (ADR 0007).
        commits_budget_on_approval=False,
        min_amount=Decimal("1"),
        # The largest of the caps below; each borrower kind has its own (read by cases.services.loans).
        max_amount=Decimal("3000000"),
        amount_rule={
            "type": "loan",
            "caps": {"individual": "500000", "partnership": "1500000", "small_enterprise": "3000000"},
            "term_months_max": 36,
            # Key groups get the whole interest subsidised; others the part above the reference rate.
            "key_groups": ["disabled", "land_lost_farmer"],
            "reference_rate": "0.035",
            # Guarantee compensation of the outstanding principal: 100 % of the first 100,000, 80 % above.
            "compensation_tiers": [["100000", "1.00"], [None, "0.80"]],
        },
        eligibility_rules={
            "categories": ["graduate", "unemployed", "land_lost_farmer", "disabled"],
            "max_loans": 3,
            "training_certificate_for": ["unemployed", "land_lost_farmer"],
            # SYB training taken with another district's provider: its certificate uploaded, checked by the reviewer.
            "training_certificate_upload_accepted": True,
        },
        required_documents=[AttachmentKind.ID_CARD, AttachmentKind.BUSINESS_LICENCE],
        review_levels=ALL_LEVELS,
        publicity_days=5,
        active=True,
    ),
    dict(
        code="training",
        name="创业培训补贴",
        name_en="Entrepreneurship training subsidy",
        kind=ProgrammeKind.TRAINING,
        case_prefix="PX",
        document_word="培",
        min_amount=Decimal("0"),
        # The cap of one claim: a class of at most 100 trainees at 1,000 yuan.
        max_amount=Decimal("100000"),
        amount_rule={
            "type": "per_trainee",
            "amount_per_trainee": "1000",
            "share_without_business": "0.50",
            "business_window_months": 6,
        },
        eligibility_rules={"claim_within_months": 6, "min_attendance_percent": 80},
        required_documents=[],
        # A claim is accepted when it is settled (cases.services.training.claims); the district reviews it.
        review_levels=[ReviewLevel.COMMUNITY, ReviewLevel.DISTRICT, ReviewLevel.APPROVAL],
        publicity_days=5,
        active=False,
    ),
]

# Banks that lend guaranteed start-up loans in the district (code, name).
BANKS = [("icbc-yh", "工商银行余杭支行"), ("abc-yh", "农业银行余杭支行"), ("yhrcb", "余杭农村商业银行")]

DEMO_PASSWORD = "Yuhang-demo-2026!"  # noqa: S105 - printed by seed_demo for the demo logins


def _unit(code: str, name: str, name_en: str, level: str, parent: OrgUnit | None, prefix: str = "") -> OrgUnit:
    unit, _ = OrgUnit.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "name_en": name_en,
            "level": level,
            "parent": parent,
            "path": OrgUnit.path_for(code=code, parent=parent),
            "document_prefix": prefix,
        },
    )
    return unit


@transaction.atomic
def org_units_load() -> OrgUnit:
    """The district, its towns and communities: the missing ones created, the existing ones left as they are."""
    code, name, name_en, prefix = DISTRICT
    district = _unit(code, name, name_en, UnitLevel.DISTRICT, None, prefix)
    for town_code, town_name, town_en, communities in TOWNS:
        town = _unit(town_code, town_name, town_en, UnitLevel.TOWN, district, town_name[:2])
        for index, community in enumerate(communities, start=1):
            _unit(f"{town_code}{index:03d}", community, "", UnitLevel.COMMUNITY, town, community)
    code, name, name_en, prefix = FEDERATION
    _unit(code, name, name_en, UnitLevel.FEDERATION, district, prefix)
    return district


@transaction.atomic
def programmes_load(
    *,
    year: int,
    startup_budget: Decimal = Decimal("2000000"),
    loan_subsidy_budget: Decimal = Decimal("1000000"),
    disabled_budget: Decimal = Decimal("303000"),
    opened: Collection[str] = (),
) -> list[Programme]:
    """The programmes, the year's envelopes of the start-up, loan and household-grant programmes (a loan envelope carries interest
    subsidies, ADR 0007) and the lending banks: what is missing is created, what exists is left as it is (an
    administrator may have edited it). A programme named in `opened` is created open for applications even where
    the reference data has it closed."""
    programmes = []
    for data in PROGRAMMES:
        programme = Programme.objects.filter(code=data["code"]).first()
        if programme is None:
            # Version 1 of its rules, by no one (reference data); an administrator's later versions stay current.
            try:
                with transaction.atomic():
                    programme = programme_create(by=None, **({**data, "active": True} if data["code"] in opened else data))
            except IntegrityError:  # another process (a second simulate) created it meanwhile
                programme = Programme.objects.get(code=data["code"])
        programmes.append(programme)
    for code, amount in (("startup", startup_budget), ("loan", loan_subsidy_budget), ("disabled", disabled_budget)):
        programme = Programme.objects.get(code=code)
        BudgetEnvelope.objects.get_or_create(programme=programme, year=year, org_unit=None, defaults={"amount": amount})
    for code, name in BANKS:
        Bank.objects.get_or_create(code=code, defaults={"name": name})
    for layout in BANK_FILE_LAYOUTS:
        BankFileLayout.objects.get_or_create(code=layout["code"], defaults=layout)
    return programmes


DEMO_USERS = [
    ("community", "社区经办员", Role.COMMUNITY_OFFICER, "330110001001"),
    ("town", "镇街审核员", Role.TOWN_REVIEWER, "330110001"),
    ("town2", "另一镇街审核员", Role.TOWN_REVIEWER, "330110002"),
    ("reviewer", "区级审核员", Role.DISTRICT_REVIEWER, "330110"),
    ("approver", "区级审批人", Role.DISTRICT_APPROVER, "330110"),
    ("finance", "财务经办员", Role.FINANCE_OFFICER, "330110"),
    ("finance2", "财务复核员", Role.FINANCE_OFFICER, "330110"),
    ("manager", "统计管理员", Role.MANAGER, "330110"),
    ("bank", "工商银行信贷员", Role.BANK_OFFICER, "330110"),
    ("federation", "区残联审核员", Role.FEDERATION_REVIEWER, FEDERATION[0]),
    ("applicant", "申请人张三", Role.APPLICANT, None),
    ("employer", "用人单位经办人李四", Role.APPLICANT, None),
    ("provider", "培训机构经办人王五", Role.APPLICANT, None),
]
# The demo employer (社保补贴): its credit code (check character computed, GB 32100), the organisation's unit, and
# the year's standard of the social-insurance programme (minimum base x the employer's rates).
DEMO_EMPLOYER = ("杭州仓前示范实业有限公司", "91330110MA2DEM901", "330110001001")
# The demo training provider (创业培训定点机构), administered by the demo login `provider` (workflows.programmes.training.demo).
DEMO_PROVIDER = ("余杭区示范职业技能培训学校", "52330110MJ9DEM902", "330110001001")
DEMO_STANDARD = {
    "minimum_base": Decimal("4462.00"),
    "pension_rate": Decimal("0.16"),
    "medical_rate": Decimal("0.095"),
    "unemployment_rate": Decimal("0.005"),
}


@transaction.atomic
def demo_users_load(*, password: str = DEMO_PASSWORD) -> list[User]:
    users = []
    for username, full_name, role, unit_code in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": full_name,
                "role": role,
                "org_unit": OrgUnit.objects.get(code=unit_code) if unit_code else None,
            },
        )
        if created:
            user.set_password(password)
            user.save()
        if role == Role.BANK_OFFICER:
            BankOfficer.objects.get_or_create(user=user, defaults={"bank": Bank.objects.get(code=BANKS[0][0])})
        users.append(user)
    admin, created = User.objects.get_or_create(
        username="admin",
        defaults={
            "role": Role.ADMINISTRATOR,
            "org_unit": OrgUnit.objects.get(code=DISTRICT[0]),
            "is_staff": True,
            "is_superuser": True,
            "first_name": "系统管理员",
        },
    )
    if created:
        admin.set_password(password)
        admin.save()
    users.append(admin)
    return users


@transaction.atomic
def demo_employer_load(*, year: int) -> Employer:
    """One employer whose administrator is the demo login `employer`, and the year's social-insurance standard:
    what is missing is created, what exists is left as it is."""
    from cases.identifiers import credit_code_check_char
    from cases.services.social_insurance.employers import employer_register

    name, first17, unit_code = DEMO_EMPLOYER
    credit_code = first17 + credit_code_check_char(first17)
    programme = Programme.objects.filter(code="social-insurance").first()
    if programme is not None:
        SocialInsuranceStandard.objects.get_or_create(programme=programme, year=year, defaults=DEMO_STANDARD)
    existing = Employer.objects.filter(applicant__credit_code=credit_code).first()
    if existing is not None:
        return existing
    user = User.objects.get(username="employer")
    user.real_name = user.real_name or user.first_name
    user.save(update_fields=["real_name"])
    return employer_register(
        name=name,
        credit_code=credit_code,
        address="余杭区仓前街道文一西路1号",
        org_unit=OrgUnit.objects.get(code=unit_code),
        bank_name="中国工商银行余杭支行",
        bank_account_name=name,
        bank_account_number="6222021202001234567",
        by=user,
    )
