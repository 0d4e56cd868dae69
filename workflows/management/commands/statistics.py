import json
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext as _

from workflows.engine.statistics import BASES, StatisticsError, figures_for, period_for, town_for_code
from workflows.engine.statistics_report import report_for, table_lines


class _Encoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, Decimal):
            return str(o)
        return super().default(o)


class Command(BaseCommand):
    help = "Print the statistics of a year (or one of its quarters or months) for the district or one town: the figures of the statistics page."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--quarter", type=int)
        parser.add_argument("--month", type=int)
        parser.add_argument("--town", help="a town's code")
        parser.add_argument("--basis", choices=[key for key, _label in BASES], default="approval")
        parser.add_argument("--format", choices=["json", "table"], default="table")

    def handle(self, *args, **options):
        try:
            period = period_for(year=options["year"], quarter=options["quarter"], month=options["month"], basis=options["basis"])
            town = town_for_code(code=options["town"]) if options["town"] else None
        except StatisticsError as error:
            raise CommandError(str(error.message)) from None
        figures = figures_for(period=period, town=town)
        report = report_for(figures)
        if figures.empty and not report.indicators:
            raise CommandError(_("There are no statistics for %(period)s.") % {"period": period.label})
        if options["format"] == "json":
            self.stdout.write(json.dumps(report.as_dict(), cls=_Encoder, ensure_ascii=False, indent=2))
        else:
            self.stdout.write("\n".join(table_lines(report)))
