"""A provider's class from its filing to its certificates:

- filed before its first day (plan, teacher, dates, place, capacity) and approved or refused by a district reviewer
  before it starts;
- after its last day, the roster with each trainee's attendance (CSV or XLSX: 身份证号码, 姓名, 出勤率): saved whole
  or not at all; a row is refused for a citizen ID failing its check digit, a missing name, an attendance that is no
  whole percentage or is below the rules' minimum, a person twice in the file, or a person already on the roster of
  another subsidised class (one subsidised SYB training per person, across providers);
- the exam results: each passing trainee gets a numbered certificate (SYB-<year>-000001), verifiable by its token.

Each write locks the class row, checks who acts, changes, saves and records the act in the organisation's trail."""

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.constants import ProgrammeKind
from cases.crypto import lookup_digest
from cases.exceptions import DomainError, InvalidImport, PermissionDenied, TransitionForbidden
from cases.identifiers import validate_citizen_id
from cases.models import Programme, User
from cases.models.training import ClassStatus, Trainee, TrainingCertificate, TrainingClass, TrainingProvider
from cases.services.numbering import counter_next
from cases.services.social_insurance.employers import employer_event_record
from cases.services.social_insurance.tables import header_check, reasons_text, table_rows
from cases.services.training.providers import district_staff, provider_acts_for
from cases.services.training.rules import min_attendance

ROSTER_COLUMNS = ["身份证号码", "姓名", "出勤率"]
MAX_ROSTER_BYTES = 2 * 1024 * 1024
MAX_ROSTER_ROWS = 500
MAX_TEXT = {"plan": 2000, "teacher": 100, "place": 200}


def _class_lock(training_class: TrainingClass) -> TrainingClass:
    return (
        TrainingClass.objects.select_for_update(of=("self",))
        .select_related("provider__employer__applicant", "rules", "programme")
        .get(pk=training_class.pk)
    )


def _assert_provider(provider: TrainingProvider, by: User) -> None:
    if not provider_acts_for(provider=provider, by=by):
        raise PermissionDenied(_("Only the training provider's own agents act for its classes."))


@transaction.atomic
def class_file(
    *,
    provider: TrainingProvider,
    programme: Programme,
    plan: str,
    teacher: str,
    starts_on: dt.date,
    ends_on: dt.date,
    place: str,
    capacity: int,
    by: User,
) -> TrainingClass:
    """File a class for approval; it must start after today."""
    provider = TrainingProvider.objects.select_for_update(of=("self",)).select_related("employer__applicant").get(pk=provider.pk)
    _assert_provider(provider, by)
    if programme.kind != ProgrammeKind.TRAINING or not programme.active or programme.current_rules is None:
        raise TransitionForbidden(_("This programme takes no training classes now."))
    if not provider.active:
        raise PermissionDenied(_("The provider's designation has ended; it files no new class."))
    values = {"plan": (plan or "").strip(), "teacher": (teacher or "").strip(), "place": (place or "").strip()}
    problems = [_("Fill in the teaching plan, the teacher and the place.")] if not all(values.values()) else []
    problems += [
        _("%(field)s has at most %(n)s characters.") % {"field": name, "n": limit}
        for name, limit in MAX_TEXT.items()
        if len(values[name]) > limit
    ]
    today = timezone.localdate()
    if starts_on <= today:
        problems.append(_("A class is filed before its first day: the first day must be after today."))
    if ends_on < starts_on:
        problems.append(_("The last day is before the first day."))
    if not 1 <= int(capacity) <= MAX_ROSTER_ROWS:
        problems.append(_("The capacity is between 1 and %(n)s.") % {"n": MAX_ROSTER_ROWS})
    if problems:
        raise DomainError(problems[0], details=problems)
    year = starts_on.year
    training_class = TrainingClass(
        number=f"SYB-BJ-{year}-{counter_next(key=f'training:class:{year}'):05d}",
        programme=programme,
        rules=programme.current_rules,
        provider=provider,
        starts_on=starts_on,
        ends_on=ends_on,
        capacity=int(capacity),
        filed_by=by,
        **values,
    )
    try:
        training_class.full_clean()
    except ValidationError as error:
        raise DomainError(_("The class data is not valid."), details=error.messages) from error
    training_class.save()
    employer_event_record(employer=provider.employer, by=by, action="training_class_file", note=training_class.number)
    return training_class


