"""The statuses, roles and kinds the programmes share, defined once. A programme's own (a loan's states, a venture
round's) sit with its record in cases/models/<programme>.py."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitLevel(models.TextChoices):
    DISTRICT = "district", _("District")
    TOWN = "town", _("Town / street")
    COMMUNITY = "community", _("Community / village")
    # The district disabled persons' federation (残联): a body beside the district's towns, not above them; its
    # reviewers read the disabled entrepreneurs' cases of the whole district (cases.selectors).
    FEDERATION = "federation", _("Disabled persons' federation")


class Role(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    COMMUNITY_OFFICER = "community_officer", _("Community officer")
    TOWN_REVIEWER = "town_reviewer", _("Town reviewer")
    DISTRICT_REVIEWER = "district_reviewer", _("District reviewer")
    DISTRICT_APPROVER = "district_approver", _("District approver")
    DEPARTMENT_CHECKER = "department_checker", _("Department checker")
    EXPERT = "expert", _("Expert")
    FINANCE_OFFICER = "finance_officer", _("Finance officer")
    MANAGER = "manager", _("Manager / auditor")
    ADMINISTRATOR = "administrator", _("Administrator")
    BANK_OFFICER = "bank_officer", _("Bank officer")
    FEDERATION_REVIEWER = "federation_reviewer", _("Disabled persons' federation reviewer")


# Roles that move money sign in with a second factor (TOTP).
SECOND_FACTOR_ROLES = frozenset({Role.FINANCE_OFFICER, Role.DISTRICT_APPROVER})


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    TOWN_REVIEWED = "town_reviewed", _("Reviewed by town")
    DISTRICT_REVIEWED = "district_reviewed", _("Reviewed by district")
    DISTRICT_APPROVED = "district_approved", _("Approved")
    IN_PUBLICITY = "in_publicity", _("In publicity")
    OBJECTION_RAISED = "objection_raised", _("Objection raised")
    PUBLICITY_PASSED = "publicity_passed", _("Publicity passed")
    PAYMENT_PENDING = "payment_pending", _("Payment pending")
    PAYMENT_RETURNED = "payment_returned", _("Payment returned by bank")
    PAID = "paid", _("Paid")
    CLOSED = "closed", _("Closed")
    RETURNED_FOR_CORRECTION = "returned_for_correction", _("Returned for correction")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CLAWBACK = "clawback", _("Under clawback")


TERMINAL_STATUSES = frozenset({Status.REJECTED, Status.WITHDRAWN, Status.CLOSED, Status.CLAWBACK})
# Statuses in which approved money is committed against the envelope.
COMMITTED_STATUSES = frozenset(
    {
        Status.DISTRICT_APPROVED,
        Status.IN_PUBLICITY,
        Status.OBJECTION_RAISED,
        Status.PUBLICITY_PASSED,
        Status.PAYMENT_PENDING,
        Status.PAYMENT_RETURNED,
    }
)


class ReviewLevel(models.TextChoices):
    """A step that reviews a case; correction requests return to one of them."""

    COMMUNITY = "community", _("Community acceptance")
    TOWN = "town", _("Town review")
    DISTRICT = "district", _("District review")
    APPROVAL = "approval", _("District approval")


class Decision(models.TextChoices):
    PASS = "pass", _("Pass")
    RETURN = "return", _("Return for correction")
    REJECT = "reject", _("Reject")


class ProgrammeKind(models.TextChoices):
    STARTUP = "startup", _("One-off start-up subsidy")
    SOCIAL_INSURANCE = "social_insurance", _("Employer social-insurance subsidy")
    DISABLED = "disabled", _("Disabled entrepreneur household grant")
    VENTURE = "venture", _("Graduate venture grant")
    LOAN = "loan", _("Guaranteed start-up loan with interest subsidy")
    TRAINING = "training", _("Entrepreneurship training subsidy")


class DisabledBusinessForm(models.TextChoices):
    """How a disabled entrepreneur runs the business the household grant supports."""

    INDIVIDUAL = "individual", _("Individual business (licence in the applicant's name)")
    LEGAL_REPRESENTATIVE = "legal_representative", _("Legal representative of a firm")


class DisabilityCategory(models.IntegerChoices):
    """The 19th character of a second-generation disability certificate number."""

    VISUAL = 1, _("Visual disability")
    HEARING = 2, _("Hearing disability")
    SPEECH = 3, _("Speech disability")
    PHYSICAL = 4, _("Physical disability")
    INTELLECTUAL = 5, _("Intellectual disability")
    MENTAL = 6, _("Mental disability")
    MULTIPLE = 7, _("Multiple disabilities")


class DisabilityGrade(models.IntegerChoices):
    """The 20th character: grade 1 is the most severe."""

    FIRST = 1, _("Grade 1")
    SECOND = 2, _("Grade 2")
    THIRD = 3, _("Grade 3")
    FOURTH = 4, _("Grade 4")


class ProxyRelation(models.TextChoices):
    """Who files for a disabled applicant (代办), with the applicant's power of attorney."""

    FAMILY = "family", _("Family member")
    COMMUNITY_OFFICER = "community_officer", _("Community officer")


