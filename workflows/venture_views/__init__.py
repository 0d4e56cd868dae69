"""Staff pages for venture rounds: the round's applications, the draw, scoring progress, blind score entry for
experts, results sortable by score, and the award task. Access goes through cases.services.venture's *_for_user reads;
writes go through the services (domain errors become HTTP in workflows.middleware)."""

from .views import AwardView, round_close, round_detail, round_draw, round_list, round_replace, round_seat, score_entry

__all__ = ["AwardView", "round_close", "round_detail", "round_draw", "round_list", "round_replace", "round_seat", "score_entry"]
