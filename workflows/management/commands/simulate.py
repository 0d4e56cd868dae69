from django.core.management.base import BaseCommand, CommandError

from workflows import simulation, simulation_loans
from workflows.consistency import check_all


class Command(BaseCommand):
    help = "Drive N synthetic cases through the real services and flows to every terminal state, then check consistency."

    def add_arguments(self, parser):
        parser.add_argument("--programme", default="startup", choices=["startup", "venture", "loan"])
        parser.add_argument("--cases", type=int, default=100)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, programme, cases, seed, **options):
        if cases < 1:
            raise CommandError("--cases must be at least 1.")
        if programme == "loan":
            return self.handle_loans(cases=cases, seed=seed)
        if programme == "venture":
            from workflows import simulation_venture

            report = simulation_venture.run(cases=cases, seed=seed)
        else:
            report = simulation.run(cases=cases, seed=seed)
        self.stdout.write(f"{'path':36} {'cases':>6}")
        for outcome, count in sorted(report.outcomes.items()):
            self.stdout.write(f"{outcome:36} {count:>6}")
        self.stdout.write(f"\n{'final status':36} {'cases':>6}")
        for status, count in sorted(report.statuses.items()):
            self.stdout.write(f"{status:36} {count:>6}")
        self.stdout.write(f"\npaid in total: {report.paid_total}")
        problems = [p for group in check_all().values() for p in group]
        for problem in problems[:50]:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} inconsistencies after the simulation.")
        self.stdout.write(self.style.SUCCESS("simulation consistent"))

    def handle_loans(self, *, cases, seed):
        report = simulation_loans.run(cases=cases, seed=seed)
        self.stdout.write(f"simulated {report.first_day} to {report.last_day}")
        self.stdout.write(f"{'borrower behaviour':36} {'cases':>6}")
        for behaviour, count in sorted(report.behaviours.items()):
            self.stdout.write(f"{behaviour:36} {count:>6}")
        self.stdout.write(f"\n{'final loan state':36} {'loans':>6}")
        for state, count in sorted(report.states.items()):
            self.stdout.write(f"{state:36} {count:>6}")
        self.stdout.write(f"\nsubsidies paid: {report.subsidies_paid} in {report.claims_paid} claims")
        self.stdout.write(f"guarantee compensation: {report.compensation_total}")
        problems = [p for group in check_all().values() for p in group]
        for problem in problems[:50]:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} inconsistencies after the simulation.")
        self.stdout.write(self.style.SUCCESS("simulation consistent"))
