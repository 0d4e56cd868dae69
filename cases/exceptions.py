"""Domain errors. Each carries a message for the user in their language; views translate them to HTTP in one place."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    default_message = _("The action is not allowed.")
    http_status = 400

    def __init__(self, message=None, *, details=None):
        self.message = message or self.default_message
        self.details = details or []
        super().__init__(str(self.message))


class PermissionDenied(DomainError):
    default_message = _("You may not act on this case.")
    http_status = 403


class TransitionForbidden(DomainError):
    default_message = _("This action is not possible in the case's current status.")
    http_status = 409


class TaskAlreadyCompleted(TransitionForbidden):
    default_message = _("This task has already been completed.")


class MissingDocuments(DomainError):
    default_message = _("Required documents are missing.")


class IneligibleApplication(DomainError):
    default_message = _("The applicant is not eligible for this programme.")


class EntitlementConflict(DomainError):
    default_message = _("The applicant has already received this entitlement.")


class BudgetExceeded(DomainError):
    default_message = _("Approval refused: the budget envelope would be exceeded.")
    http_status = 409


class SameReviewerApproval(PermissionDenied):
    default_message = _("The approver must not be the district reviewer of the same case.")


class SameMakerChecker(PermissionDenied):
    default_message = _("A payment batch must be approved by another finance officer than the one who prepared it.")


class InvalidImport(DomainError):
    default_message = _("The file was not imported: it contains errors.")
