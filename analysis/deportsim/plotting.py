"""Pieces every figure shares: the :class:`Plot` value, figure frames with a source line,
axes with persons, money and dates, weekly sums, run labels and styles for overlays.

Figures are drawn with matplotlib's object API (``matplotlib.figure.Figure`` on the Agg
canvas): no pyplot state, no window, safe in threads and tests.
"""

from __future__ import annotations

import io
import math
import os
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import matplotlib.dates as mdates
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator

from .run import Run

DPI = 150
WIDTH_IN = 12.0  # 1800 pixels at DPI
SOURCE_FONT_SIZE = 7.5
SOURCE_LINE_IN = 0.13  # height of one line of the source strip, inches
DOLLAR = "\\$"  # a dollar sign that matplotlib draws as text
SOURCE_LINE_CHARS = 200  # characters of the source strip that fit in one line


@dataclass
class Plot:
    """A drawn figure, the data it shows, and the file stem it is saved under."""

    name: str
    figure: Figure
    data: dict = field(default_factory=dict)

    @property
    def size_px(self) -> tuple[int, int]:
        width, height = self.figure.get_size_inches() * self.figure.dpi
        return int(round(width)), int(round(height))

    def save(self, directory: str | os.PathLike, dpi: float | None = None) -> Path:
        """Write ``<directory>/<name>.png`` at ``dpi`` (default 150: 1800 pixels wide)."""
        path = Path(directory) / f"{self.name}.png"
        path.write_bytes(self.png(dpi))
        return path

    def png(self, dpi: float | None = None) -> bytes:
        """The figure as PNG bytes: RGB without an alpha channel (the background is opaque
        white), a tenth smaller than matplotlib's RGBA, when Pillow is importable."""
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=dpi or self.figure.dpi,
                            metadata={"Software": "deportsim"})
        try:
            from PIL import Image, PngImagePlugin
        except ImportError:  # pragma: no cover - Pillow comes with matplotlib
            return buffer.getvalue()
        buffer.seek(0)
        with Image.open(buffer) as image:
            info = PngImagePlugin.PngInfo()
            info.add_text("Software", "deportsim")
            rgb = io.BytesIO()
            image.convert("RGB").save(rgb, format="PNG", pnginfo=info, dpi=image.info.get("dpi"))
        return rgb.getvalue()


# -- frames -------------------------------------------------------------------------------


def source_lines(runs: Sequence[Run], labels: Sequence[str] | None = None) -> list[str]:
    """One source line per run; with labels (overlays), each line starts with the run's label."""
    lines = []
    for position, run in enumerate(runs):
        line = run.source_line()
        dates = run.dates
        if len(dates):
            line += f"; {dates[0]} to {dates[-1]}"
        if labels is not None:
            line = f"{labels[position]}: " + line.removeprefix("Source: ")
            line = ("Sources: " if position == 0 else "") + line
        lines.append(line)
    return lines


def _reserve_bottom(figure: Figure, line_count: int) -> None:
    """Constrained layout above a strip of ``line_count`` text lines at the bottom."""
    height_in = figure.get_size_inches()[1]
    bottom = (0.09 + SOURCE_LINE_IN * line_count) / height_in
    figure.set_layout_engine("constrained", rect=(0, bottom, 1, 1 - bottom))


def new_figure(height_in: float, source_line_count: int = 2) -> Figure:
    """A 12-inch-wide figure with constrained layout, leaving a strip at the bottom for
    ``source_line_count`` lines of caption and source text (:func:`finish` adjusts it to the
    lines it writes)."""
    figure = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI)
    _reserve_bottom(figure, source_line_count)
    return figure


def finish(figure: Figure, title: str, lines: Sequence[str]) -> None:
    """Title at the top left; caption and source lines, wrapped to the figure's width, at the
    bottom left."""
    figure.suptitle(title, fontsize=15, fontweight="bold", x=0.01, ha="left")
    wrapped = [part for line in lines for part in textwrap.wrap(line, SOURCE_LINE_CHARS) or [""]]
    _reserve_bottom(figure, len(wrapped))
    figure.text(
        0.01, 0.008, "\n".join(wrapped), fontsize=SOURCE_FONT_SIZE, color="#555555",
        ha="left", va="bottom", linespacing=1.25,
    )


