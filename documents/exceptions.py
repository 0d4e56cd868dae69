"""Domain errors of the documents app (translated to HTTP with the cases errors, in one place)."""

from django.utils.translation import gettext_lazy as _

from cases.exceptions import DomainError, PermissionDenied, TransitionForbidden


class DocumentAlreadySuperseded(TransitionForbidden):
    default_message = _("This document has already been replaced by a newer version.")


class ReissueNotAllowed(PermissionDenied):
    default_message = _("You may not re-issue this document.")


class ReissueReasonMissing(DomainError):
    default_message = _("A re-issue needs a reason.")


class NumberNotReserved(TransitionForbidden):
    default_message = _("This document number is not reserved: it is used by a document or already void.")


class NumberVoidReasonMissing(DomainError):
    default_message = _("Making a document number void needs a reason.")
