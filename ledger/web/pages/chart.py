"""The statistics as a stacked bar chart, drawn on the server as SVG data (no script)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

PALETTE = (
    "#00547a", "#d4731b", "#2f8f5b", "#a6375a", "#6b5ca5", "#8a7a12", "#1f8ea3", "#b5463c",
    "#4d6b2f", "#7a4e9c", "#3f5f8f", "#9c6b3f",
)  # fmt: skip


CHART_WIDTH = 720


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[tuple[float, int]]
    months: list[tuple[float, str]]
    legend: list[tuple[str, str, int]]
    top: int
    plot_left: int
    plot_bottom: int
    slanted: bool


def _nice_max(value: int) -> int:
    """A round top for the axis, divisible by 5 so that its five ticks are whole numbers."""
    magnitude = 10 ** (len(str(max(value, 1))) - 1)
    for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        top = int(step * magnitude)
        if top >= value and top % 5 == 0:
            return top
    return int(10 * magnitude)


def bar_chart(rows: list[dict[str, Any]], labels: Mapping[str, str]) -> Chart | None:
    """Stacked bars: one per month, a segment per recipient category; drawn on the server."""
    by_month: dict[str, dict[str, int]] = {}
    totals: dict[str, int] = {}
    for row in rows:
        cells = by_month.setdefault(row["month"], {})
        category = row["recipient_category"]
        cells[category] = cells.get(category, 0) + row["count"]
        totals[category] = totals.get(category, 0) + row["count"]
    if not by_month:
        return None
    order = sorted(totals, key=lambda code: (-totals[code], code))
    colours = {code: PALETTE[i % len(PALETTE)] for i, code in enumerate(order)}
    months = sorted(by_month)
    left, right, top_pad, bottom = 56, 12, 12, 48
    slot = max(28, min(80, (CHART_WIDTH - left - right) // len(months)))
    width = max(CHART_WIDTH, left + right + slot * len(months))
    height = 300
    plot_height = height - top_pad - bottom
    top = _nice_max(max(sum(cells.values()) for cells in by_month.values()))
    scale = plot_height / top
    bars = []
    for index, month in enumerate(months):
        y = float(height - bottom)
        x = left + index * slot + slot * 0.15
        for code in order:
            count = by_month[month].get(code, 0)
            if not count:
                continue
            h = count * scale
            y -= h
            bars.append(
                Bar(
                    round(x, 1),
                    round(y, 1),
                    round(slot * 0.7, 1),
                    round(h, 1),
                    colours[code],
                    f"{month}: {labels.get(code, code)}, {count}",
                )
            )
    ticks = [(round(height - bottom - plot_height * i / 5, 1), top * i // 5) for i in range(6)]
    month_labels = [(left + i * slot + slot / 2, month) for i, month in enumerate(months)]
    legend = [(colours[code], labels.get(code, code), totals[code]) for code in order]
    return Chart(
        width, height, bars, ticks, month_labels, legend, top, left, height - bottom, slot < 56
    )
