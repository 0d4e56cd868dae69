"""Finance pages and two-factor sign-in, through the browser-facing views (Django test client, real TOTP codes)."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from openpyxl import load_workbook

from cases import services as case_services
from cases.bank_file_layouts import standard_layout
from cases.constants import ReviewLevel, Role
from cases.models import Application, OrgUnit, PaymentBatch, PaymentLine
from tests.conftest import make_user
from tests.lifecycle import advance, submitted
from workflows.engine import simulation
from workflows.engine import steps as flow_services

pytestmark = pytest.mark.django_db


def code(device: TOTPDevice, drift: int = 0) -> str:
    """The code an authenticator app shows now, computed from the device key (drift=1: the next time step)."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, drift):0{device.digits}d}"


def verified(client, user, drift: int = 0):
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="app", confirmed=True
    )
    response = client.post(reverse("finance:otp_verify"), {"token": code(device, drift), "next": "/finance/"})
    assert response.status_code == 302, response.content
    return client


def payable(programme, staff, community, rng, n=1):
    cases = []
    for _ in range(n):
        application, _ = submitted(programme=programme, community=community, rng=rng)
        cases.append(advance(application, staff, through=ReviewLevel.APPROVAL))
    batch = flow_services.publicity_publish(
        programme=programme, applications=cases, by=staff.approver, starts_on=timezone.localdate()
    )
    flow_services.publicity_close_due(today=batch.ends_on + dt.timedelta(days=1))
    return [Application.objects.get(pk=a.pk) for a in cases]


