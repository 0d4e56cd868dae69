"""The reviewers' work queue: the open review tasks of the user's level, in their unit and below, filtered, sorted and
paged by keyset; "open" claims a task and shows its page in one step; selected tasks go to a colleague, or pass with
one opinion, each case on its own (workflows.engine.claims)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from cases.constants import Status
from cases.exceptions import DomainError
from cases.models import Programme
from cases.selectors import applications_for_user, org_units_for_user
from workflows.engine import claims
from workflows.engine.queue import QueueFilter, colleagues_for, queue_page, review_permissions, review_tasks_for_user
from workflows.engine.registry import registry
from workflows.staff.forms import BulkForm, QueueFilterForm

WAITING_STATUSES = [Status.SUBMITTED, Status.ACCEPTED, Status.TOWN_REVIEWED, Status.DISTRICT_REVIEWED]
# Column -> the sort it toggles (ascending first)
SORTABLE = {"number": "number", "amount": "amount", "deadline": "deadline"}


def _reviewer_only(user) -> None:
    if not review_permissions(user=user):
        raise PermissionDenied


def _filter_form(request) -> QueueFilterForm:
    return QueueFilterForm(
        request.GET or None,
        programmes=Programme.objects.filter(kind__in=registry.kinds()).order_by("code"),
        units=org_units_for_user(user=request.user),
        statuses=WAITING_STATUSES,
    )


def _spec(form: QueueFilterForm) -> tuple[QueueFilter, str, dict]:
    """The filter, the cursor, and the query parameters that keep the filter (without the cursor)."""
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    sort = data.get("sort") or "deadline"
    spec = QueueFilter(
        programme_id=data["programme"].pk if data.get("programme") else None,
        unit_path=data["unit"].path if data.get("unit") else "",
        status=data.get("status", ""),
        due=data.get("due", ""),
        due_by=data.get("due_by"),
        amount_min=data.get("amount_min"),
        amount_max=data.get("amount_max"),
        holder=data.get("holder", ""),
        sort=sort.lstrip("-"),
        descending=sort.startswith("-"),
    )
    kept = {name: form.data.get(name) for name in form.fields if name != "after" and form.data.get(name)} if data else {}
    return spec, data.get("after", ""), kept


def _sort_links(kept: dict, spec: QueueFilter) -> dict:
    """Column -> {url, state}: a column's link sorts by it ascending, or descending when it is the current ascending
    sort; `state` is the aria-sort value of the current column."""
    links = {}
    for column, sort in SORTABLE.items():
        current = spec.sort == sort
        value = f"-{sort}" if current and not spec.descending else sort
        state = ("descending" if spec.descending else "ascending") if current else ""
        links[column] = {"url": "?" + urlencode({**kept, "sort": value}), "state": state}
    return links


@login_required
@require_safe
def work_queue(request):
    user = request.user
    _reviewer_only(user)
    form = _filter_form(request)
    spec, after, kept = _spec(form)
    rows, next_cursor = queue_page(user=user, spec=spec, after=after)
    context = {
        "form": form,
        "rows": rows,
        "next_url": "?" + urlencode({**kept, "after": next_cursor}) if next_cursor else "",
        "first_url": "?" + urlencode(kept) if after else "",
        "sorts": _sort_links(kept, spec),
        "bulk": BulkForm(colleagues=colleagues_for(user=user)),
        "back": request.get_full_path(),
    }
    return render(request, "workflows/queue.html", context)


@never_cache
@login_required
@require_POST
def queue_open(request, public_id):
    """Claim the case's review task and show its page: one click from the queue to the decision."""
    user = request.user
    _reviewer_only(user)
    application = applications_for_user(user=user).filter(public_id=public_id).first()
    if application is None:
        raise Http404
    task = review_tasks_for_user(user=user).filter(process_id=application.process_id).first()
    try:
        if task is None:
            raise DomainError(_("Case %(number)s no longer waits for your decision.") % {"number": application.number})
        task = claims.task_claim(task_id=task.pk, by=user)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("work_queue")
    return redirect(task.reverse("execute"))


@never_cache
@login_required
@require_POST
def queue_bulk(request):
    """Selected tasks: to a colleague, or passed with one opinion. The result lists each case's outcome."""
    user = request.user
    _reviewer_only(user)
    form = BulkForm(request.POST, colleagues=colleagues_for(user=user))
    if not form.is_valid():
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
        return render(request, "workflows/queue_result.html", {"errors": errors, "outcomes": []}, status=400)
    data = form.cleaned_data
    if data["action"] == "assign":
        outcomes = claims.tasks_assign(task_ids=data["tasks"], by=user, to=data["assignee"])
        title = _("Assigned to %(name)s") % {"name": data["assignee"].get_full_name() or data["assignee"].username}
    else:
        outcomes = claims.tasks_pass(task_ids=data["tasks"], by=user, opinion=data["opinion"])
        title = _("Passed with one opinion")
    context = {
        "title": title,
        "outcomes": outcomes,
        "done": sum(o.done for o in outcomes),
        "failed": sum(not o.done for o in outcomes),
    }
    return render(request, "workflows/queue_result.html", context)
