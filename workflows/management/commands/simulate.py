from django.core.management.base import BaseCommand, CommandError

from config.celery import app as celery_app
from workflows.engine.consistency import check_all
from workflows.engine.outbox import outbox_drain
from workflows.engine.registry import registry
from workflows.engine.simulation import SetupRefused


class Command(BaseCommand):
    help = "Drive N synthetic cases through the real services and flows to every terminal state, then check consistency."

    def add_arguments(self, parser):
        kinds = [p.kind for p in registry.all() if p.simulation is not None]
        # A kind, or its code's spelling with hyphens (social-insurance).
        parser.add_argument(
            "--programme", default=kinds[0] if kinds else None, choices=kinds, type=lambda value: value.replace("-", "_")
        )
        parser.add_argument("--cases", type=int, default=100)
        parser.add_argument("--seed", type=int, default=2026)
        # Programmes of employers' claims (social insurance) count employers, people and quarters instead of cases.
        parser.add_argument("--employers", type=int)
        parser.add_argument("--people", type=int)
        parser.add_argument("--quarters", type=int)
        # Programmes of training providers' claims count classes.
        parser.add_argument("--classes", type=int)
        parser.add_argument(
            "--drain-timeout",
            type=float,
            default=900,
            help="seconds to wait, since the workers last issued an owed document, for them to issue the rest",
        )

    def handle(self, *args, programme, cases, seed, drain_timeout, **options):
        if cases < 1:
            raise CommandError("--cases must be at least 1.")
        sizes = {key: options[key] for key in ("employers", "people", "quarters", "classes") if options.get(key) is not None}
        if any(value < 1 for value in sizes.values()):
            raise CommandError("--employers, --people, --quarters and --classes must be at least 1.")
        try:
            lines = registry.get(programme).simulation(cases=cases, seed=seed, **sizes)
        except SetupRefused as refusal:
            raise CommandError(str(refusal)) from refusal
        for line in lines:
            self.stdout.write(line)
        self.drain_and_check(drain_timeout)

    def drain_and_check(self, drain_timeout, within=None):
        """Wait for the workers to carry out what the steps owe (at most `within` seconds in all, when given), then
        prove the invariants."""
        left = outbox_drain(timeout=drain_timeout, in_process=celery_app.conf.task_always_eager, within=within)
        self.stdout.write(f"\nowed documents and notifications still pending: {left}")
        problems = [p for group in check_all().values() for p in group]
        for problem in problems[:50]:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} inconsistencies after the simulation.")
        self.stdout.write(self.style.SUCCESS("simulation consistent"))
