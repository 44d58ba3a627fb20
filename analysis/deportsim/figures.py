"""Report figures of one run, drawn with matplotlib's object API (no pyplot state, Agg canvas).

Each ``plot_*`` function takes an open :class:`~deportsim.run.Run` and returns a :class:`Plot`:
the matplotlib Figure and the data it shows (``Plot.data``), so callers and tests can check
the plotted numbers against the file. :func:`write_figures` saves them as PNG files.

Every figure is 12 inches wide at 150 dpi (1800 pixels); heights are listed with each
function. Each has a title, axis labels with units, a dated time axis, a legend, and a source
line naming the scenario and the first 12 characters of its SHA-256.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import matplotlib.dates as mdates
import numpy as np
from matplotlib.figure import Figure  # drawn without pyplot: no window, no global state
from matplotlib.ticker import FuncFormatter, MaxNLocator

from .palette import (
    CAPACITY_COLOUR,
    OTHER_STYLE,
    country_styles,
    status_colour,
    status_label,
)
from .run import Run

DPI = 150
WIDTH_IN = 12.0
SOURCE_FONT_SIZE = 7.5

# Statuses drawn apart from the removal pipeline: they hold most people in a long run and
# would flatten the pipeline if stacked with it.
OUTSIDE_PIPELINE = ("at_large", "returned", "settled", "dead_or_missing")

# Panels of the stocks-by-country figure: (title, statuses summed in the panel).
COUNTRY_PANELS = (
    ("at_large",),
    ("detained",),
    ("imprisoned",),
    ("sheltered",),
    ("returned",),
    ("in_transit", "settled", "dead_or_missing"),
)
TOP_COUNTRIES = 6
TOP_DESTINATIONS = 8
MAX_SENDER_PANELS = 3


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

    def save(self, directory: str | os.PathLike) -> Path:
        path = Path(directory) / f"{self.name}.png"
        self.figure.savefig(path, dpi=self.figure.dpi, metadata={"Software": "deportsim"})
        return path


# -- shared pieces ------------------------------------------------------------------------


def _figure(height_in: float, bottom_in: float = 0.35) -> Figure:
    """A figure with constrained layout that leaves a strip at the bottom for the source line."""
    figure = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI)
    figure.set_layout_engine("constrained", rect=(0, bottom_in / height_in, 1, 1 - bottom_in / height_in))
    return figure


def _finish(figure: Figure, run: Run, title: str, subtitle: str = "") -> None:
    figure.suptitle(title, fontsize=15, fontweight="bold", x=0.01, ha="left")
    source = run.source_line()
    dates = run.dates
    if len(dates):
        source += f"; {dates[0]} to {dates[-1]}"
    if subtitle:
        source = subtitle + "\n" + source
    figure.text(0.01, 0.008, source, fontsize=SOURCE_FONT_SIZE, color="#555555", ha="left", va="bottom")


def _format_persons(value: float, _position=None) -> str:
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1e6:
        return f"{value / 1e6:,.1f}M".replace(".0M", "M")
    if magnitude >= 1e4:
        return f"{value / 1e3:,.0f}k"
    if magnitude >= 10 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:.2g}"


def _format_money(value: float, _position=None) -> str:
    magnitude = abs(value)
    if magnitude >= 1e9:
        return f"${value / 1e9:,.1f}bn"
    if magnitude >= 1e6:
        return f"${value / 1e6:,.1f}M"
    if magnitude >= 1e3:
        return f"${value / 1e3:,.0f}k"
    return f"${value:,.0f}"


def _tick_formatter(axes) -> FuncFormatter:
    """Tick labels in one style per axis: all in M, all in k, or all in units, by the top."""

    def format_tick(value: float, _position=None) -> str:
        top = max(abs(limit) for limit in axes.get_ylim())
        if value == 0:
            return "0"
        if top >= 2e6:
            return f"{value / 1e6:,.1f}M".replace(".0M", "M")
        if top >= 2e4:
            return f"{value / 1e3:,.0f}k"
        if top >= 5:
            return f"{value:,.0f}"
        return f"{value:.2g}"

    return FuncFormatter(format_tick)


def _persons_axis(axes, label: str) -> None:
    axes.set_ylabel(label)
    axes.yaxis.set_major_formatter(_tick_formatter(axes))
    axes.yaxis.set_major_locator(MaxNLocator(nbins=5, min_n_ticks=3))
    top = axes.dataLim.y1 if np.isfinite(axes.dataLim.y1) else 0.0
    axes.set_ylim(0, top * 1.1 if top > 0 else 1.0)
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def _date_axis(axes, run: Run, label: bool = True, max_ticks: int = 10) -> None:
    """Dates on x: at most ``max_ticks`` ticks (fewer for narrow panels, so labels never meet)."""
    locator = mdates.AutoDateLocator(minticks=3, maxticks=max_ticks)
    axes.xaxis.set_major_locator(locator)
    # Day ticks name their month ("15 Feb"), month starts show the month, and the offset
    # under the axis shows only the year.
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(
        locator,
        formats=["%Y", "%b", "%d %b", "%H:%M", "%H:%M", "%S.%f"],
        offset_formats=["", "%Y", "%Y", "%Y", "%Y", "%Y-%m-%d"],
    ))
    times = run.datetimes
    if len(times) > 1:
        axes.set_xlim(times[0], times[-1])
    if label:
        axes.set_xlabel("Date")


def _empty_note(axes, text: str) -> None:
    axes.text(0.5, 0.5, text, transform=axes.transAxes, ha="center", va="center", color="#777777")


def _country_label(run: Run, code: str) -> str:
    names = dict(zip(run.countries, run.country_names))
    name = names.get(code, code)
    return code if name == code else f"{name} ({code})"


@dataclass
class Weekly:
    """Per-step values summed into periods of ``period_days`` from the start date."""

    starts: np.ndarray  # datetime64[s], start of each period
    values: np.ndarray  # (period, ...) sums
    period_days: float
    last_days: float  # length of the last period that the run covers

    @property
    def unit(self) -> str:
        return "week" if self.period_days == 7 else f"{self.period_days:g} days"

    @property
    def last_partial(self) -> bool:
        return self.last_days < self.period_days - 1e-9


def weekly(run: Run, per_step: np.ndarray) -> Weekly:
    """Sum per-step values (time first; record 0 holds no flows) into 7-day periods.

    The step ending at record k covers [t(k-1), t(k)); it counts in the period where it
    starts. Steps longer than a week give periods of one step each.
    """
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


def _legend_right(axes, handles=None, labels=None, title: str | None = None) -> None:
    if handles is None:
        handles, labels = axes.get_legend_handles_labels()
    if handles:
        axes.legend(
            handles, labels, title=title, loc="upper left", bbox_to_anchor=(1.01, 1.0),
            frameon=False, fontsize=8.5, title_fontsize=9, alignment="left",
        )


# -- (1) the pipeline ---------------------------------------------------------------------


def plot_pipeline(run: Run) -> Plot:
    """People by status over time, all countries and groups together, as two stacked areas.

    Top: the statuses outside the removal pipeline (at large, returned home, settled, dead
    or missing), which hold most people in a long run. Bottom, on its own scale: in transit,
    detained, imprisoned abroad, sheltered abroad. Size 1800 x 1200 pixels.
    Data: ``dates``, ``outside`` and ``pipeline`` (status -> persons by record).
    """
    by_status = run.totals("stocks", keep=("time", "status"))
    statuses = [str(s) for s in run.statuses]
    series = {status: by_status[:, i] for i, status in enumerate(statuses)}
    outside = {s: series[s] for s in statuses if s in OUTSIDE_PIPELINE}
    pipeline = {s: series[s] for s in statuses if s not in OUTSIDE_PIPELINE}
    times = run.datetimes

    figure = _figure(8.0)
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(1, 1.25))
    panels = (
        (top, outside, "Outside the removal pipeline"),
        (bottom, pipeline, "In transit and held: the removal pipeline"),
    )
    for axes, group, heading in panels:
        drawn = {s: v for s, v in group.items() if np.any(v != 0)}
        absent = [status_label(s).split(" (")[0].lower() for s in group if s not in drawn]
        if drawn:
            axes.stackplot(
                times,
                *drawn.values(),
                labels=[status_label(s) for s in drawn],
                colors=[status_colour(s) for s in drawn],
                alpha=0.9,
                linewidth=0.4,
                edgecolor="white",
            )
            handles, labels = axes.get_legend_handles_labels()
            _legend_right(axes, handles[::-1], labels[::-1])
        else:
            _empty_note(axes, "nobody in these statuses during the run")
        if absent and drawn:
            heading += f"  (none {', '.join(absent)})"
        axes.set_title(heading, loc="left", fontsize=11)
        _persons_axis(axes, "Persons")
        _date_axis(axes, run, label=axes is bottom)
    total = by_status.sum(axis=1)
    subtitle = (
        f"Everyone in the model at the end of each step, all countries and groups. "
        f"Total {_format_persons(total[0])} at the start, {_format_persons(total[-1])} at the end."
    )
    _finish(figure, run, "People by status over time", subtitle)
    return Plot("pipeline", figure, {"dates": run.dates, "outside": outside, "pipeline": pipeline})


# -- (2) stocks by country ----------------------------------------------------------------


def _top_rows(values: np.ndarray, labels: Sequence[str], top: int):
    """Columns of (time, label) values: the ``top`` largest by peak, and the rest summed."""
    peaks = values.max(axis=0) if len(values) else np.zeros(len(labels))
    order = [i for i in np.argsort(-peaks, kind="stable") if peaks[i] > 0]
    chosen = sorted(order[:top])
    rest = [i for i in range(len(labels)) if i not in chosen]
    other = values[:, rest].sum(axis=1) if rest else np.zeros(len(values))
    lines = {str(labels[i]): values[:, i] for i in chosen}
    return lines, other, len([i for i in order if i not in chosen])


def plot_stocks_by_country(run: Run, top: int = TOP_COUNTRIES) -> Plot:
    """Where people are: one panel per status, one line per country (the ``top`` countries
    by peak in that panel; the others summed as "other countries").

    Panels: at large, detained, imprisoned abroad, sheltered abroad, returned home, and the
    other statuses summed (in transit, settled, dead or missing). Size 1800 x 1200 pixels.
    Data: ``panels``: panel title -> {country or "other countries": persons by record}.
    """
    stocks = run.totals("stocks", keep=("time", "country", "status"))  # (time, country, status)
    statuses = [str(s) for s in run.statuses]
    countries = [str(c) for c in run.countries]
    styles = country_styles(countries)
    times = run.datetimes
    covered = {s for panel in COUNTRY_PANELS for s in panel}
    panels_spec = list(COUNTRY_PANELS)
    extra = tuple(s for s in statuses if s not in covered)
    if extra:
        panels_spec[-1] = panels_spec[-1] + extra

    figure = _figure(8.0)
    layout = figure.add_gridspec(2, 4, width_ratios=(1, 1, 1, 0.42))
    grid = np.empty((2, 3), dtype=object)
    for row in range(2):
        for column in range(3):
            share = grid[0, 0] if (row, column) != (0, 0) else None
            grid[row, column] = figure.add_subplot(layout[row, column], sharex=share)
    legend_axes = figure.add_subplot(layout[:, 3])
    legend_axes.set_axis_off()
    data: dict[str, dict[str, np.ndarray]] = {}
    legend_entries: dict[str, object] = {}
    for position, panel in enumerate(panels_spec):
        row, column = divmod(position, 3)
        axes = grid[row, column]
        present = [s for s in panel if s in statuses]
        values = stocks[:, :, [statuses.index(s) for s in present]].sum(axis=2)
        if len(panel) == 1:
            title = status_label(panel[0])
        else:
            title = "Other: " + ", ".join(status_label(s).split(" (")[0].lower() for s in panel)
        lines, other, hidden = _top_rows(values, countries, top)
        panel_data = dict(lines)
        for code, series in lines.items():
            style = styles[code]
            (line,) = axes.plot(
                times, series, color=style.colour, linestyle=style.linestyle, linewidth=1.8,
                label=_country_label(run, code),
            )
            legend_entries.setdefault(code, line)
        if hidden > 0 or np.any(other != 0):
            panel_data["other countries"] = other
            (line,) = axes.plot(
                times, other, color=OTHER_STYLE.colour, linestyle=OTHER_STYLE.linestyle,
                linewidth=1.4, label="Other countries",
            )
            legend_entries.setdefault("other countries", line)
        if not lines:
            _empty_note(axes, "none in this run")
        data[title] = panel_data
        axes.set_title(title, loc="left", fontsize=10.5)
        _persons_axis(axes, "Persons" if column == 0 else "")
        if not lines:
            axes.set_yticks([0])  # an empty panel: no scale to read
        _date_axis(axes, run, label=row == 1, max_ticks=5)
        if row == 0:
            axes.tick_params(labelbottom=False)
    order = [c for c in countries if c in legend_entries]
    if "other countries" in legend_entries:
        order.append("other countries")
    legend_axes.legend(
        [legend_entries[c] for c in order],
        [legend_entries[c].get_label() for c in order],
        title="Country", loc="upper left", frameon=False, fontsize=8.5, title_fontsize=9,
        alignment="left",
    )
    subtitle = (
        f"Persons in each country at the end of each step, all groups; the {top} countries "
        "with the highest peak in each panel are drawn, the rest summed. Returned people are "
        "counted in their country of nationality."
    )
    _finish(figure, run, "Stocks by country", subtitle)
    return Plot("stocks_by_country", figure, {"dates": run.dates, "panels": data})


# -- (3) removals by destination ----------------------------------------------------------


def plot_removals(run: Run, top: int = TOP_DESTINATIONS) -> Plot:
    """Removals per week by destination, stacked bars, one panel per sending country
    (up to three; further senders are summed into the last panel).

    The last bar is lighter when the run ends part-way through a week.
    Size 1800 x (525 per panel + 225) pixels.
    Data: ``week_starts``, ``period_days``, ``senders``: panel -> {destination or
    "other destinations": persons per week}.
    """
    removals = run.removals_by_destination()  # (time, sender, destination)
    countries = [str(c) for c in run.countries]
    destinations = [str(d) for d in run.destinations]
    styles = country_styles(countries)
    by_sender_total = removals.sum(axis=(0, 2))
    senders = [i for i in np.argsort(-by_sender_total, kind="stable") if by_sender_total[i] > 0]
    panels: list[tuple[str, list[int]]] = []
    if len(senders) > MAX_SENDER_PANELS:
        panels = [(countries[i], [i]) for i in senders[: MAX_SENDER_PANELS - 1]]
        panels.append(("other senders", list(senders[MAX_SENDER_PANELS - 1:])))
    else:
        panels = [(countries[i], [i]) for i in senders]
    rows = max(1, len(panels))
    figure = _figure(3.5 * rows + 1.5)
    axes_list = np.atleast_1d(figure.subplots(rows, 1, sharex=True, squeeze=False)[:, 0])
    week = weekly(run, removals)
    width, edge = _bar_width(week)
    data: dict[str, dict[str, np.ndarray]] = {}
    for axes, (sender, rows_of_sender) in zip(axes_list, panels):
        per_destination = week.values[:, rows_of_sender, :].sum(axis=1)  # (week, destination)
        lines, other, hidden = _top_rows(per_destination, destinations, top)
        stacks = dict(lines)
        if hidden > 0 or np.any(other != 0):
            stacks["other destinations"] = other
        base = np.zeros(len(week.starts))
        for code, heights in stacks.items():
            style = styles.get(code, OTHER_STYLE)
            label = "Other destinations" if code == "other destinations" else _country_label(run, code)
            bars = axes.bar(
                week.starts, heights, width=width, bottom=base, align="edge", color=style.colour,
                hatch=style.hatch, edgecolor="white", linewidth=edge, label=label,
            )
            if week.last_partial and len(bars):
                bars[-1].set_alpha(0.45)
            base = base + heights
        handles, labels = axes.get_legend_handles_labels()
        _legend_right(axes, handles[::-1], labels[::-1], title="Destination")
        data[sender] = stacks
        if sender == "other senders":
            name = "other senders (" + ", ".join(countries[i] for i in rows_of_sender) + ")"
        else:
            name = _country_label(run, sender)
        total = float(base.sum())
        axes.set_title(
            f"Removed by {name}: {_format_persons(total)} in total", loc="left", fontsize=11
        )
        _persons_axis(axes, f"Persons removed per {week.unit}")
        _date_axis(axes, run, label=axes is axes_list[-1])
    if not panels:
        axes = axes_list[0]
        _empty_note(axes, "no removals in this run")
        axes.set_title("Removals", loc="left", fontsize=11)
        _persons_axis(axes, f"Persons removed per {week.unit}")
        axes.set_ylim(0, 1)
        _date_axis(axes, run)
    subtitle = f"Bars: persons removed in each {week.unit} from the start date, by destination."
    if week.last_partial:
        subtitle += f" The last (lighter) bar covers only {week.last_days:g} days."
    _finish(figure, run, "Removals by destination", subtitle)
    return Plot(
        "removals_by_destination",
        figure,
        {"week_starts": week.starts.astype("datetime64[D]"), "period_days": week.period_days,
         "senders": data},
    )


def _bar_width(week: Weekly) -> tuple[np.timedelta64, float]:
    """Bar width and edge line width: gaps between a few bars, none between many."""
    if len(week.starts) > 40:
        return np.timedelta64(int(week.period_days * 86400), "s"), 0.0
    return np.timedelta64(int(week.period_days * 86400 * 0.82), "s"), 0.4


# -- (4) capacity use ---------------------------------------------------------------------


def programme_seats_per_flight(run: Run) -> dict[str, float]:
    """Seats per flight of each programme, from the scenario text the run carries.

    Empty when PyYAML is not importable. A programme whose seats a dated event changes (its
    path appears elsewhere in the text) is left out: one number would misstate its seats.
    """
    scenario = run.scenario or {}
    programmes = scenario.get("flight_programmes") or {}
    seats = {}
    for programme in run.programmes:
        spec = programmes.get(str(programme))
        if not isinstance(spec, dict) or not isinstance(spec.get("seats_per_flight"), (int, float)):
            continue
        if f"{programme}.seats_per_flight" in run.scenario_yaml:
            continue
        seats[str(programme)] = float(spec["seats_per_flight"])
    return seats


def plot_capacity(run: Run) -> Plot:
    """Capacity use: each facility's occupancy against its capacity (dashed), and each flight
    programme's passengers per week against the seats on the flights it flew (dashed; seats
    per flight come from the scenario text, when PyYAML can read it).

    One panel per facility, then one per programme, two to a row.
    Size 1800 x (450 per row + 225) pixels.
    Data: ``facilities``: id -> {"occupancy", "capacity"}; ``programmes``: id ->
    {"passengers", "flights", "seats" (None when not derivable)} per week; ``week_starts``.
    """
    facilities = [str(f) for f in run.facilities]
    programmes = [str(p) for p in run.programmes]
    countries = [str(c) for c in run.countries]
    styles = country_styles(countries)
    panel_count = len(facilities) + len(programmes)
    columns = 2 if panel_count > 1 else 1
    rows = max(1, math.ceil(panel_count / columns))
    figure = _figure(3.0 * rows + 1.5)
    grid = figure.subplots(rows, columns, squeeze=False)
    axes_list = list(grid.ravel())
    times = run.datetimes
    data: dict = {"facilities": {}, "programmes": {}}

    occupancy = run.read("facility_occupancy") if facilities else np.zeros((len(times), 0))
    for position, facility in enumerate(facilities):
        axes = axes_list[position]
        capacity = float(run.facility_capacity[position])
        series = occupancy[:, position]
        country = str(run.facility_country[position]) if len(run.facility_country) else ""
        kind = str(run.facility_kind[position]) if len(run.facility_kind) else "facility"
        colour = styles.get(country, OTHER_STYLE).colour
        axes.fill_between(times, series, color=colour, alpha=0.25, linewidth=0)
        axes.plot(times, series, color=colour, linewidth=1.8, label="Occupancy")
        axes.axhline(capacity, color=CAPACITY_COLOUR, linestyle="--", linewidth=1.3,
                     label=f"Capacity ({_format_persons(capacity)})")
        peak = float(series.max()) if len(series) else 0.0
        share = f" ({peak / capacity:.0%})" if capacity > 0 else ""
        axes.set_title(
            f"{facility}: {kind} in {_country_label(run, country)}\n"
            f"peak {_format_persons(peak)} of {_format_persons(capacity)} places{share}",
            loc="left", fontsize=10,
        )
        _persons_axis(axes, "Persons held")
        axes.set_ylim(0, max(capacity, peak, 1.0) * 1.3)  # room for the legend above
        _date_axis(axes, run, max_ticks=7)
        axes.legend(loc="upper right", ncol=2, frameon=False, fontsize=8)
        data["facilities"][facility] = {"occupancy": series, "capacity": capacity}

    week = weekly(run, np.zeros((len(times), 0)))
    if programmes:
        passengers = weekly(run, run.read("programme_passengers"))
        flights = weekly(run, run.read("programme_flights"))
        week = passengers
        budget_left = run.read("programme_budget_left") if run.has("programme_budget_left") else None
        seats_per_flight = programme_seats_per_flight(run)
        sender_of = _programme_senders(run)
        width, edge = _bar_width(week)
        for position, programme in enumerate(programmes):
            axes = axes_list[len(facilities) + position]
            carried = passengers.values[:, position]
            flown = flights.values[:, position]
            colour = styles.get(sender_of.get(programme, ""), OTHER_STYLE).colour
            axes.bar(week.starts, carried, width=width, align="edge", color=colour, alpha=0.85,
                     linewidth=0, label="Passengers")
            seats = None
            if programme in seats_per_flight:
                seats = flown * seats_per_flight[programme]
                edges = np.append(week.starts, week.starts[-1] + np.timedelta64(int(week.period_days * 86400), "s"))
                axes.stairs(seats, edges, baseline=None, color=CAPACITY_COLOUR, linestyle="--", linewidth=1.3,
                            label=f"Seats on flights flown ({seats_per_flight[programme]:g} per flight)")
            title = (f"Flight programme {programme}\n{_format_persons(float(carried.sum()))} "
                     f"passengers on {flown.sum():,.0f} flights")
            if budget_left is not None and np.isfinite(budget_left[-1, position]):
                title += f"; budget left at the end {_format_money(float(budget_left[-1, position]))}"
            if seats is None:
                title += "; seats per flight not derivable"
            axes.set_title(title, loc="left", fontsize=10)
            _persons_axis(axes, f"Persons per {week.unit}")
            top_value = max(float(carried.max(initial=0)), float(seats.max(initial=0)) if seats is not None else 0.0)
            axes.set_ylim(0, max(top_value, 1.0) * 1.3)
            _date_axis(axes, run, max_ticks=7)
            axes.legend(loc="upper right", ncol=2, frameon=False, fontsize=8)
            data["programmes"][programme] = {"passengers": carried, "flights": flown, "seats": seats}
    for axes in axes_list[panel_count:]:
        if panel_count == 0:
            _empty_note(axes, "the scenario has no facilities and no flight programmes")
            axes.set_title("No facilities or flight programmes", loc="left", fontsize=11)
            _persons_axis(axes, "Persons")
            axes.set_ylim(0, 1)
            _date_axis(axes, run)
        else:
            axes.set_visible(False)
    subtitle = ("Facilities: persons held at the end of each step against places (dashed). "
                f"Flight programmes: passengers per {week.unit} against seats on the flights flown.")
    if week.last_partial and programmes:
        subtitle += f" The last {week.unit} covers only {week.last_days:g} days."
    _finish(figure, run, "Capacity use", subtitle)
    data["dates"] = run.dates
    data["week_starts"] = week.starts.astype("datetime64[D]")
    return Plot("capacity", figure, data)


def _programme_senders(run: Run) -> dict[str, str]:
    """Sending country of each programme: the file's ``programme_sender``, else the scenario."""
    if "programme_sender" in run.coordinate_names("programme"):
        return dict(zip(run.programmes, run.coordinate("programme_sender")))
    scenario = run.scenario or {}
    programmes = scenario.get("flight_programmes") or {}
    return {
        str(pid): str(spec.get("sender"))
        for pid, spec in programmes.items()
        if isinstance(spec, dict) and spec.get("sender")
    }


# -- all of them --------------------------------------------------------------------------

FIGURES: dict[str, Callable[[Run], Plot]] = {
    "pipeline": plot_pipeline,
    "stocks_by_country": plot_stocks_by_country,
    "removals_by_destination": plot_removals,
    "capacity": plot_capacity,
}


def write_figures(
    run: Run, directory: str | os.PathLike, names: Sequence[str] | None = None
) -> list[Path]:
    """Draw the named figures (default: all of :data:`FIGURES`) into ``directory`` as PNG."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names or FIGURES:
        if name not in FIGURES:
            raise KeyError(f"unknown figure {name!r}; figures: {', '.join(FIGURES)}")
        plot = FIGURES[name](run)
        written.append(plot.save(directory))
    return written
