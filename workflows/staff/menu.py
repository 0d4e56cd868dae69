"""The one navigation of the staff pages (workflows/page.html), by what the user may do.

Each entry is (label, url, current): the page's own entry carries aria-current. A finance officer's menu leads to
finance first, a bank officer's to the loan book, an expert's to the venture rounds; reviewers to their tasks.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from cases.auth import FLOW_VIEW
from cases.constants import Role
from cases.selectors import ROLE_PROGRAMME_KINDS
from workflows.engine.registry import registry


@dataclass(frozen=True)
class Entry:
    label: str
    url: str
    current: bool


def _flow_namespaces() -> set[str]:
    return {programme.flow.instance.app_name for programme in registry.all()}


def _home_namespace(user) -> str:
    kind = ROLE_PROGRAMME_KINDS.get(user.role)
    programme = registry.get(kind) if kind else None
    return programme.flow.instance.app_name if programme else "startup"


def staff_menu(request) -> list[Entry]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.role == Role.APPLICANT:
        return []
    match = request.resolver_match
    namespace = match.namespace if match else ""
    name = match.url_name if match else ""
    first_namespace = namespace.split(":")[0]
    on_flow = first_namespace in _flow_namespaces()
    entries: list[tuple[str, str, bool]] = []

    if user.has_perm("cases.prepare_payment") or user.has_perm("cases.approve_payment"):
        entries.append((_("Finance"), "finance:batches", namespace == "finance"))
    # the programme whose inbox and archive the menu opens: a role of one programme (the federation) opens its own
    home = _home_namespace(user)
    if user.has_perm(FLOW_VIEW) and user.org_unit_id is not None:
        entries += [
            (_("My tasks"), f"{home}:inbox", on_flow and name == "inbox"),
            (_("Work queue"), "work_queue", name == "work_queue"),
            (_("Archive"), f"{home}:archive", on_flow and name == "archive"),
            (_("Cases"), "case_list", name in ("case_list", "case_detail", "case_reveal")),
        ]
    if user.has_perm("cases.manage_publicity"):
        entries.append((_("Publicity"), "publicity", name == "publicity"))
    if user.has_perm("cases.view_statistics"):
        entries.append((_("Statistics"), "statistics", name == "statistics"))
    if user.has_perm("cases.review_district") or user.role == Role.EXPERT:
        entries.append((_("Venture rounds"), "venture_rounds", name.startswith("venture_")))
    if user.role in (Role.DISTRICT_REVIEWER, Role.DISTRICT_APPROVER):
        entries.append((_("Training classes"), "training_classes", name.startswith("training_")))
    if user.has_perm("cases.act_for_bank") or (
        user.has_perm(FLOW_VIEW) and user.org_unit_id is not None and user.role not in ROLE_PROGRAMME_KINDS
    ):
        entries.append((_("Loan book"), "loans:list", namespace == "loans"))
    menu = []
    for label, url_name, current in entries:
        try:
            menu.append(Entry(label, reverse(url_name), current))
        except NoReverseMatch:  # a programme not installed here
            continue
    return menu


def programme_menu(request) -> list[Entry]:
    """On the flow pages: the same page (inbox, queue, archive, overview) of each programme."""
    match = request.resolver_match
    user = getattr(request, "user", None)
    if match is None or user is None or not user.is_authenticated:
        return []
    current = match.namespace.split(":")[0]
    page = match.url_name if match.url_name in ("inbox", "queue", "archive", "index") else "index"
    menu = []
    for programme in registry.all():
        namespace = programme.flow.instance.app_name
        try:
            url = reverse(f"{namespace}:{page}")
        except NoReverseMatch:
            continue
        menu.append(Entry(str(programme.flow.process_title), url, namespace == current))
    return menu
