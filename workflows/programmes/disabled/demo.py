"""The household grant's part of the demo's work in progress (seed_demo): cases waiting at the community, the town and
the disabled persons' federation (the `federation` login), one filed by a family member and confirmed by the
applicant, one waiting for the bureau's approval."""

from cases.constants import Decision, ReviewLevel
from cases.models import OrgUnit, Programme, User
from workflows.engine import steps as flow_services
from workflows.engine.demo_work import Demo
from workflows.engine.simulation import decide
from workflows.programmes.disabled.simulation import confirm_by_sms, federation_unit, file_disabled_draft


def demo_work(demo: Demo) -> None:
    programme = Programme.objects.get(code="disabled")
    if not programme.active:
        return
    district = OrgUnit.objects.get(pk=demo.community.parent.parent_id)
    federation_unit(district)
    reviewer = User.objects.filter(username="federation").first()
    by_level = {
        ReviewLevel.COMMUNITY: demo.staff.community[demo.community.pk],
        ReviewLevel.TOWN: demo.staff.town[demo.community.parent_id],
        ReviewLevel.DISTRICT: reviewer,
        ReviewLevel.APPROVAL: demo.staff.approver,
    }
    levels = list(by_level)

    def filed(filer: str = "self"):
        application, _, by = file_disabled_draft(
            rng=demo.rng, programme=programme, community=demo.community, filer=filer, staff=demo.staff
        )
        if filer != "self":
            confirm_by_sms(application, by)
        return flow_services.case_submit(application=application, by=by)

    filed()
    filed("family")
    demo.counts["household grants at the community"] += 2
    if reviewer is None:
        return
    for waiting_at, count in ((1, 1), (2, 2), (3, 1)):
        for _ in range(count):
            application = filed()
            for level in levels[:waiting_at]:
                application = decide(application, by_level[level], level, Decision.PASS)
        demo.counts[f"household grants at {levels[waiting_at]}"] += count
