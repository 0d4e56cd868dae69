"""Bank file layouts on the finance pages: a batch is never prepared without one, the file goes out in the layout's
encoding and headers, the bank gets a return-file template, and the batch pages show progress as a bar."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from cases.bank_file_layouts import BANK_FILE_LAYOUTS, standard_layout
from cases.constants import Role
from cases.exceptions import DomainError
from cases.models import BankFileLayout, PaymentBatch, PaymentLine
from cases.services.payments import RETURN_FILE_COLUMNS
from tests.conftest import make_user
from tests.workflows.finance.test_finance_pages import payable, verified
from workflows.engine import steps as flow_services

pytestmark = pytest.mark.django_db


def prepare_page(client, programme):
    return reverse("finance:batch_prepare") + f"?programme={programme.pk}"


def test_the_district_and_its_banks_have_their_layouts(programme):
    # programmes_load (reference data and the demo) loads the standard layout and one per paying bank
    layouts = {layout.code: layout for layout in BankFileLayout.objects.all()}
    assert set(layouts) == {"standard", "icbc-yh", "abc-yh", "yhrcb"} == {data["code"] for data in BANK_FILE_LAYOUTS}
    assert (layouts["icbc-yh"].encoding, layouts["abc-yh"].encoding, layouts["abc-yh"].amount_format) == (
        "gbk",
        "utf-8-sig",
        "fen",
    )
    for layout in layouts.values():
        layout.full_clean()


def test_a_batch_is_not_prepared_without_a_layout(client, programme, staff, community, rng, envelope):
    applications = payable(programme, staff, community, rng)
    maker = verified(client, staff.finance_maker)
    response = maker.post(prepare_page(client, programme), {"cases": [a.pk for a in applications]})
    assert response.status_code == 200
    assert "请选择付款银行的银行文件格式。" in response.content.decode()
    with pytest.raises(DomainError) as refused:
        flow_services.payment_batch_prepare(programme=programme, applications=applications, by=staff.finance_maker, layout=None)
    assert str(refused.value.message) == "请选择付款银行的银行文件格式。"
    assert PaymentBatch.objects.count() == 0 and PaymentLine.objects.count() == 0


def test_without_any_layout_the_page_says_why_and_offers_no_form(client, programme, staff, community, rng, envelope):
    applications = payable(programme, staff, community, rng)
    BankFileLayout.objects.all().delete()
    maker = verified(client, staff.finance_maker)
    page = maker.get(prepare_page(client, programme))
    body = page.content.decode()
    assert "尚未设置银行文件格式" in body and 'name="cases"' not in body
    assert maker.post(prepare_page(client, programme), {"cases": [applications[0].pk]}).status_code == 200
    assert PaymentBatch.objects.count() == 0


def _exported(client, programme, staff, applications, layout_code):
    maker = verified(client, staff.finance_maker)
    layout = BankFileLayout.objects.get(code=layout_code)
    response = maker.post(prepare_page(client, programme), {"cases": [a.pk for a in applications], "layout": layout.pk})
    assert response.status_code == 302
    batch = PaymentBatch.objects.get()
    assert batch.layout == layout
    maker.logout()
    checker = verified(client, staff.finance_checker)
    checker.post(reverse("finance:batch_approve", args=[batch.number]))
    checker.logout()
    maker = verified(client, staff.finance_maker, drift=1)
    content = maker.post(reverse("finance:batch_export", args=[batch.number, "csv"])).content
    return maker, batch, content


def test_the_bank_file_is_written_in_the_layouts_encoding_and_headers(client, programme, staff, community, rng, envelope):
    applications = payable(programme, staff, community, rng, n=2)
    _maker, batch, content = _exported(client, programme, staff, applications, "abc-yh")
    # UTF-8 with BOM, the bank's headers, amounts in whole fen, a totals row
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == ["流水号", "账号", "户名", "金额（分）", "摘要"]
    lines = list(batch.lines.order_by("id"))
    assert [row[3] for row in rows[1:3]] == [str(int(line.amount * 100)) for line in lines]
    assert rows[3][3] == str(int(sum(line.amount for line in lines) * 100))


def test_a_gbk_layout_gives_gbk_bytes(client, programme, staff, community, rng, envelope):
    applications = payable(programme, staff, community, rng)
    _maker, _batch, content = _exported(client, programme, staff, applications, "icbc-yh")
    assert not content.startswith(b"\xef\xbb\xbf")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    header = content.decode("gbk").split("\r\n")[0]
    assert header == "业务参考号,收款人户名,收款人账号,收款人开户行,金额（元）,用途"


def test_return_file_template_then_import_then_the_progress_bar(client, programme, staff, community, rng, envelope):
    applications = payable(programme, staff, community, rng, n=3)
    maker, batch, _content = _exported(client, programme, staff, applications, "standard")
    lines = list(batch.lines.order_by("id"))

    response = maker.get(reverse("finance:batch_return_template", args=[batch.number]))
    assert response.status_code == 200 and response["Content-Disposition"] == f'attachment; filename="{batch.number}-return.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == RETURN_FILE_COLUMNS
    assert [row[2] for row in rows[1:]] == [f"{line.amount:.2f}" for line in lines]
    assert all(row[3:] == ["", "", ""] for row in rows[1:])

    # the bank fills it in: first line paid, second returned, third not answered yet
    rows[1][3:] = ["paid", "", "B1"]
    rows[2][3:] = ["returned", "账户已冻结", "B2"]
    del rows[3]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    upload = io.BytesIO(out.getvalue().encode("utf-8-sig"))
    upload.name = "return.csv"
    assert maker.post(reverse("finance:batch_import", args=[batch.number]), {"file": upload}).status_code == 302

    page = maker.get(reverse("finance:batch_detail", args=[batch.number]))
    body = page.content.decode()
    assert page.context["figures"].progress.segments == [
        {"kind": "paid", "count": 1, "width": 33, "offset": 0},
        {"kind": "returned", "count": 1, "width": 33, "offset": 33},
        {"kind": "awaiting", "count": 1, "width": 33, "offset": 66},
    ]
    assert 'role="img" aria-label="已拨付 1 笔，退票 1 笔，待银行回盘 1 笔，未发送 0 笔"' in body
    listing = maker.get(reverse("finance:batches")).content.decode()
    assert re.findall(r'data-kind="(\w[\w-]*)" data-count="(\d+)"', listing) == [
        ("paid", "1"),
        ("returned", "1"),
        ("awaiting", "1"),
    ]


def test_amounts_are_written_the_same_way_on_every_finance_page(client, programme, staff, community, rng, envelope):
    applications = payable(programme, staff, community, rng, n=2)
    for application, amount in zip(applications, (Decimal("25000.00"), Decimal("12345.67")), strict=True):
        application.approved_amount = amount
        application.save(update_fields=["approved_amount"])
    batch = flow_services.payment_batch_prepare(
        programme=programme, applications=applications, by=staff.finance_maker, layout=standard_layout()
    )
    maker = verified(client, staff.finance_maker)
    detail = maker.get(reverse("finance:batch_detail", args=[batch.number])).content.decode()
    assert "¥25,000.00" in detail and "¥12,345.67" in detail
    assert "¥37,345.67" in maker.get(reverse("finance:batches")).content.decode()
    assert re.search(r"¥\d{1,3}(,\d{3})*\.\d\d", maker.get(reverse("finance:envelopes")).content.decode())


def test_a_reviewer_gets_no_return_template(client, programme, staff, community, rng, envelope):
    applications = payable(programme, staff, community, rng)
    batch = flow_services.payment_batch_prepare(
        programme=programme, applications=applications, by=staff.finance_maker, layout=standard_layout()
    )
    reviewer = make_user("town-reader", Role.TOWN_REVIEWER, community.parent)
    client.force_login(reviewer)
    assert client.get(reverse("finance:batch_return_template", args=[batch.number])).status_code in (302, 403)
