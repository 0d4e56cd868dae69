import json

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from cases import calendar
from cases.exceptions import DomainError
from cases.login import AdminLoginForm
from cases.models import (
    AccessEvent,
    AuditEntry,
    Bank,
    BankOfficer,
    BudgetEnvelope,
    CalendarDay,
    OrgUnit,
    OtpEnrolmentCode,
    OutboxItem,
    Programme,
    ProgrammeRules,
    SmsCode,
    SmsLog,
    User,
)
from cases.models.programme import RULE_FIELDS
from cases.models.social_insurance import SocialInsuranceStandard
from cases.services import access
from cases.services.programmes import programme_create, programme_rules_change, programme_rules_validate

# The admin's own login page is throttled like the others.
admin.site.login_form = AdminLoginForm


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "level", "parent")
    list_filter = ("level",)
    search_fields = ("name", "code")

    def save_model(self, request, obj, form, change):
        obj.path = OrgUnit.path_for(code=obj.code, parent=obj.parent)
        super().save_model(request, obj, form, change)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    list_display = ("username", "get_full_name", "role", "org_unit", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = UserAdmin.fieldsets + (("Role", {"fields": ("role", "org_unit", "mobile")}),)
    actions = ["unlock_sign_in", "issue_otp_enrolment_code"]

    @admin.action(description=_("Unlock sign-in (after too many failed attempts)"))
    def unlock_sign_in(self, request, queryset):
        for user in queryset:
            try:
                access.login_unlock(actor=request.user, username=user.username, note="admin")
            except DomainError as error:
                self.message_user(request, str(error.message), messages.ERROR)
                return
        self.message_user(request, _("Sign-in unlocked for %(n)s account(s).") % {"n": len(queryset)})

    @admin.action(description=_("Issue a second-factor enrolment code"))
    def issue_otp_enrolment_code(self, request, queryset):
        for user in queryset:
            try:
                issued = access.otp_enrolment_code_issue(user=user, actor=request.user)
            except DomainError as error:
                self.message_user(request, f"{user.username}: {error.message}", messages.ERROR)
                continue
            # Shown once: only the hash is stored. Hand it to the user in person or by telephone.
            self.message_user(
                request,
                _("Enrolment code for %(user)s: %(code)s (valid until %(until)s; shown only now)")
                % {
                    "user": user.username,
                    "code": issued.code,
                    "until": timezone.localtime(issued.expires_at).strftime("%Y-%m-%d %H:%M"),
                },
                messages.WARNING,
            )


# The rule fields of a version, as form fields (declared, so that the admin's fieldsets may name them).
ProgrammeRulesFields = type("ProgrammeRulesFields", (forms.Form,), forms.fields_for_model(ProgrammeRules, fields=RULE_FIELDS))


class ProgrammeForm(forms.ModelForm, ProgrammeRulesFields):
    """The programme's identity and, below it, its rules (shown from the current version). Saving changed rules
    records a new version (programme_rules_change); rules that fail validation are refused here, field by field."""

    class Meta:
        model = Programme
        fields = (
            "code",
            "name",
            "name_en",
            "kind",
            "case_prefix",
            "document_word",
            "active",
            "commits_budget_on_approval",
            "objection_identity",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.current_rules if self.instance.pk else None
        for name, value in (current.rules() if current else {}).items():
            self.initial.setdefault(name, value)

    def clean(self):
        cleaned = super().clean()
        if not any(name in self.errors for name in RULE_FIELDS):
            try:
                programme_rules_validate(programme=None, **{name: cleaned.get(name) for name in RULE_FIELDS})
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    self.add_error(field if field in self.fields else None, messages)
        return cleaned

    def rules(self) -> dict:
        return {name: self.cleaned_data[name] for name in RULE_FIELDS}


class ProgrammeRulesInline(admin.TabularInline):
    """Every version, read-only, with what it changed against the one before."""

    model = ProgrammeRules
    fk_name = "programme"
    fields = ("number", "created_by", "created_at", "changes")
    readonly_fields = fields
    ordering = ("-number",)
    extra = 0
    can_delete = False
    verbose_name_plural = _("rules versions (newest first)")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("changes against the previous version"))
    def changes(self, version: ProgrammeRules):
        previous = version.programme.rules_versions.filter(number__lt=version.number).order_by("-number").first()
        diff = version.diff(previous)
        if previous is None:
            return _("first version")
        if not diff:
            return _("no change")
        return format_html_join(
            mark_safe("<br>"),  # noqa: S308 - a constant
            "{}: {} → {}",
            (
                (name, json.dumps(old, ensure_ascii=False, default=str), json.dumps(new, ensure_ascii=False, default=str))
                for name, (old, new) in diff.items()
            ),
        )


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    form = ProgrammeForm
    fieldsets = (
        (None, {"fields": ProgrammeForm.Meta.fields}),
        (_("Rules (a change records a new version)"), {"fields": RULE_FIELDS}),
    )
    list_display = ("code", "name", "kind", "max_amount", "publicity_days", "active")
    list_select_related = ("current_rules",)
    inlines = [ProgrammeRulesInline]

    def save_model(self, request, obj, form, change):
        if not change:
            created = programme_create(by=request.user, **form.cleaned_data)
            obj.pk, obj.current_rules = created.pk, created.current_rules
            return
        obj.save(update_fields=list(ProgrammeForm.Meta.fields))
        programme_rules_change(programme=obj, by=request.user, **form.rules())


@admin.register(BudgetEnvelope)
class BudgetEnvelopeAdmin(admin.ModelAdmin):
    list_display = ("programme", "year", "org_unit", "amount", "committed", "paid")
    readonly_fields = ("committed", "paid")


@admin.register(SocialInsuranceStandard)
class SocialInsuranceStandardAdmin(admin.ModelAdmin):
    """The year's cap per person-month of the social-insurance subsidy (minimum base x employer rates)."""

    list_display = ("programme", "year", "minimum_base", "pension_rate", "medical_rate", "unemployment_rate", "cap")

    @admin.display(description=_("cap per person-month"))
    def cap(self, obj: SocialInsuranceStandard):
        return obj.monthly_cap


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "is_working_day", "name")
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        calendar.clear_cache()


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written only by the services (audit trail, account events): the admin reads them."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "application", "action", "from_status", "to_status", "actor")


class OutboxPendingFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "pending"

    def lookups(self, request, model_admin):
        return [("1", _("pending")), ("0", _("done"))]

    def queryset(self, request, queryset):
        if self.value() in ("0", "1"):
            return queryset.filter(done_at__isnull=self.value() == "1")
        return queryset


@admin.register(OutboxItem)
class OutboxItemAdmin(ReadOnlyAdmin):
    """What the steps owe (ADR 0008): an operator looks here for work the workers have not done and why."""

    list_display = ("key", "kind", "application", "created_at", "dispatched_at", "attempts", "done_at", "last_error")
    list_filter = (OutboxPendingFilter, "kind")
    search_fields = ("key", "application__number")
    list_select_related = ("application",)


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "scope", "username", "address", "until", "actor", "note")
    list_filter = ("kind", "scope")
    search_fields = ("username", "address")
    actions = ["unlock"]

    @admin.action(description=_("Unlock the selected lock-outs"))
    def unlock(self, request, queryset):
        done = 0
        for event in queryset.filter(kind=AccessEvent.Kind.LOCKED_OUT):
            subject = {"username": event.username} if event.scope == AccessEvent.Scope.ACCOUNT else {"address": event.address}
            try:
                access.login_unlock(actor=request.user, note="admin", **subject)
            except DomainError as error:
                self.message_user(request, str(error.message), messages.ERROR)
                return
            done += 1
        self.message_user(request, _("%(n)s lock-out(s) released.") % {"n": done})


@admin.register(OtpEnrolmentCode)
class OtpEnrolmentCodeAdmin(ReadOnlyAdmin):
    list_display = ("user", "issued_by", "created_at", "expires_at", "used_at")
    exclude = ("code_hash",)


@admin.register(SmsCode)
class SmsCodeAdmin(ReadOnlyAdmin):
    list_display = ("mobile", "purpose", "created_at", "expires_at", "attempts", "used_at", "void_at")
    search_fields = ("mobile",)
    exclude = ("code_hash",)


@admin.register(SmsLog)
class SmsLogAdmin(ReadOnlyAdmin):
    """Text messages without a case that the database SMS backend kept instead of sending (no gateway configured):
    in the demonstration, the registration codes are read here."""

    list_display = ("created_at", "number", "message")
    search_fields = ("number",)


# Banks and their officers (a bank officer sees only loans routed to their bank). Loans change only through services.
admin.site.register([Bank, BankOfficer])
