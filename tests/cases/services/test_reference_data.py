"""Reference data imports and the towns' targets: a good file in UTF-8, GBK or XLSX is imported whole; a bad one is
refused whole with every reason in Chinese, and nothing changes."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from cases.constants import Role
from cases.exceptions import InvalidImport, PermissionDenied
from cases.models import BusinessRegistration, JobsReport, LabourFigure, OrgUnit, ReferenceFile, ReferenceKind, TownTarget
from cases.services.reference_data import reference_file_import, town_targets_set
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
REGISTRATIONS = "镇街代码,月份,新增私营企业,新增个体工商户"


@pytest.fixture
def admin(district):
    return make_user("reference-admin", Role.ADMINISTRATOR, district)


def refused(content: bytes, admin, kind=ReferenceKind.REGISTRATIONS) -> list[str]:
    before = (ReferenceFile.objects.count(), BusinessRegistration.objects.count(), LabourFigure.objects.count())
    with pytest.raises(InvalidImport) as error:
        reference_file_import(kind=kind, content=content, filename="bad.csv", by=admin)
    assert (ReferenceFile.objects.count(), BusinessRegistration.objects.count(), LabourFigure.objects.count()) == before
    return [str(detail) for detail in error.value.details]


def test_registrations_in_gbk_and_labour_figures_in_xlsx_are_imported_and_a_later_file_replaces(admin):
    content = f"{REGISTRATIONS}\n330110001,2026-03,30,70\n330110002,2026-3,1,2\n".encode("gbk")
    record = reference_file_import(kind=ReferenceKind.REGISTRATIONS, content=content, filename="登记.csv", by=admin)
    assert record.rows == 2
    assert sorted(
        BusinessRegistration.objects.values_list("town__code", "month", "private_enterprises", "individual_businesses")
    ) == [
        ("330110001", dt.date(2026, 3, 1), 30, 70),
        ("330110002", dt.date(2026, 3, 1), 1, 2),
    ]
    # the same town and month again: the figures are replaced, not added
    reference_file_import(
        kind=ReferenceKind.REGISTRATIONS,
        content=f"{REGISTRATIONS}\n330110001,2026-03,31,71\n".encode(),
        filename="b.csv",
        by=admin,
    )
    assert BusinessRegistration.objects.get(town__code="330110001").private_enterprises == 31
    assert BusinessRegistration.objects.count() == 2

    workbook = Workbook()
    workbook.active.append(["镇街代码", "年份", "常住人口", "劳动力人口", "城镇新增就业"])
    workbook.active.append(["330110001", 2026, 2000, 1000, 50])
    out = io.BytesIO()
    workbook.save(out)
    reference_file_import(kind=ReferenceKind.LABOUR, content=out.getvalue(), filename="labour.xlsx", by=admin)
    assert list(LabourFigure.objects.values_list("year", "residents", "labour_force", "new_employment")) == [
        (2026, 2000, 1000, 50)
    ]


def test_a_bad_file_is_refused_whole_with_every_reason_in_chinese(admin):
    details = refused(
        (f"{REGISTRATIONS}\n330110001,2026-03,30,70\n999,2026-03,1,1\n330110002,2026-13,-5,x\n330110001,2026-03,1,1\n").encode(),
        admin,
    )
    assert details == [
        "第3行：没有代码为999的镇街。",
        "第4行：月份格式应为2026-03（实际为“2026-13”）；新增私营企业不得为负数（实际为-5）；新增个体工商户须为整数（实际为“x”）。",
        "第5行：与第2行重复。",
    ]
    labour = refused(
        "镇街代码,年份,常住人口,劳动力人口,城镇新增就业\n330110001,2026,100,200,5\n".encode(), admin, kind=ReferenceKind.LABOUR
    )
    assert labour == ["第2行：劳动力人口不得超过常住人口。"]
    jobs = refused("案件编号,带动就业人数\nYH-XX-2026-000001,3\n".encode(), admin, kind=ReferenceKind.JOBS)
    assert jobs == ["第2行：没有编号为YH-XX-2026-000001的案件。"]
    assert JobsReport.objects.count() == 0


def test_wrong_columns_and_a_wrong_encoding_are_named(admin):
    [header] = refused("镇街,月份\n330110001,2026-03\n".encode(), admin)
    assert "表头" in header and REGISTRATIONS in header
    [encoding] = refused("镇街代码".encode("utf-16"), admin)
    assert "UTF-8" in encoding and "GBK" in encoding


def test_only_district_administrators_import_and_set_targets(admin, district, community):
    town = OrgUnit.objects.get(code="330110001")
    content = f"{REGISTRATIONS}\n330110001,2026-03,30,70\n".encode()
    for user in (make_user("manager", Role.MANAGER, district), make_user("town-admin", Role.ADMINISTRATOR, town)):
        with pytest.raises(PermissionDenied):
            reference_file_import(kind=ReferenceKind.REGISTRATIONS, content=content, filename="a.csv", by=user)
        with pytest.raises(PermissionDenied):
            town_targets_set(year=2026, values={(town.pk, "jobs"): "10"}, by=user)
    assert ReferenceFile.objects.count() == 0

    # targets: all or nothing; an empty value removes a target
    with pytest.raises(InvalidImport) as error:
        town_targets_set(year=2026, values={(town.pk, "jobs"): "10", (town.pk, "supported"): "-1"}, by=admin)
    assert [str(d) for d in error.value.details] == ["仓前街道 扶持创业（获批案件）：目标须为大于零、最多两位小数的数字。"]
    assert TownTarget.objects.count() == 0
    assert town_targets_set(year=2026, values={(town.pk, "jobs"): "10", (town.pk, "supported"): "4.5"}, by=admin) == 2
    assert town_targets_set(year=2026, values={(town.pk, "jobs"): "", (town.pk, "supported"): "5"}, by=admin) == 1
    assert list(TownTarget.objects.values_list("indicator", "target")) == [("supported", Decimal("5.00"))]
