"""Programmes and their rules versions. A change to the rules never edits a version: it adds the next one, with who
and when, and makes it current. Filed cases keep the version they were filed under (Application.rules)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.exceptions import DomainError, PermissionDenied
from cases.models import Programme, ProgrammeRules, User
from cases.models.programme import RULE_FIELDS


def programme_rules_validate(*, programme: Programme | None, **fields) -> ProgrammeRules:
    """An unsaved version with these rule fields, checked by the model (raises ValidationError, field by field)."""
    unknown = set(fields) - set(RULE_FIELDS)
    if unknown:
        raise ValidationError(_("These are not programme rules: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    rules = ProgrammeRules(programme=programme, number=1, **fields)
    rules.full_clean(exclude=["programme", "number", "created_by"], validate_unique=False, validate_constraints=False)
    return rules


def _checked(programme: Programme | None, fields: dict) -> ProgrammeRules:
    try:
        return programme_rules_validate(programme=programme, **fields)
    except ValidationError as error:
        raise DomainError(_("The programme rules are not valid."), details=error.messages) from error


@transaction.atomic
def programme_create(
    *,
    by: User | None,
    code: str,
    name: str,
    kind: str,
    case_prefix: str,
    name_en: str = "",
    document_word: str = "创",
    active: bool = True,
    commits_budget_on_approval: bool = True,
    objection_identity: str = "",
    **rules,
) -> Programme:
    """A programme with its rules as version 1. `by` is None for the reference data (cases.demo)."""
    version = _checked(None, rules)
    programme = Programme(
        code=code,
        name=name,
        name_en=name_en,
        kind=kind,
        case_prefix=case_prefix,
        document_word=document_word,
        active=active,
        commits_budget_on_approval=commits_budget_on_approval,
        objection_identity=objection_identity,
    )
    try:
        programme.full_clean(exclude=["current_rules"])
    except ValidationError as error:
        raise DomainError(_("The programme is not valid."), details=error.messages) from error
    programme.save()
    version.programme = programme
    version.created_by = by
    version.save()
    programme.current_rules = version
    programme.save(update_fields=["current_rules"])
    return programme


@transaction.atomic
def programme_rules_change(*, programme: Programme, by: User, **fields) -> ProgrammeRules:
    """Record a new version of the programme's rules: the current version with `fields` changed. Cases already
    filed keep theirs; drafts and new cases are judged by the new one. Nothing changed: the current version, no new
    one."""
    if not (by.is_active and by.has_perm("cases.change_programme")):
        raise PermissionDenied(_("You may not change programme rules."))
    given = programme
    programme = Programme.objects.select_for_update(of=("self",)).select_related("current_rules").get(pk=programme.pk)
    current = programme.current_rules
    merged = {**current.rules(), **fields} if current is not None else fields
    if current is not None and merged == current.rules():
        return current
    version = _checked(programme, merged)
    last = programme.rules_versions.order_by("-number").values_list("number", flat=True).first() or 0
    version.number = last + 1
    version.created_by = by
    version.created_at = timezone.now()
    version.save()
    programme.current_rules = version
    programme.save(update_fields=["current_rules"])
    given.current_rules = version  # the caller's instance reads the new version too
    return version
