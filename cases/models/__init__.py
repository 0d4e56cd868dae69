from .access import AccessEvent, OtpEnrolmentCode, SmsCode, SmsLog
from .applicant import Applicant
from .application import Application, Attachment, CorrectionRequest, ReviewOpinion
from .audit import AuditEntry
from .disabled import DisabledGrant
from .employer import AgentRole, Employer, EmployerAgent, EmployerEvent, RosterUpload
from .loan import Bank, BankOfficer, Loan, LoanPeriod, LoanRecovery, SubsidyClaim
from .notification import Notification
from .org import OrgUnit, User
from .outbox import OutboxItem, OutboxKind
from .payment import BankFileLayout, Clawback, PaymentBatch, PaymentLine, PaymentReturnFile
from .programme import BudgetEntry, BudgetEntrySplit, BudgetEnvelope, FundingSource, Programme, ProgrammeRules
from .publicity import Objection, PublicityBatch, PublicityEntry
from .reference import (
    BusinessRegistration,
    Indicator,
    JobsReport,
    LabourFigure,
    ReferenceFile,
    ReferenceKind,
    TownTarget,
)
from .social_insurance import (
    ContributionFile,
    ContributionRecord,
    PersonMonthEntitlement,
    RosterRow,
    SocialInsuranceClaim,
    SocialInsuranceStandard,
)
from .training import (
    CertificateCitation,
    Trainee,
    TrainingCertificate,
    TrainingClaim,
    TrainingClaimRow,
    TrainingClass,
    TrainingProvider,
)
from .venture import Expert, PanelSeat, RoundEvent, ScoreSheet, Shareholder, VentureProject, VentureRound

__all__ = [
    "AccessEvent",
    "OtpEnrolmentCode",
    "SmsCode",
    "SmsLog",
    "Applicant",
    "Application",
    "Attachment",
    "AuditEntry",
    "DisabledGrant",
    "AgentRole",
    "Employer",
    "EmployerAgent",
    "EmployerEvent",
    "RosterUpload",
    "BankFileLayout",
    "BudgetEntrySplit",
    "FundingSource",
    "PaymentReturnFile",
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
    "OutboxItem",
    "OutboxKind",
    "OrgUnit",
    "PaymentBatch",
    "PaymentLine",
    "Programme",
    "ProgrammeRules",
    "PublicityBatch",
    "PublicityEntry",
    "ReviewOpinion",
    "ContributionFile",
    "ContributionRecord",
    "PersonMonthEntitlement",
    "RosterRow",
    "SocialInsuranceClaim",
    "SocialInsuranceStandard",
    "SubsidyClaim",
    "User",
    "Expert",
    "PanelSeat",
    "RoundEvent",
    "ScoreSheet",
    "Shareholder",
    "VentureProject",
    "VentureRound",
    "CertificateCitation",
    "TrainingCertificate",
    "TrainingClaim",
    "TrainingClaimRow",
    "TrainingClass",
    "Trainee",
    "TrainingProvider",
]

from .calendar import CalendarDay, Counter  # noqa: E402

__all__ += ["CalendarDay", "Counter"]
__all__ += [
    "BusinessRegistration",
    "Indicator",
    "JobsReport",
    "LabourFigure",
    "ReferenceFile",
    "ReferenceKind",
    "TownTarget",
]
