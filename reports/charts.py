"""Chart geometry for inline SVG drawn server-side (templates/reports/charts/).

Everything is Decimal: a bar's length is its value over the largest value
times the full width, rounded to ``PLACES`` decimals only when written as an
SVG attribute, so a bar half as large as the largest is exactly half as long.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal(0)
#: Decimals written in SVG coordinates.
PLACES = Decimal("0.01")


def coordinate(value: Decimal) -> Decimal:
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


def scale(value: Decimal, maximum: Decimal, span: Decimal) -> Decimal:
    """``value``'s share of ``span`` when ``maximum`` fills it; nothing to draw
    for a zero or negative maximum (an empty chart)."""
    if maximum <= 0 or value <= 0:
        return coordinate(ZERO)
    return coordinate(span * value / maximum)


# --- Horizontal bars --------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    #: None for a count; a currency code for an amount (the template formats it).
    currency: str | None
    y: Decimal
    text_y: Decimal
    length: Decimal
    value_x: Decimal


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: list[Bar]
    width: Decimal
    height: Decimal
    bar_x: Decimal
    bar_height: Decimal
    label_x: Decimal


BAR_X = Decimal(200)  # labels to the left, right-aligned at BAR_X - 8
BAR_SPAN = Decimal(360)  # the largest bar's length
VALUE_SPACE = Decimal(150)  # room for the value written after a bar
ROW = Decimal(28)
BAR_HEIGHT = Decimal(18)


def bar_chart(
    title: str, rows: Sequence[tuple[str, Decimal | int]], currency: str | None = None
) -> BarChart:
    """Horizontal bars in the order given, the largest value at full length."""
    values = [Decimal(value) for _label, value in rows]
    maximum = max(values, default=ZERO)
    bars = []
    for index, ((label, _value), value) in enumerate(zip(rows, values, strict=True)):
        y = ROW * index + (ROW - BAR_HEIGHT) / 2
        length = scale(value, maximum, BAR_SPAN)
        bars.append(
            Bar(
                label=str(label),
                value=value,
                currency=currency,
                y=coordinate(y),
                text_y=coordinate(y + BAR_HEIGHT - 4),
                length=length,
                value_x=coordinate(BAR_X + length + 6),
            )
        )
    return BarChart(
        title=title,
        bars=bars,
        width=BAR_X + BAR_SPAN + VALUE_SPACE,
        height=coordinate(ROW * max(len(bars), 1)),
        bar_x=BAR_X,
        bar_height=BAR_HEIGHT,
        label_x=BAR_X - 8,
    )


# --- Lines over time --------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    key: str
    label: str
    points: str  # "x,y x,y ..." for <polyline points>
    last_x: Decimal
    last_y: Decimal


@dataclass(frozen=True)
class LineChart:
    title: str
    lines: list[Line]
    currency: str
    maximum: Decimal
    first_month: datetime.date | None
    last_month: datetime.date | None
    width: Decimal
    height: Decimal
    left: Decimal
    right: Decimal
    top: Decimal
    bottom: Decimal


LINE_LEFT = Decimal(16)
LINE_TOP = Decimal(24)
LINE_WIDTH = Decimal(600)
LINE_HEIGHT = Decimal(200)


def line_chart(
    title: str,
    months: Sequence[datetime.date],
    series: Sequence[tuple[str, str, Sequence[Decimal]]],
    currency: str,
) -> LineChart:
    """One polyline per ``(key, label, values)``, all on one scale whose top is
    the largest value of any series; months are evenly spaced."""
    maximum = max((v for _k, _l, values in series for v in values), default=ZERO)
    count = len(months)
    step = LINE_WIDTH / (count - 1) if count > 1 else ZERO
    lines = []
    for key, label, values in series:
        points = []
        x = y = ZERO
        for index, value in enumerate(values):
            x = coordinate(LINE_LEFT + (step * index if count > 1 else LINE_WIDTH / 2))
            y = coordinate(LINE_TOP + LINE_HEIGHT - scale(Decimal(value), maximum, LINE_HEIGHT))
            points.append(f"{x},{y}")
        lines.append(Line(key, str(label), " ".join(points), x, y))
    return LineChart(
        title=title,
        lines=lines,
        currency=currency,
        maximum=maximum,
        first_month=months[0] if months else None,
        last_month=months[-1] if months else None,
        width=LINE_LEFT * 2 + LINE_WIDTH,
        height=LINE_TOP + LINE_HEIGHT + Decimal(28),
        left=LINE_LEFT,
        right=LINE_LEFT + LINE_WIDTH,
        top=LINE_TOP,
        bottom=LINE_TOP + LINE_HEIGHT,
    )
