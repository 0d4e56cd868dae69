import argparse
import datetime as dt
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


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("%(text)s is not a date like 2010-03-31.") % {"text": text}) from None


class Command(BaseCommand):
    help = (
        "Print the statistics of a year (or one of its quarters or months), or of a range of dates (--from, --to), "
        "for the district or one town: the figures of the statistics page."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int)
        parser.add_argument("--from", dest="start", type=_date, help="first day of a range (YYYY-MM-DD), with --to")
        parser.add_argument("--to", dest="end", type=_date, help="last day of a range (YYYY-MM-DD), with --from")
        parser.add_argument("--quarter", type=int)
        parser.add_argument("--month", type=int)
        parser.add_argument("--town", help="a town's code")
        parser.add_argument("--basis", choices=[key for key, _label in BASES], default="approval")
        parser.add_argument("--format", choices=["json", "table"], default="table")

    def handle(self, *args, **options):
        try:
            if (options["start"] or options["end"]) and (options["year"] or options["quarter"] or options["month"]):
                raise CommandError(_("Give a year (with a quarter or a month) or a range of dates, not both."))
            period = period_for(
                year=options["year"],
                quarter=options["quarter"],
                month=options["month"],
                start=options["start"],
                end=options["end"],
                basis=options["basis"],
            )
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
