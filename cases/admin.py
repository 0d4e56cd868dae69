from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from cases import calendar
from cases.models import (
    AuditEntry,
    Bank,
    BankOfficer,
    BudgetEnvelope,
    CalendarDay,
    OrgUnit,
    Programme,
    User,
)


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


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "max_amount", "publicity_days", "active")


@admin.register(BudgetEnvelope)
class BudgetEnvelopeAdmin(admin.ModelAdmin):
    list_display = ("programme", "year", "org_unit", "amount", "committed", "paid")
    readonly_fields = ("committed", "paid")


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "is_working_day", "name")
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        calendar.clear_cache()


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "application", "action", "from_status", "to_status", "actor")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


# Banks and their officers (a bank officer sees only loans routed to their bank). Loans change only through services.
admin.site.register([Bank, BankOfficer])