def finish_run(figure: Figure, run: Run, title: str, subtitle: str = "") -> None:
    """:func:`finish` for one run: the subtitle, then the run's source line."""
    finish(figure, title, ([subtitle] if subtitle else []) + source_lines([run]))


# -- numbers ------------------------------------------------------------------------------


def format_persons(value: float, _position=None) -> str:
    if value is None or not np.isfinite(value):
        return "n/a" if value is None or np.isnan(value) else "unlimited"
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1e6:
        return f"{value / 1e6:,.2f}M".replace(".00M", "M")
    if magnitude >= 10 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:.2g}"


def format_money(value: float, _position=None, dollar: str = DOLLAR) -> str:
    """``$3.3M``, ``$64k``, ``$1,495``; ``dollar`` is escaped for matplotlib by default (a
    pair of bare dollar signs in one text would start mathematical notation)."""
    if value is None or not np.isfinite(value):
        return "n/a" if value is None or np.isnan(value) else "unlimited"
    magnitude = abs(value)
    if magnitude >= 1e9:
        return f"{dollar}{value / 1e9:,.2f}bn"
    if magnitude >= 1e6:
        return f"{dollar}{value / 1e6:,.1f}M"
    if magnitude >= 1e4:
        return f"{dollar}{value / 1e3:,.0f}k"
    return f"{dollar}{value:,.0f}"


def _tick_formatter(axes, money: bool = False, axis: str = "y") -> FuncFormatter:
    """Tick labels in one style per axis: all in bn/M, all in k, or all in units, by the top."""

    def format_tick(value: float, _position=None) -> str:
        limits = axes.get_ylim() if axis == "y" else axes.get_xlim()
        top = max(abs(limit) for limit in limits)
        sign = DOLLAR if money else ""
        if value == 0:
            return "0"
        if money and top >= 2e9:
            return f"{sign}{value / 1e9:,.1f}bn"
        if top >= 1e6:
            return f"{sign}{value / 1e6:,.2f}".rstrip("0").rstrip(".") + "M"
        if top >= 2e4:
            return f"{sign}{value / 1e3:,.0f}k"
        if top >= 5:
            return f"{sign}{value:,.0f}"
        return f"{sign}{value:.2g}"

    return FuncFormatter(format_tick)


def _tidy(axes, axis: str = "y") -> None:
    axes.grid(axis=axis, color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def persons_axis(axes, label: str, money: bool = False, headroom: float = 1.1) -> None:
    """y from 0 to the data's top (times ``headroom``), ticks in one style, a light grid."""
    axes.set_ylabel(label)
    axes.yaxis.set_major_formatter(_tick_formatter(axes, money))
    axes.yaxis.set_major_locator(MaxNLocator(nbins=5, min_n_ticks=3))
    top = axes.dataLim.y1 if np.isfinite(axes.dataLim.y1) else 0.0
    axes.set_ylim(0, top * headroom if top > 0 else 1.0)
    _tidy(axes)


def value_axis_x(axes, label: str, money: bool = False) -> None:
    """A horizontal value axis (bar charts): ticks in one style, a light grid."""
    axes.set_xlabel(label)
    axes.xaxis.set_major_formatter(_tick_formatter(axes, money, axis="x"))
    axes.xaxis.set_major_locator(MaxNLocator(nbins=4, min_n_ticks=2))
    _tidy(axes, axis="x")


def date_axis(axes, times: np.ndarray, label: bool = True, max_ticks: int = 10) -> None:
    """Dates on x over ``times`` (datetime64): at most ``max_ticks`` ticks, so labels never meet.

    Day ticks name their month ("15 Feb"), month starts show the month, and the offset under
    the axis shows only the year.
    """
    locator = mdates.AutoDateLocator(minticks=3, maxticks=max_ticks)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(
        locator,
        formats=["%Y", "%b", "%d %b", "%H:%M", "%H:%M", "%S.%f"],
        offset_formats=["", "%Y", "%Y", "%Y", "%Y", "%Y-%m-%d"],
    ))
    if len(times) > 1:
        axes.set_xlim(np.min(times), np.max(times))
    if label:
        axes.set_xlabel("Date")


def run_date_axis(axes, run: Run, label: bool = True, max_ticks: int = 10) -> None:
    date_axis(axes, run.datetimes, label=label, max_ticks=max_ticks)


