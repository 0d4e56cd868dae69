"""Finance pages: envelopes, payment batches (prepare, approve, export, import returns), reconciliation, and the
second-factor enrolment/verification. Access: selectors scope every list to the user's unit and below; services
check permission again."""

import functools
import math
from decimal import Decimal
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases import services as case_services
from cases.exceptions import DomainError, InvalidImport
from cases.login import client_address
from cases.models import BankFileLayout
from workflows.engine import steps as flow_services
from workflows.finance import reports, selectors
from workflows.finance.forms import (
    BatchFilterForm,
    BatchPrepareForm,
    EnrolmentCodeForm,
    ReturnFileForm,
    SubsidyBatchForm,
    SubsidyFilterForm,
    TokenForm,
)
from workflows.finance.otp import second_factor_ok, second_factor_redirect
from workflows.programmes.loan.actions import subsidy_payment_prepare

CONTENT_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def finance_view(permission: str = "cases.prepare_payment"):
    def wrap(view):
        @login_required
        @functools.wraps(view)
        def inner(request, *args, **kwargs):
            if not second_factor_ok(request):
                if request.method != "GET":
                    raise HttpForbidden(_("Verify your second factor (authenticator code) first."))
                return second_factor_redirect(request)
            if not request.user.has_perm(permission) or request.user.org_unit_id is None:
                raise HttpForbidden()
            return view(request, *args, **kwargs)

        return inner

    return wrap


def _batch(request, number: str):
    batch = selectors.batches_for_user(user=request.user).filter(number=number).first()
    if batch is None:
        raise Http404
    return batch


@finance_view()
def envelope_list(request):
    rows = []
    for envelope in selectors.envelopes_for_user(user=request.user):
        amount = envelope.amount or Decimal("1")
        rows.append(
            {
                "envelope": envelope,
                "paid_pct": f"{envelope.paid * 100 / amount:.1f}",
                "committed_pct": f"{envelope.committed * 100 / amount:.1f}",
                "sources": list(envelope.sources.all()),
            }
        )
    return render(request, "workflows/finance/envelopes.html", {"rows": rows})


@finance_view()
def batch_list(request):
    batches = selectors.batches_with_progress(user=request.user)
    return render(request, "workflows/finance/batches.html", {"batches": batches})


