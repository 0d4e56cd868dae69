"""Loan pages for bank officers (their bank's loans: due diligence, disbursement, repayments, extension, default,
the quarterly interest file) and district staff (their unit's loans: qualification certificate, guarantee,
compensation, recovery, closing; the subsidy-claim review queue). The borrower's pages are in workflows.portal and
the subsidy payment batch in workflows.finance."""
