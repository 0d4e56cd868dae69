from .applicant import Applicant
from .application import Application, Attachment, CorrectionRequest, ReviewOpinion
from .audit import AuditEntry
from .loan import Bank, BankOfficer, Loan, LoanPeriod, LoanRecovery, SubsidyClaim
from .notification import Notification
from .org import OrgUnit, User
from .payment import Clawback, PaymentBatch, PaymentLine
from .programme import BudgetEntry, BudgetEnvelope, Programme
from .publicity import Objection, PublicityBatch, PublicityEntry

__all__ = [
    "Applicant",
    "Application",
    "Attachment",
    "AuditEntry",
    "Bank",
    "BankOfficer",
    "BudgetEntry",
    "BudgetEnvelope",
    "Clawback",
    "CorrectionRequest",
    "Loan",
    "LoanPeriod",
    "LoanRecovery",
    "Notification",
    "Objection",
    "OrgUnit",
    "PaymentBatch",
    "PaymentLine",
    "Programme",
    "PublicityBatch",
    "PublicityEntry",
    "ReviewOpinion",
    "SubsidyClaim",
    "User",
]

from .calendar import CalendarDay, Counter  # noqa: E402

__all__ += ["CalendarDay", "Counter"]
