"""SYB entrepreneurship training subsidy (创业培训补贴), claimed by designated training providers.

- providers: the district's designation of an organisation account (cases.services.social_insurance.employers);
- classes: a class filed and approved before it starts, its roster with the attendance, the exam results and the
  numbered certificates;
- claims: the claim per trainee within the window, its settlement when the business window ends, the case it opens;
- review: the district's decision and the approval of the settled amount;
- certificates: the register read by the public verification and by the loan's training requirement;
- rules: the programme's training rules.
"""

from cases.services.training.certificates import certificate_by_token, certificate_cite, certificate_cited
from cases.services.training.claims import claim_file, claim_settle, claims_settle_due
from cases.services.training.classes import (
    ROSTER_COLUMNS,
    class_decide,
    class_file,
    exam_results_record,
    roster_check,
    roster_file,
)
from cases.services.training.providers import may_designate, provider_designate, provider_designation_end

__all__ = [
    "ROSTER_COLUMNS",
    "certificate_by_token",
    "certificate_cite",
    "certificate_cited",
    "claim_file",
    "claim_settle",
    "claims_settle_due",
    "class_decide",
    "class_file",
    "exam_results_record",
    "may_designate",
    "provider_designate",
    "provider_designation_end",
    "roster_check",
    "roster_file",
]