@transaction.atomic
def class_decide(*, training_class: TrainingClass, by: User, approve: bool, reason: str = "") -> TrainingClass:
    """A district reviewer approves the class, or refuses it with a reason, before its first day."""
    training_class = _class_lock(training_class)
    if not district_staff(by, "cases.review_district"):
        raise PermissionDenied(_("Only a district reviewer approves training classes."))
    if training_class.status != ClassStatus.FILED:
        raise TransitionForbidden(_("This class has been decided already."))
    if training_class.starts_on <= timezone.localdate():
        raise TransitionForbidden(_("The class has started; it was not approved before its first day."))
    reason = (reason or "").strip()[:500]
    if not approve and not reason:
        raise DomainError(_("Give the reason."))
    training_class.status = ClassStatus.APPROVED if approve else ClassStatus.REFUSED
    training_class.refusal_reason = "" if approve else reason
    training_class.decided_by = by
    training_class.decided_at = timezone.now()
    training_class.save(update_fields=["status", "refusal_reason", "decided_by", "decided_at"])
    action = "training_class_approve" if approve else "training_class_refuse"
    employer_event_record(
        employer=training_class.provider.employer, by=by, action=action, note=f"{training_class.number} {reason}".strip()
    )
    return training_class


# --- the roster -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterLine:
    line: int
    id_number: str
    digest: str
    name: str
    attendance: int


@dataclass
class RosterReport:
    valid: list[RosterLine] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)

    @property
    def messages(self) -> list[str]:
        return [_("Line %(n)s: %(reason)s") % {"n": line, "reason": reason} for line, reason in self.refused]


def _attendance(text: str) -> int | None:
    text = text.strip().rstrip("%％").strip()
    return int(text) if text.isdigit() and int(text) <= 100 else None


def roster_check(*, training_class: TrainingClass, content: bytes) -> RosterReport:
    """Every row of the file checked on its own, against the file and against the rosters already saved."""
    rows = table_rows(content=content, max_bytes=MAX_ROSTER_BYTES, max_rows=MAX_ROSTER_ROWS)
    header_check(rows, ROSTER_COLUMNS)
    minimum = min_attendance(training_class.rules)
    report = RosterReport()
    parsed: list[tuple[int, str, str, str | None, int | None, list[str]]] = []
    for number, cells in rows[1:]:
        cells = (cells + ["", "", ""])[:3]
        id_number, name, attendance_text = cells[0].upper(), cells[1], cells[2]
        reasons = []
        try:
            validate_citizen_id(id_number)
            digest = lookup_digest(id_number)
        except ValidationError:
            reasons.append(_("the citizen ID number fails its check digit"))
            digest = None
        if not name:
            reasons.append(_("the name is missing"))
        attendance = _attendance(attendance_text)
        if attendance is None:
            reasons.append(_("the attendance must be a whole percentage from 0 to 100"))
        elif attendance < minimum:
            reasons.append(
                _("the attendance %(a)s %% is below the minimum %(m)s %% of the programme") % {"a": attendance, "m": minimum}
            )
        parsed.append((number, id_number, name, digest, attendance, reasons))
    digests = [p[3] for p in parsed if p[3]]
    trained = dict(Trainee.objects.filter(id_number_digest__in=digests).values_list("id_number_digest", "training_class__number"))
    seen: dict[str, int] = {}
    for number, id_number, name, digest, attendance, reasons in parsed:
        if digest in seen:
            reasons.append(_("the same person is on line %(n)s") % {"n": seen[digest]})
        elif digest:
            seen[digest] = number
        if digest in trained:
            reasons.append(
                _("this person has already had a subsidised SYB training (class %(c)s); one per person") % {"c": trained[digest]}
            )
        if reasons:
            report.refused.append((number, reasons_text(reasons)))
        else:
            report.valid.append(RosterLine(number, id_number, digest, name, attendance))
    if len(parsed) > training_class.capacity:
        report.refused.append(
            (
                rows[0][0],
                _("the roster has %(n)s people; the class was approved for %(c)s")
                % {"n": len(parsed), "c": training_class.capacity},
            )
        )
    return report