def runs_date_axis(axes, runs: Sequence[Run], label: bool = True, max_ticks: int = 10) -> None:
    """A date axis spanning every run (runs may start and end on different dates)."""
    times = np.concatenate([run.datetimes for run in runs]) if runs else np.array([], "datetime64[s]")
    date_axis(axes, times, label=label, max_ticks=max_ticks)


def empty_note(axes, text: str) -> None:
    axes.text(0.5, 0.5, text, transform=axes.transAxes, ha="center", va="center", color="#777777")


def legend_right(axes, handles=None, labels=None, title: str | None = None) -> None:
    if handles is None:
        handles, labels = axes.get_legend_handles_labels()
    if handles:
        axes.legend(
            handles, labels, title=title, loc="upper left", bbox_to_anchor=(1.01, 1.0),
            frameon=False, fontsize=8.5, title_fontsize=9, alignment="left",
        )


def country_label(run: Run, code: str) -> str:
    """``"El Salvador (SLV)"``, or the code alone when the run has no other name for it."""
    names = dict(zip(run.countries, run.country_names))
    name = names.get(code, code)
    return code if name == code else f"{name} ({code})"


# -- periods ------------------------------------------------------------------------------


@dataclass
class Weekly:
    """Per-step values summed into periods of ``period_days`` from the start date."""

    starts: np.ndarray  # datetime64[s], start of each period
    values: np.ndarray  # (period, ...) sums
    period_days: float
    last_days: float  # length of the last period that the run covers
    last_full_days: float | None = None  # length of the last period had the run covered it

    @property
    def unit(self) -> str:
        if self.last_full_days is not None:
            return "month"
        return "week" if self.period_days == 7 else f"{self.period_days:g} days"

    @property
    def last_partial(self) -> bool:
        full = self.period_days if self.last_full_days is None else self.last_full_days
        return self.last_days < full - 1e-9

    @property
    def edges(self) -> np.ndarray:
        """Period boundaries (one more than the periods), for ``axes.stairs``."""
        last = self.period_days if self.last_full_days is None else self.last_full_days
        step = np.timedelta64(int(round(last * 86400)), "s")
        if len(self.starts) == 0:
            return np.array([], dtype="datetime64[s]")
        return np.append(self.starts, self.starts[-1] + step)


def weekly(run: Run, per_step: np.ndarray) -> Weekly:
    """Sum per-step values (time first; record 0 holds no flows) into 7-day periods.

    The step ending at record k covers [t(k-1), t(k)); it counts in the period where it
    starts. Steps longer than a week give periods of one step each.
    """
    per_step = np.asarray(per_step, dtype=float)
    times = run.times
    period = 7.0 if run.dt_days <= 7 else float(run.dt_days)
    end = times[-1] if len(times) else 0.0
    count = max(1, int(math.ceil(end / period - 1e-9)))
    values = np.zeros((count,) + per_step.shape[1:])
    if len(times) > 1:
        bins = np.floor(times[:-1] / period + 1e-9).astype(int)
        np.add.at(values, np.minimum(bins, count - 1), per_step[1:])
    starts = run.start_date.astype("datetime64[s]") + (
        np.arange(count) * period * 86400
    ).astype("int64").astype("timedelta64[s]")
    return Weekly(starts, values, period, end - (count - 1) * period)


def monthly(run: Run, per_step: np.ndarray) -> Weekly:
    """Sum per-step values into calendar months (a step counts in the month where it starts).

    The first and last months may be partial: ``last_days`` says how much of the last one
    the run covers; ``period_days`` is 30.44, the mean month, for bar widths only.
    """
    per_step = np.asarray(per_step, dtype=float)
    step_starts = run.datetimes[:-1]
    months = step_starts.astype("datetime64[M]")
    first = run.start_date.astype("datetime64[M]")
    last = months[-1] if len(months) else first
    count = int((last - first).astype(int)) + 1
    values = np.zeros((count,) + per_step.shape[1:])
    if len(months):
        np.add.at(values, (months - first).astype(int), per_step[1:])
    starts = (first + np.arange(count)).astype("datetime64[D]").astype("datetime64[s]")
    starts[0] = run.start_date.astype("datetime64[s]")
    end = run.datetimes[-1] if len(run.datetimes) else starts[-1]
    last_days = float((end - starts[-1]) / np.timedelta64(1, "D"))
    full = float(((last + 1).astype("datetime64[D]") - starts[-1].astype("datetime64[D]")).astype(int))
    return Weekly(starts, values, 30.44, last_days, full)


