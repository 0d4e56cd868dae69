"""Permissions come from the user's role: one mapping, read by Django's has_perm (and so by viewflow queues)."""

from django.contrib.auth.backends import ModelBackend

from cases.constants import Role

FLOW_VIEW = "workflows.view_subsidyprocess"
# Pages show citizen ID and account numbers masked; these roles check them against paper and bank (district review,
# approval, payment) and may reveal one in full, each time writing an audit row.
REVEAL = "cases.reveal_personal_data"

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.APPLICANT: frozenset(),
    Role.COMMUNITY_OFFICER: frozenset({"cases.accept_application", FLOW_VIEW}),
    Role.TOWN_REVIEWER: frozenset({"cases.review_town", FLOW_VIEW}),
    Role.DISTRICT_REVIEWER: frozenset({"cases.review_district", "cases.manage_publicity", REVEAL, FLOW_VIEW}),
    Role.DISTRICT_APPROVER: frozenset({"cases.approve_application", "cases.manage_publicity", REVEAL, FLOW_VIEW}),
    Role.DEPARTMENT_CHECKER: frozenset({FLOW_VIEW}),
    Role.EXPERT: frozenset(),
    Role.FINANCE_OFFICER: frozenset({"cases.prepare_payment", "cases.approve_payment", REVEAL, FLOW_VIEW}),
    Role.MANAGER: frozenset({"cases.view_statistics", FLOW_VIEW}),
    Role.ADMINISTRATOR: frozenset({"cases.view_statistics", "cases.change_programme", FLOW_VIEW}),
    Role.BANK_OFFICER: frozenset({"cases.act_for_bank"}),
    # The disabled persons' federation reviews the disabled entrepreneurs' household grants (their flow's district
    # review); it reads only those cases (cases.selectors.ROLE_PROGRAMME_KINDS).
    Role.FEDERATION_REVIEWER: frozenset({"cases.review_federation", FLOW_VIEW}),
}


class RoleBackend(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous:
            return set()
        return set(ROLE_PERMISSIONS.get(getattr(user_obj, "role", ""), ())) | super().get_all_permissions(user_obj, obj)
