"""The applicant portal: register, check eligibility, file, correct, track and download (mounted at /portal/)."""
