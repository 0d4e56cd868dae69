"""Applicant portal views. They read through workflows.portal.selectors (access control in cases.selectors) and
write only through cases.services and workflows.engine.steps; domain errors become messages on the same page.

- accounts: home, registration, login, the real-name binding, claiming a case, notifications;
- filing: the one pre-check for every programme, the steps of a draft, submission;
- window: filing at the community window (代办);
- attachments: evidence files, uploaded to a draft or for a correction notice, and opened again;
- case_page: the case page, the answer to a correction notice, withdrawal;
- loan_subsidies: a guaranteed loan's schedule and its interest subsidy claims;
- employers: the employer's organisation, agents, quarterly claims and rosters (社保补贴), also at the window.
"""

from workflows.portal.views.accounts import PortalLoginView, bind, claim, home, notifications, register
from workflows.portal.views.attachments import attachment, attachment_delete, upload
from workflows.portal.views.case_page import case, resubmit, withdraw
from workflows.portal.views.common import portal_language
from workflows.portal.views.filing import apply_start, programme_check, step, submit
from workflows.portal.views.loan_subsidies import loan_claim, loans
from workflows.portal.views.window import window_start

__all__ = [
    "PortalLoginView",
    "apply_start",
    "attachment",
    "attachment_delete",
    "bind",
    "case",
    "claim",
    "home",
    "loan_claim",
    "loans",
    "notifications",
    "portal_language",
    "programme_check",
    "register",
    "resubmit",
    "step",
    "submit",
    "upload",
    "window_start",
]