@transaction.atomic
def roster_file(*, training_class: TrainingClass, content: bytes, filename: str, by: User) -> RosterReport:
    """Save the roster with the attendance after the class's last day: whole, or nothing (InvalidImport with a
    message per refused row)."""
    training_class = _class_lock(training_class)
    _assert_provider(training_class.provider, by)
    if training_class.status != ClassStatus.APPROVED:
        raise TransitionForbidden(_("A roster is filed once, for an approved class."))
    if timezone.localdate() <= training_class.ends_on:
        raise TransitionForbidden(_("The roster and the attendance are filed after the class's last day."))
    report = roster_check(training_class=training_class, content=content)
    if report.refused:
        raise InvalidImport(details=report.messages)
    try:
        with transaction.atomic():
            Trainee.objects.bulk_create(
                [
                    Trainee(
                        training_class=training_class,
                        line=line.line,
                        id_number=line.id_number,
                        name=line.name,
                        attendance=line.attendance,
                    )
                    for line in report.valid
                ]
            )
    except IntegrityError:  # another provider's roster took one of these people a moment ago
        raise InvalidImport(
            details=[_("Another class's roster took one of these people while this one was being saved; check it again.")]
        ) from None
    training_class.status = ClassStatus.ROSTER_FILED
    training_class.roster_filename = filename[:200]
    training_class.roster_sha256 = hashlib.sha256(content).hexdigest()
    training_class.save(update_fields=["status", "roster_filename", "roster_sha256"])
    employer_event_record(
        employer=training_class.provider.employer,
        by=by,
        action="training_roster_file",
        note=_("%(c)s: %(n)s trainees") % {"c": training_class.number, "n": len(report.valid)},
    )
    return report


@transaction.atomic
def exam_results_record(*, training_class: TrainingClass, passed_lines: list[int], by: User) -> list[TrainingCertificate]:
    """The exam results of the roster: the listed lines passed, the others did not. Each passing trainee gets a
    numbered certificate. Recorded once."""
    training_class = _class_lock(training_class)
    _assert_provider(training_class.provider, by)
    if training_class.status != ClassStatus.ROSTER_FILED:
        raise TransitionForbidden(_("The exam results are recorded once, after the roster."))
    trainees = list(training_class.trainees.order_by("line"))
    passed = {int(n) for n in passed_lines}
    unknown = sorted(passed - {t.line for t in trainees})
    if unknown:
        raise DomainError(_("Line %(lines)s is not on the roster.") % {"lines": ", ".join(str(n) for n in unknown)})
    year = timezone.localdate().year
    certificates = []
    for trainee in trainees:
        trainee.exam_passed = trainee.line in passed
        if trainee.exam_passed:
            number = f"SYB-{year}-{counter_next(key=f'training:certificate:{year}'):06d}"
            certificates.append(
                TrainingCertificate(trainee=trainee, number=number, person_digest=trainee.id_number_digest, issued_by=by)
            )
    Trainee.objects.bulk_update(trainees, ["exam_passed"])
    TrainingCertificate.objects.bulk_create(certificates)
    training_class.status = ClassStatus.RESULTS_RECORDED
    training_class.save(update_fields=["status"])
    employer_event_record(
        employer=training_class.provider.employer,
        by=by,
        action="training_results",
        note=_("%(c)s: %(p)s of %(n)s passed") % {"c": training_class.number, "p": len(certificates), "n": len(trainees)},
    )
    return certificates