def bar_width(period: Weekly) -> tuple[np.timedelta64, float]:
    """Bar width and edge line width: gaps between a few bars, none between many."""
    if len(period.starts) > 40:
        return np.timedelta64(int(period.period_days * 86400), "s"), 0.0
    return np.timedelta64(int(period.period_days * 86400 * 0.82), "s"), 0.4


# -- several runs -------------------------------------------------------------------------


def run_labels(runs: Sequence[Run]) -> list[str]:
    """A label per run: its scenario name when the names differ, else its file stem (and the
    position, when stems collide too)."""
    names = [run.scenario_name or run.path.stem for run in runs]
    if len(set(names)) == len(names):
        return names
    stems = [run.path.stem for run in runs]
    if len(set(stems)) == len(stems):
        return stems
    return [f"{stem} ({position + 1})" for position, stem in enumerate(stems)]


# -- shared drawing ----------------------------------------------------------------------


def date_nums(dates: np.ndarray) -> np.ndarray:
    return mdates.date2num(np.asarray(dates).astype("datetime64[s]"))


def period_bars(axes, period: Weekly, heights, bottom=None, **style):
    """Bars over each period (x in days, so any width works), edge-aligned."""
    widths = np.diff(date_nums(period.edges))
    width, edge = bar_width(period)
    fraction = width / np.timedelta64(int(period.period_days * 86400), "s")
    if edge == 0:
        # Bars that touch: without antialiasing no faint seams show between them (and the
        # PNG is a third smaller).
        style.setdefault("antialiased", False)
    return axes.bar(
        date_nums(period.starts), heights, width=widths * fraction, bottom=bottom,
        align="edge", linewidth=edge, **style,
    )


def run_legend(figure_or_axes, labels: Sequence[str], styles, title: str = "Run", **where):
    handles = [
        Line2D([], [], color=style.colour, linestyle=style.linestyle, linewidth=2.0)
        for style in styles
    ]
    options = dict(frameon=False, fontsize=8.5, title_fontsize=9, alignment="left")
    options.update(where)
    return figure_or_axes.legend(handles, list(labels), title=title, **options)


HEADER_IN = 0.45  # height of the row that holds the run legend of an overlay


def overlay_subplots(
    figure, rows: int, columns: int, labels: Sequence[str], styles, *,
    sharex: bool = False, width_ratios=None, height_ratios=None,
) -> np.ndarray:
    """A (rows, columns) grid of axes under a header row holding the legend of the runs (one
    line style and colour per run), so the legend never covers a panel."""
    body_in = figure.get_size_inches()[1] - 1.2  # roughly what the panels get
    ratios = list(height_ratios) if height_ratios is not None else [1.0] * rows
    header = HEADER_IN / max(body_in, 1.0) * sum(ratios)
    layout = figure.add_gridspec(rows + 1, columns, height_ratios=[header] + ratios,
                                 width_ratios=width_ratios)
    legend_axes = figure.add_subplot(layout[0, :])
    legend_axes.set_axis_off()
    run_legend(legend_axes, labels, styles, title=None, loc="center left",
               ncol=min(len(labels), 6), fontsize=9, handlelength=3.2)
    grid = np.empty((rows, columns), dtype=object)
    for row in range(rows):
        for column in range(columns):
            share = grid[0, 0] if sharex and (row, column) != (0, 0) else None
            grid[row, column] = figure.add_subplot(layout[row + 1, column], sharex=share)
    return grid


def overlay_panels(figure, panels: int, columns: int, labels: Sequence[str], styles) -> list:
    """``panels`` axes, ``columns`` to a row, under the run legend; spare cells hidden."""
    rows = max(1, math.ceil(panels / columns))
    axes = list(overlay_subplots(figure, rows, columns, labels, styles).ravel())
    for extra in axes[panels:]:
        extra.set_visible(False)
    return axes[:max(panels, 1)]


def all_zero(series) -> bool:
    """Whether every value of every series is 0 (an overlay panel with nothing to show)."""
    return all(not np.any(np.asarray(values)) for values in series)


def complete_periods(period: Weekly) -> int:
    """How many periods to draw as lines: all but a last partial one, which would read as a
    fall at the end."""
    return len(period.starts) - (1 if period.last_partial and len(period.starts) > 1 else 0)