class ApplicantKind(models.TextChoices):
    PERSON = "person", _("Person")
    ENTERPRISE = "enterprise", _("Enterprise")


class ApplicantCategory(models.TextChoices):
    GRADUATE = "graduate", _("College graduate within 5 years")
    UNEMPLOYED = "unemployed", _("Registered unemployed")
    LAND_LOST_FARMER = "land_lost_farmer", _("Land-lost farmer")
    DISABLED = "disabled", _("Disabled person")
    EMPLOYER = "employer", _("Employer")


class AttachmentKind(models.TextChoices):
    ID_CARD = "id_card", _("Citizen ID card")
    BUSINESS_LICENCE = "business_licence", _("Business licence")
    GRADUATION_CERTIFICATE = "graduation_certificate", _("Graduation certificate")
    UNEMPLOYMENT_CERTIFICATE = "unemployment_certificate", _("Unemployment certificate")
    LAND_CERTIFICATE = "land_certificate", _("Land-requisition certificate")
    LEASE = "lease", _("Premises lease")
    SOCIAL_INSURANCE_RECORD = "social_insurance_record", _("Social-insurance record")
    BANK_ACCOUNT = "bank_account", _("Bank account certificate")
    DISABILITY_CERTIFICATE = "disability_certificate", _("Disability certificate")
    BUSINESS_PLAN = "business_plan", _("Business plan")
    SHAREHOLDER_REGISTER = "shareholder_register", _("Shareholder register")
    DEGREE_CERTIFICATE = "degree_certificate", _("Degree certificate")
    TRAINING_CERTIFICATE = "training_certificate", _("Training certificate")
    ROSTER = "roster", _("Employee roster")
    POWER_OF_ATTORNEY = "power_of_attorney", _("Power of attorney")
    # A file answering an item of a correction notice that names no document kind (a bank's stamp, a signature).
    OTHER = "other", _("Other document")


class BudgetEntryKind(models.TextChoices):
    COMMIT = "commit", _("Committed at approval")
    RELEASE = "release", _("Released")
    PAY = "pay", _("Paid")
    RECOVER = "recover", _("Recovered by clawback")


class PublicityBatchStatus(models.TextChoices):
    OPEN = "open", _("Open for objections")
    CLOSED = "closed", _("Closed")


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("Under investigation")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")


class ObjectionIdentity(models.TextChoices):
    DEFAULT = "", _("As in the settings")
    NAMED = "named", _("Name and contact required")
    ANONYMOUS = "anonymous", _("Anonymous with a contact allowed")


class PaymentBatchStatus(models.TextChoices):
    DRAFT = "draft", _("Prepared")
    APPROVED = "approved", _("Approved")
    EXPORTED = "exported", _("Sent to bank")
    RECONCILED = "reconciled", _("Reconciled")


class PaymentLineStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent to bank")
    PAID = "paid", _("Paid")
    RETURNED = "returned", _("Returned by bank")


LIVE_PAYMENT_LINE_STATUSES = (PaymentLineStatus.PENDING, PaymentLineStatus.SENT)


class ClawbackStatus(models.TextChoices):
    OPEN = "open", _("Recovery open")
    RECOVERED = "recovered", _("Recovered")