@finance_view()
def batch_prepare(request):
    towns = selectors.towns_for_user(user=request.user)
    filters = BatchFilterForm(request.GET or None, towns=towns)
    candidates = None
    form = None
    if filters.is_valid():
        data = filters.cleaned_data
        candidates = selectors.payable_cases_for(
            user=request.user,
            programme=data["programme"],
            town=data["town"],
            approved_from=data["approved_from"],
            approved_to=data["approved_to"],
        )
        form = BatchPrepareForm(request.POST or None, candidates=candidates)
        if request.method == "POST" and form.is_valid():
            criteria = {
                "programme": data["programme"].code,
                "town": data["town"].code if data["town"] else "",
                "approved_from": data["approved_from"].isoformat() if data["approved_from"] else "",
                "approved_to": data["approved_to"].isoformat() if data["approved_to"] else "",
            }
            try:
                batch = flow_services.payment_batch_prepare(
                    programme=data["programme"],
                    applications=list(form.cleaned_data["cases"]),
                    by=request.user,
                    layout=form.cleaned_data["layout"],
                    criteria=criteria,
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Payment batch %(number)s prepared.") % {"number": batch.number})
                return redirect("finance:batch_detail", number=batch.number)
    return render(
        request,
        "workflows/finance/prepare.html",
        {"filters": filters, "form": form, "candidates": candidates, "layouts_missing": not BankFileLayout.objects.exists()},
    )


@finance_view()
def subsidy_prepare(request):
    """A payment batch of approved loan interest subsidies (one line per loan period). It then goes through the
    same batch pages: approval by another officer, bank file export, return file."""
    programmes = selectors.loan_programmes()
    filters = SubsidyFilterForm(request.GET or {"programme": getattr(programmes.first(), "pk", None)}, programmes=programmes)
    candidates = None
    form = None
    if filters.is_valid():
        programme = filters.cleaned_data["programme"]
        candidates = selectors.payable_subsidy_claims_for(user=request.user, programme=programme)
        form = SubsidyBatchForm(request.POST if request.method == "POST" else None, candidates=candidates)
        if request.method == "POST" and form.is_valid():
            try:
                batch = subsidy_payment_prepare(
                    programme=programme,
                    claims=list(form.cleaned_data["claims"]),
                    by=request.user,
                    today=timezone.localdate(),
                    layout=form.cleaned_data["layout"],
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Payment batch %(number)s prepared.") % {"number": batch.number})
                return redirect("finance:batch_detail", number=batch.number)
    return render(
        request,
        "workflows/finance/subsidy_prepare.html",
        {"filters": filters, "form": form, "candidates": candidates, "layouts_missing": not BankFileLayout.objects.exists()},
    )


def _detail_context(request, batch, **extra):
    return {
        "batch": batch,
        "lines": list(selectors.batch_lines(batch=batch)),
        "figures": selectors.batch_reconciliation(batch=batch),
        "return_files": list(batch.return_files.select_related("imported_by")),
        "return_form": ReturnFileForm(),
        "may_approve": request.user.has_perm("cases.approve_payment") and batch.prepared_by_id != request.user.pk,
        **extra,
    }


@finance_view()
def batch_detail(request, number):
    batch = _batch(request, number)
    return render(request, "workflows/finance/batch.html", _detail_context(request, batch))


@require_POST
@finance_view("cases.approve_payment")
def batch_approve(request, number):
    batch = _batch(request, number)
    try:
        flow_services.payment_batch_approve(batch=batch, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Payment batch %(number)s approved.") % {"number": batch.number})
    return redirect("finance:batch_detail", number=number)


@require_POST
@finance_view()
def batch_export(request, number, fmt):
    batch = _batch(request, number)
    if fmt not in CONTENT_TYPES:
        raise Http404
    try:
        content = case_services.payment_batch_export(batch=batch, by=request.user, fmt=fmt)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("finance:batch_detail", number=number)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{batch.number}.{fmt}"'
    return response


@require_POST
@finance_view()
def batch_import(request, number):
    batch = _batch(request, number)
    form = ReturnFileForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "workflows/finance/batch.html", _detail_context(request, batch, return_form=form), status=400)
    upload = form.cleaned_data["file"]
    try:
        counts = flow_services.payment_return_import(batch=batch, by=request.user, content=upload.read(), file_name=upload.name)
    except InvalidImport as error:
        context = _detail_context(request, batch, import_error=error.message, import_details=[str(d) for d in error.details])
        return render(request, "workflows/finance/batch.html", context, status=400)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("finance:batch_detail", number=number)
    messages.success(
        request,
        _("Return file imported: %(paid)s paid, %(returned)s returned, %(unchanged)s unchanged.") % counts,
    )
    return redirect("finance:batch_detail", number=number)


@finance_view()
def batch_return_template(request, number):
    """The return file the bank fills in: the header the import expects and one row per line sent, with its
    reference, account and amount; result, reason and the bank's reference left for the bank."""
    batch = _batch(request, number)
    response = HttpResponse(case_services.return_file_template(batch=batch), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{batch.number}-return.csv"'
    return response


@finance_view()
def batch_reconciliation_xlsx(request, number):
    batch = _batch(request, number)
    response = HttpResponse(reports.reconciliation_xlsx(batch=batch), content_type=CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="{batch.number}-reconciliation.xlsx"'
    return response


# --- second factor ---------------------------------------------------------------------------------------------


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or reverse("finance:envelopes")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return reverse("finance:envelopes")
    return target


ENROL_DEVICE_SESSION_KEY = "otp_enrol_device"


def _throttled_message(device) -> str | None:
    """django-otp's TOTPDevice waits 1, 2, 4, 8... seconds after each wrong code; say so instead of "wrong"."""
    allowed, data = device.verify_is_allowed()
    if allowed:
        return None
    seconds = max(math.ceil((data["locked_until"] - timezone.now()).total_seconds()), 1) if data.get("locked_until") else 1
    return _("Too many wrong codes. Wait %(seconds)s seconds, then enter the code your app shows.") % {"seconds": seconds}


@login_required
def otp_enrol(request):
    """Enrolment needs a one-time code from an administrator (manage.py otp_enrolment_code or the user admin):
    spending it creates a fresh unconfirmed TOTP device, whose otpauth:// URI is shown as a QR code, confirmed by a
    first correct code. Without the code (someone who only has the password) there is no secret to see."""
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect(f"{reverse('finance:otp_verify')}?next={_next(request)}")
    device_id = request.session.get(ENROL_DEVICE_SESSION_KEY)
    device = TOTPDevice.objects.filter(pk=device_id, user=request.user, confirmed=False).first() if device_id else None
    if device is None:
        return _otp_enrol_code(request)
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        throttled = _throttled_message(device)
        if throttled:
            form.add_error("token", throttled)
            status = 429
        elif device.verify_token(form.cleaned_data["token"]):
            case_services.otp_device_confirm(device=device, address=client_address(request))
            request.session.pop(ENROL_DEVICE_SESSION_KEY, None)
            otp_login(request, device)
            messages.success(request, _("Two-factor sign-in is set up."))
            return HttpResponseRedirect(_next(request))
        else:
            form.add_error("token", _("The code is wrong or expired."))
            status = 400
    uri = device.config_url
    qr = segno.make(uri, error="m").svg_inline(scale=4)
    return render(
        request,
        "workflows/finance/otp_enrol.html",
        {"form": form, "qr": qr, "uri": uri, "next": _next(request), "issuer": getattr(settings, "OTP_TOTP_ISSUER", "")},
        status=status,
    )


def _otp_enrol_code(request):
    form = EnrolmentCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            case_services.otp_enrolment_code_redeem(
                user=request.user, code=form.cleaned_data["code"], address=client_address(request)
            )
        except DomainError as error:
            form.add_error("code", str(error.message))
            status = 400
        else:
            TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
            device = TOTPDevice.objects.create(user=request.user, name=_("Authenticator app"), confirmed=False)
            request.session[ENROL_DEVICE_SESSION_KEY] = device.pk
            return redirect(f"{reverse('finance:otp_enrol')}?{urlencode({'next': _next(request)})}")
    elif request.method == "POST":
        status = 400
    return render(request, "workflows/finance/otp_enrol_code.html", {"form": form, "next": _next(request)}, status=status)


@login_required
def otp_verify(request):
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        devices = list(TOTPDevice.objects.devices_for_user(request.user, confirmed=True))
        waits = [_throttled_message(d) for d in devices]
        if devices and all(waits):
            form.add_error("token", waits[0])
            status = 429
        else:
            device = match_token(request.user, form.cleaned_data["token"])
            if device is not None:
                otp_login(request, device)
                return HttpResponseRedirect(_next(request))
            form.add_error("token", _("The code is wrong or expired."))
            status = 400
    elif request.method == "POST":
        status = 400
    return render(request, "workflows/finance/otp_verify.html", {"form": form, "next": _next(request)}, status=status)
