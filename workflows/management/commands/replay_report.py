import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from config.celery import app as celery_app
from workflows.engine.consistency import check_all
from workflows.engine.outbox import outbox_drain
from workflows.engine.replay import replay_run
from workflows.engine.replay_targets import ReplayRefused, comparison, targets_for
from workflows.engine.statistics import figures_for, period_for
from workflows.engine.statistics_report import report_for


class Command(BaseCommand):
    help = (
        "Replay the district report's year through the real services and flows (only what the report counts, in the "
        "year given), then print that year's statistics beside the report's figures."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--seed", type=int, default=2010)
        parser.add_argument(
            "--without-documents",
            action="store_true",
            help="the steps owe no documents (nothing rendered; the replayed cases carry no notices)",
        )
        parser.add_argument(
            "--drain-timeout", type=float, default=3600, help="seconds to wait for the workers to issue every owed document"
        )

    def progress(self, kind: str, cases: int, seconds: float) -> None:
        self.stdout.write(
            _("%(kind)s: %(cases)s cases approved in %(seconds).0f s") % {"kind": kind, "cases": cases, "seconds": seconds}
        )
        self.stdout.flush()

    def handle(self, *args, year, seed, without_documents, drain_timeout, **options):
        try:
            targets = targets_for(year)
            started = time.monotonic()
            replayed = replay_run(year=year, targets=targets, seed=seed, documents=not without_documents, progress=self.progress)
        except ReplayRefused as refusal:
            raise CommandError(str(refusal)) from None
        self.stdout.write(
            _("Replayed in %(seconds).0f s: %(cases)s")
            % {
                "seconds": time.monotonic() - started,
                "cases": ", ".join(f"{kind} {count}" for kind, count in replayed.items()),
            }
        )
        left = outbox_drain(timeout=drain_timeout, in_process=celery_app.conf.task_always_eager)
        self.stdout.write(_("Owed documents and notifications still pending: %(left)s") % {"left": left})
        problems = [p for group in check_all().values() for p in group]
        for problem in problems[:50]:
            self.stderr.write(problem)
        data = report_for(figures_for(period=period_for(year=year))).as_dict()
        rows = comparison(data, targets)
        self.stdout.write("")
        self.stdout.write("\t".join([_("Figure"), _("Report"), _("Statistics"), ""]))
        for row in rows:
            verdict = _("ok") if row.same else _("different")
            self.stdout.write("\t".join([row.label, str(row.expected), str(row.actual), verdict]))
        if problems:
            raise CommandError(_("%(n)s inconsistencies after the replay.") % {"n": len(problems)})
        if not all(row.same for row in rows):
            raise CommandError(_("The statistics differ from the report's figures."))
        self.stdout.write(self.style.SUCCESS(_("The statistics of %(year)s reproduce the report.") % {"year": year}))
