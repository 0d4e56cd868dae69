"""Charts for the statistics page as inline SVG, drawn on the server: no script, no library, nothing fetched.

Every chart names itself (<title>, <desc>, role="img"), writes each bar's value beside it and tells its series apart
by a fill pattern as well as a colour, so that it reads without colour; the page puts the data table behind it.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from cases.money import format_yuan

WIDTH = 720
LABEL_WIDTH = 150
VALUE_WIDTH = 130
BAR_HEIGHT = 14
GAP = 10
# (fill colour, pattern id or "") per series: solid dark blue, hatched orange, dotted green.
SERIES_STYLES = (("#1f4e79", ""), ("#b35900", "hatch"), ("#2e7d32", "dots"))
PATTERNS = (
    '<pattern id="{p}hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
    '<rect width="6" height="6" fill="#fff"/><rect width="3" height="6" fill="#b35900"/></pattern>'
    '<pattern id="{p}dots" width="6" height="6" patternUnits="userSpaceOnUse">'
    '<rect width="6" height="6" fill="#2e7d32"/><circle cx="3" cy="3" r="1.5" fill="#fff"/></pattern>'
)


@dataclass(frozen=True)
class Series:
    name: str
    values: list  # Decimal or int, one per category


def _text(value, money: bool) -> str:
    if value is None:
        return "—"
    return format_yuan(value) if money else f"{value}"


def _fill(index: int, prefix: str) -> str:
    colour, pattern = SERIES_STYLES[index % len(SERIES_STYLES)]
    return f"url(#{prefix}{pattern})" if pattern else colour


def bar_chart(*, key: str, title: str, desc: str, categories: list[str], series: list[Series], money: bool = True) -> SafeString:
    """Horizontal bars: one group per category, one bar per series, the value written at the bar's end."""
    prefix = f"c-{key}-"
    values = [v for s in series for v in s.values if v is not None]
    top = max([Decimal(v) for v in values] + [Decimal("0")])
    scale = Decimal(WIDTH - LABEL_WIDTH - VALUE_WIDTH) / top if top > 0 else Decimal("0")
    group_height = len(series) * (BAR_HEIGHT + 2) + GAP
    legend_height = 22
    height = legend_height + max(len(categories), 1) * group_height + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" aria-labelledby="{prefix}t {prefix}d">',
        f'<title id="{prefix}t">{escape(title)}</title><desc id="{prefix}d">{escape(desc)}</desc>',
        f"<defs>{PATTERNS.format(p=prefix)}</defs>",
    ]
    x = LABEL_WIDTH
    for index, item in enumerate(series):  # the legend: swatch (colour and pattern) and name
        parts.append(
            f'<rect x="{x}" y="4" width="14" height="14" fill="{_fill(index, prefix)}" stroke="#333"/>'
            f'<text x="{x + 20}" y="16" font-size="12">{escape(item.name)}</text>'
        )
        x += 40 + 13 * len(item.name)
    for row, category in enumerate(categories):
        y = legend_height + row * group_height
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + group_height / 2}" font-size="12" text-anchor="end">{escape(category)}</text>'
        )
        for index, item in enumerate(series):
            value = item.values[row]
            width = int(Decimal(value or 0) * scale)
            bar_y = y + index * (BAR_HEIGHT + 2)
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{bar_y}" width="{width}" height="{BAR_HEIGHT}" '
                f'fill="{_fill(index, prefix)}" stroke="#333" stroke-width="0.5"/>'
                f'<text x="{LABEL_WIDTH + width + 4}" y="{bar_y + BAR_HEIGHT - 3}" font-size="11">'
                f"{escape(_text(value, money))}</text>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