def test_enrolment_shows_a_qr_and_a_real_code_confirms_it(client, staff, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp waits 1 s, doubling, after each wrong code; not under test here
    client.force_login(staff.finance_maker)
    # without a second factor, finance pages send the officer to enrolment, which first asks for the code an
    # administrator issued (tests/workflows/test_otp_enrolment.py); the QR code follows it
    response = client.get("/finance/")
    assert response.status_code == 302 and response["Location"].startswith("/finance/2fa/enrol/?next=")
    enrol_url = response["Location"]
    assert "otpauth://" not in client.get(enrol_url).content.decode()
    issued = case_services.otp_enrolment_code_issue(user=staff.finance_maker, actor=None)
    response = client.post(enrol_url, {"code": issued.code, "next": "/finance/"})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body and "otpauth://totp/" in body
    device = TOTPDevice.objects.get(user=staff.finance_maker)
    assert device.confirmed is False

    wrong = client.post(reverse("finance:otp_enrol"), {"token": f"{(int(code(device)) + 1) % 1000000:06d}", "next": "/finance/"})
    assert wrong.status_code == 400 and not TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get("/finance/").status_code == 302

    used = code(device)
    ok = client.post(reverse("finance:otp_enrol"), {"token": used, "next": "/finance/"})
    assert ok.status_code == 302 and ok["Location"] == "/finance/"
    assert TOTPDevice.objects.get(pk=device.pk).confirmed is True
    assert client.get("/finance/").status_code == 200

    # a new session needs the code again; the code just used cannot be replayed, the next one works
    client.logout()
    client.force_login(staff.finance_maker)
    response = client.get("/finance/batches/")
    assert response.status_code == 302 and response["Location"].startswith("/finance/2fa/verify/")
    # (the very token used, not "the current code": a 30 s step may have ended in between)
    assert client.post(reverse("finance:otp_verify"), {"token": used, "next": "/finance/"}).status_code == 400
    assert client.post(reverse("finance:otp_verify"), {"token": code(device, 1), "next": "/finance/"}).status_code == 302
    assert client.get("/finance/batches/").status_code == 200


def test_approval_actions_are_refused_without_a_verified_device(client, programme, staff, community, rng):
    applications = payable(programme, staff, community, rng)
    batch = flow_services.payment_batch_prepare(
        programme=programme, applications=applications, by=staff.finance_maker, layout=standard_layout()
    )
    client.force_login(staff.finance_checker)
    response = client.post(reverse("finance:batch_approve", args=[batch.number]))
    assert response.status_code == 403
    assert PaymentBatch.objects.get(pk=batch.pk).status == "draft"
    # the district approver is sent to enrolment before the staff site as well
    client.force_login(staff.approver)
    response = client.get("/workflow/")
    assert response.status_code == 302 and "/finance/2fa/enrol/" in response["Location"]
    # roles without money (a town reviewer) are not asked
    client.force_login(staff.town[community.parent_id])
    assert client.get(reverse("case_detail", args=[applications[0].public_id])).status_code == 200


def test_the_whole_payment_path_through_the_pages(client, programme, staff, community, rng, envelope):
    applications = payable(programme, staff, community, rng, n=2)
    maker = verified(client, staff.finance_maker)

    # prepare with filters: programme, town, period
    town = OrgUnit.objects.get(pk=community.parent_id)
    query = {"programme": programme.pk, "town": town.pk, "approved_from": timezone.localdate().isoformat()}
    page = maker.get(reverse("finance:batch_prepare"), query)
    assert page.status_code == 200
    assert all(a.number in page.content.decode() for a in applications)
    other = maker.get(reverse("finance:batch_prepare"), {**query, "approved_from": "2001-01-01", "approved_to": "2001-12-31"})
    assert applications[0].number not in other.content.decode()
    url = reverse("finance:batch_prepare") + "?" + "&".join(f"{k}={v}" for k, v in query.items())
    response = maker.post(url, {"cases": [a.pk for a in applications], "layout": standard_layout().pk})
    assert response.status_code == 302
    batch = PaymentBatch.objects.get()
    assert batch.criteria["town"] == town.code and batch.line_count == 2

    # the maker cannot approve; the checker can
    assert maker.post(reverse("finance:batch_approve", args=[batch.number])).status_code == 302
    assert PaymentBatch.objects.get(pk=batch.pk).status == "draft"
    maker.logout()
    checker = verified(client, staff.finance_checker)
    checker.post(reverse("finance:batch_approve", args=[batch.number]))
    assert PaymentBatch.objects.get(pk=batch.pk).status == "approved"
    checker.logout()

    maker = verified(client, staff.finance_maker, drift=1)
    csv_file = maker.post(reverse("finance:batch_export", args=[batch.number, "csv"]))
    assert csv_file.status_code == 200 and csv_file["Content-Type"] == "text/csv"
    xlsx_file = maker.post(reverse("finance:batch_export", args=[batch.number, "xlsx"]))
    assert load_workbook(io.BytesIO(xlsx_file.content)).active.max_row == 4
    assert set(PaymentLine.objects.values_list("status", flat=True)) == {"sent"}

    # a bad return file: each bad line listed, nothing imported
    good = simulation.bank_return_file(csv_file.content, {applications[1].pk}).decode()
    bad = good + "PL9999999999,622202123456,1.00,paid,,X\r\n"
    upload = io.BytesIO(bad.encode())
    upload.name = "return.csv"
    response = maker.post(reverse("finance:batch_import", args=[batch.number]), {"file": upload}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Line 4: unknown payment reference PL9999999999." in response.content.decode()
    assert set(PaymentLine.objects.values_list("status", flat=True)) == {"sent"}

    upload = io.BytesIO(good.encode())
    upload.name = "return.csv"
    assert maker.post(reverse("finance:batch_import", args=[batch.number]), {"file": upload}).status_code == 302

    # reconciliation: sent = paid + returned + pending, to the cent
    page = maker.get(reverse("finance:batch_detail", args=[batch.number]))
    figures = page.context["figures"]
    amounts = [a.approved_amount for a in applications]
    assert (figures.sent, figures.paid, figures.returned, figures.pending) == (sum(amounts), amounts[0], amounts[1], Decimal("0"))
    assert figures.balanced and (figures.paid_count, figures.returned_count, figures.pending_count) == (1, 1, 0)
    report = load_workbook(
        io.BytesIO(maker.get(reverse("finance:batch_reconciliation_xlsx", args=[batch.number])).content)
    ).active
    values = {row[0]: row[5] for row in report.iter_rows(values_only=True) if row and row[0]}
    assert Decimal(str(values["已发送银行"])) == sum(amounts)
    assert Decimal(str(values["已拨付"])) == amounts[0] and Decimal(str(values["已退票"])) == amounts[1]

    # envelopes page: figures and a bar
    page = maker.get(reverse("finance:envelopes"))
    assert page.status_code == 200 and 'class="bar"' in page.content.decode()
    assert "预算" in page.content.decode()  # Simplified Chinese by default


def test_pages_are_scoped_to_the_users_unit(client, programme, staff, community, rng, other_town_reviewer):
    applications = payable(programme, staff, community, rng)
    batch = flow_services.payment_batch_prepare(
        programme=programme, applications=applications, by=staff.finance_maker, layout=standard_layout()
    )
    outsider = make_user("finance-yuhang", Role.FINANCE_OFFICER, other_town_reviewer.org_unit)
    verified(client, outsider)
    assert client.get(reverse("finance:batch_detail", args=[batch.number])).status_code == 404
    assert batch.number not in client.get(reverse("finance:batches")).content.decode()
    page = client.get(reverse("finance:envelopes"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.context["rows"] == []
    assert client.post(reverse("finance:batch_approve", args=[batch.number])).status_code == 404
    assert PaymentBatch.objects.get(pk=batch.pk).status == "draft"


def test_english_pages(client, staff, envelope):
    verified(client, staff.finance_maker)
    client.post(reverse("set_language"), {"language": "en", "next": "/finance/"})
    body = client.get("/finance/").content.decode()
    assert "Budget envelopes" in body and "whole district" in body
