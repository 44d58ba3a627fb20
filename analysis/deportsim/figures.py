"""Report figures of a run, and the same figures with several runs overlaid.

Each ``plot_*`` function takes an open :class:`~deportsim.run.Run` and returns a
:class:`~deportsim.plotting.Plot`: the matplotlib Figure and the data it shows (``Plot.data``),
so callers and tests can check the plotted numbers against the file. Each ``overlay_*``
function takes several runs and their labels (:func:`~deportsim.plotting.run_labels`).
:data:`FIGURES` lists every figure with its caption; :func:`write_figures` and
:func:`write_overlays` save them as PNG files. Figures that only some runs can have (the
individual distributions of an agents-mode run, :mod:`deportsim.persons`) are in
:data:`RUN_FIGURES`: :func:`figure_names` says which a run has, and :func:`draw_figures` and
:func:`write_figures` draw them for those runs only.

Every figure is 12 inches wide at 150 dpi (1800 pixels); heights are listed with each function.
Each has a title, axis labels with units, a dated time axis (except the flow diagram and the
headline bars, which have no time), a legend, and a source line naming the scenario and the
first 12 characters of its SHA-256.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from matplotlib.lines import Line2D

from .palette import (
    CAPACITY_COLOUR,
    FIRST_DEPARTURE_COLOUR,
    OTHER_STYLE,
    REMIGRATION_COLOUR,
    country_styles,
    run_styles,
    status_colour,
    status_label,
)
from .plotting import (
    Plot,
    Weekly,
    country_label,
    date_nums,
    empty_note,
    finish,
    finish_run,
    format_persons,
    legend_right,
    all_zero,
    complete_periods,
    new_figure,
    overlay_panels,
    overlay_subplots,
    period_bars,
    persons_axis,
    run_date_axis,
    run_labels,
    runs_date_axis,
    source_lines,
    weekly,
)
from .run import Run
from .specs import facility_capacity, programme_specs

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
TOP_OVERLAY_COUNTRIES = 4
TOP_DESTINATIONS = 8
MAX_SENDER_PANELS = 3

__all__ = [
    "FIGURES", "RUN_FIGURES", "FigureSpec", "Plot", "Weekly", "weekly", "figure_names",
    "draw_figures", "write_figures", "write_overlays",
    "plot_pipeline", "plot_stocks_by_country", "plot_removals", "plot_capacity",
    "plot_deterrence", "overlay_pipeline", "overlay_stocks_by_country", "overlay_removals",
    "overlay_capacity", "overlay_deterrence",
]


def _status_title(panel: Sequence[str]) -> str:
    if len(panel) == 1:
        return status_label(panel[0])
    return "Other: " + ", ".join(status_label(s).split(" (")[0].lower() for s in panel)


def _top_rows(values: np.ndarray, labels: Sequence[str], top: int):
    """Columns of (time, label) values: the ``top`` largest by peak, and the rest summed."""
    peaks = values.max(axis=0) if len(values) else np.zeros(len(labels))
    order = [i for i in np.argsort(-peaks, kind="stable") if peaks[i] > 0]
    chosen = sorted(order[:top])
    rest = [i for i in range(len(labels)) if i not in chosen]
    other = values[:, rest].sum(axis=1) if rest else np.zeros(len(values))
    lines = {str(labels[i]): values[:, i] for i in chosen}
    return lines, other, len([i for i in order if i not in chosen])


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

    figure = new_figure(8.0)
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
                times, *drawn.values(), labels=[status_label(s) for s in drawn],
                colors=[status_colour(s) for s in drawn], alpha=0.9, linewidth=0.4,
                edgecolor="white",
            )
            handles, labels = axes.get_legend_handles_labels()
            legend_right(axes, handles[::-1], labels[::-1], title="Status")
        else:
            empty_note(axes, "nobody in these statuses during the run")
        if absent and drawn:
            heading += f"  (none {', '.join(absent)})"
        axes.set_title(heading, loc="left", fontsize=11)
        persons_axis(axes, "Persons")
        run_date_axis(axes, run, label=axes is bottom)
    total = by_status.sum(axis=1)
    subtitle = (
        "Everyone in the model at the end of each step, all countries and groups. "
        f"Total {format_persons(total[0])} at the start, {format_persons(total[-1])} at the end."
    )
    finish_run(figure, run, "People by status over time", subtitle)
    return Plot("pipeline", figure, {"dates": run.dates, "outside": outside, "pipeline": pipeline})


def overlay_pipeline(runs: Sequence[Run], labels: Sequence[str]) -> Plot:
    """One panel per status (all countries together), one line per run.
    Size 1800 x 1200 pixels. Data: ``panels``: status -> {label: persons by record}."""
    styles = run_styles(len(runs))
    statuses = list(dict.fromkeys(str(s) for run in runs for s in run.statuses))
    totals = [run.totals("stocks", keep=("time", "status")) for run in runs]
    figure = new_figure(8.0, 1 + len(runs))
    axes_list = overlay_panels(figure, len(statuses), 4, labels, styles)
    data: dict[str, dict[str, np.ndarray]] = {}
    for position, (axes, status) in enumerate(zip(axes_list, statuses)):
        data[status] = {}
        for run, label, style, by_status in zip(runs, labels, styles, totals):
            if status not in run.statuses:
                continue
            series = by_status[:, list(run.statuses).index(status)]
            data[status][label] = series
            axes.plot(run.datetimes, series, color=style.colour, linestyle=style.linestyle,
                      linewidth=1.8, label=label)
        axes.set_title(status_label(status), loc="left", fontsize=10)
        persons_axis(axes, "Persons" if position % 4 == 0 else "")
        if all_zero(data[status].values()):
            empty_note(axes, "none in these runs")
            axes.set_yticks([0])
        runs_date_axis(axes, runs, label=position >= len(statuses) - 4, max_ticks=5)
    finish(figure, "People by status over time: runs compared",
           ["Everyone in each status at the end of each step, all countries and groups; "
            "one line per run."] + source_lines(runs, labels))
    return Plot("pipeline", figure, {"labels": list(labels), "panels": data})


# -- (2) stocks by country ----------------------------------------------------------------


def _country_panels(run: Run) -> list[tuple[str, ...]]:
    statuses = [str(s) for s in run.statuses]
    covered = {s for panel in COUNTRY_PANELS for s in panel}
    panels = list(COUNTRY_PANELS)
    extra = tuple(s for s in statuses if s not in covered)
    if extra:
        panels[-1] = panels[-1] + extra
    return panels


def _country_grid(figure):
    layout = figure.add_gridspec(2, 4, width_ratios=(1, 1, 1, 0.42))
    grid = np.empty((2, 3), dtype=object)
    for row in range(2):
        for column in range(3):
            share = grid[0, 0] if (row, column) != (0, 0) else None
            grid[row, column] = figure.add_subplot(layout[row, column], sharex=share)
    legend_axes = figure.add_subplot(layout[:, 3])
    legend_axes.set_axis_off()
    return grid, legend_axes


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

    figure = new_figure(8.0)
    grid, legend_axes = _country_grid(figure)
    data: dict[str, dict[str, np.ndarray]] = {}
    legend_entries: dict[str, object] = {}
    for position, panel in enumerate(_country_panels(run)):
        row, column = divmod(position, 3)
        axes = grid[row, column]
        present = [s for s in panel if s in statuses]
        values = stocks[:, :, [statuses.index(s) for s in present]].sum(axis=2)
        title = _status_title(panel)
        lines, other, hidden = _top_rows(values, countries, top)
        panel_data = dict(lines)
        for code, series in lines.items():
            style = styles[code]
            (line,) = axes.plot(
                times, series, color=style.colour, linestyle=style.linestyle, linewidth=1.8,
                marker=style.marker or None, markevery=max(1, len(times) // 10), markersize=4,
                label=country_label(run, code),
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
            empty_note(axes, "none in this run")
        data[title] = panel_data
        axes.set_title(title, loc="left", fontsize=10.5)
        persons_axis(axes, "Persons" if column == 0 else "")
        if not lines:
            axes.set_yticks([0])  # an empty panel: no scale to read
        run_date_axis(axes, run, label=row == 1, max_ticks=5)
        if row == 0:
            axes.tick_params(labelbottom=False)
    order = [c for c in countries if c in legend_entries]
    if "other countries" in legend_entries:
        order.append("other countries")
    legend_axes.legend(
        [legend_entries[c] for c in order], [legend_entries[c].get_label() for c in order],
        title="Country", loc="upper left", frameon=False, fontsize=8.5, title_fontsize=9,
        alignment="left",
    )
    subtitle = (
        f"Persons in each country at the end of each step, all groups; the {top} countries "
        "with the highest peak in each panel are drawn, the rest summed. Returned people are "
        "counted in their country of nationality."
    )
    finish_run(figure, run, "Stocks by country", subtitle)
    return Plot("stocks_by_country", figure, {"dates": run.dates, "panels": data})


def overlay_stocks_by_country(
    runs: Sequence[Run], labels: Sequence[str], top: int = TOP_OVERLAY_COUNTRIES
) -> Plot:
    """The six status panels of :func:`plot_stocks_by_country`, each with the ``top``
    countries by peak over all runs: colour is the country (as in every figure), line style
    the run. Size 1800 x 1200 pixels.
    Data: ``panels``: panel title -> {country: {label: persons by record}}."""
    line_styles = run_styles(len(runs))
    countries = list(dict.fromkeys(str(c) for run in runs for c in run.countries))
    colours = country_styles(countries)
    stocks = [run.totals("stocks", keep=("time", "country", "status")) for run in runs]
    figure = new_figure(8.0, 1 + len(runs))
    grid, legend_axes = _country_grid(figure)
    data: dict[str, dict[str, dict[str, np.ndarray]]] = {}
    shown_countries: list[str] = []
    for position, panel in enumerate(_country_panels(runs[0])):
        row, column = divmod(position, 3)
        axes = grid[row, column]
        per_country: dict[str, dict[str, np.ndarray]] = {}
        for run, label, values in zip(runs, labels, stocks):
            statuses = [str(s) for s in run.statuses]
            present = [statuses.index(s) for s in panel if s in statuses]
            summed = values[:, :, present].sum(axis=2)
            for index, code in enumerate(run.countries):
                per_country.setdefault(str(code), {})[label] = summed[:, index]
        peaks = {code: max(float(np.max(v)) if len(v) else 0.0 for v in series.values())
                 for code, series in per_country.items()}
        chosen = [c for c in sorted(peaks, key=lambda c: -peaks[c]) if peaks[c] > 0][:top]
        chosen = [c for c in countries if c in chosen]
        for code in chosen:
            for run, label, style in zip(runs, labels, line_styles):
                if label in per_country[code]:
                    axes.plot(run.datetimes, per_country[code][label], color=colours[code].colour,
                              linestyle=style.linestyle, linewidth=1.6,
                              marker=colours[code].marker or None,
                              markevery=max(1, len(run.datetimes) // 10), markersize=4)
            if code not in shown_countries:
                shown_countries.append(code)
        if not chosen:
            empty_note(axes, "none in these runs")
        data[_status_title(panel)] = {code: per_country[code] for code in chosen}
        axes.set_title(_status_title(panel), loc="left", fontsize=10.5)
        persons_axis(axes, "Persons" if column == 0 else "")
        if not chosen:
            axes.set_yticks([0])
        runs_date_axis(axes, runs, label=row == 1, max_ticks=5)
        if row == 0:
            axes.tick_params(labelbottom=False)
    shown_countries = [c for c in countries if c in shown_countries]
    # One legend (constrained layout makes room for one): countries, then runs.
    handles = [Line2D([], [], color=colours[c].colour, marker=colours[c].marker or None,
                      linewidth=2.4) for c in shown_countries]
    texts = [country_label(runs[0], c) for c in shown_countries]
    handles.append(Line2D([], [], linestyle="none"))
    texts.append("Runs (line style):")
    handles += [Line2D([], [], color="#333333", linestyle=s.linestyle, linewidth=1.8)
                for s in line_styles]
    texts += list(labels)
    legend_axes.legend(handles, texts, title="Countries (colour):", loc="upper left",
                       frameon=False, fontsize=8.5, title_fontsize=9, alignment="left")
    finish(figure, "Stocks by country: runs compared",
           [f"Persons in each country at the end of each step, all groups; in each panel the {top} "
            "countries with the highest peak in any run. Colour: country; line style: run."]
           + source_lines(runs, labels))
    return Plot("stocks_by_country", figure, {"labels": list(labels), "panels": data})


# -- (3) removals by destination ----------------------------------------------------------


def _sender_panels(totals_by_sender: np.ndarray, countries: Sequence[str]):
    senders = [i for i in np.argsort(-totals_by_sender, kind="stable") if totals_by_sender[i] > 0]
    if len(senders) > MAX_SENDER_PANELS:
        panels = [(countries[i], [i]) for i in senders[: MAX_SENDER_PANELS - 1]]
        panels.append(("other senders", [int(i) for i in senders[MAX_SENDER_PANELS - 1:]]))
        return panels
    return [(countries[i], [int(i)]) for i in senders]


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
    panels = _sender_panels(removals.sum(axis=(0, 2)), countries)
    rows = max(1, len(panels))
    figure = new_figure(3.5 * rows + 1.5)
    axes_list = np.atleast_1d(figure.subplots(rows, 1, sharex=True, squeeze=False)[:, 0])
    week = weekly(run, removals)
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
            label = "Other destinations" if code == "other destinations" else country_label(run, code)
            bars = period_bars(axes, week, heights, bottom=base, color=style.colour, hatch=style.hatch,
                         edgecolor="white", label=label)
            if week.last_partial and len(bars):
                bars[-1].set_alpha(0.45)
            base = base + heights
        handles, labels = axes.get_legend_handles_labels()
        legend_right(axes, handles[::-1], labels[::-1], title="Destination")
        data[sender] = stacks
        if sender == "other senders":
            name = "other senders (" + ", ".join(countries[i] for i in rows_of_sender) + ")"
        else:
            name = country_label(run, sender)
        axes.set_title(f"Removed by {name}: {format_persons(float(base.sum()))} in total",
                       loc="left", fontsize=11)
        persons_axis(axes, f"Persons removed per {week.unit}")
        run_date_axis(axes, run, label=axes is axes_list[-1])
    if not panels:
        axes = axes_list[0]
        empty_note(axes, "no removals in this run")
        axes.set_title("Removals", loc="left", fontsize=11)
        persons_axis(axes, f"Persons removed per {week.unit}")
        axes.set_ylim(0, 1)
        run_date_axis(axes, run)
        axes.legend(handles=[], title="Destination: none", frameon=False, loc="upper right")
    subtitle = f"Bars: persons removed in each {week.unit} from the start date, by destination."
    if week.last_partial:
        subtitle += f" The last (lighter) bar covers only {week.last_days:g} days."
    finish_run(figure, run, "Removals by destination", subtitle)
    return Plot(
        "removals_by_destination", figure,
        {"week_starts": week.starts.astype("datetime64[D]"), "period_days": week.period_days,
         "senders": data},
    )


def overlay_removals(runs: Sequence[Run], labels: Sequence[str]) -> Plot:
    """Persons removed per week by each sending country (up to three panels, further senders
    summed in the last), one step line per run. Size 1800 x (525 per panel + 225) pixels.
    Data: ``senders``: panel -> {label: persons per week}; ``week_starts``: label -> dates."""
    styles = run_styles(len(runs))
    countries = list(dict.fromkeys(str(c) for run in runs for c in run.countries))
    by_sender = {}
    totals = np.zeros(len(countries))
    for run, label in zip(runs, labels):
        per_sender = run.totals("removals_by_destination", keep=("time", "country"))
        week = weekly(run, per_sender)
        by_sender[label] = (run, week)
        for index, code in enumerate(run.countries):
            totals[countries.index(str(code))] += week.values[:, index].sum()
    panels = _sender_panels(totals, countries)
    rows = max(1, len(panels))
    figure = new_figure(3.5 * rows + 1.5, 1 + len(runs))
    axes_list = overlay_subplots(figure, rows, 1, labels, styles, sharex=True)[:, 0]
    data: dict[str, dict[str, np.ndarray]] = {}
    for axes, (sender, members) in zip(axes_list, panels):
        codes = [countries[i] for i in members]
        data[sender] = {}
        for (label, (run, week)), style in zip(by_sender.items(), styles):
            index = [list(run.countries).index(c) for c in codes if c in run.countries]
            shown = complete_periods(week)
            series = week.values[:shown, index].sum(axis=1)
            data[sender][label] = series
            axes.stairs(series, date_nums(week.edges[:shown + 1]), color=style.colour,
                        linestyle=style.linestyle, linewidth=1.8, label=label, baseline=None)
        name = ("other senders (" + ", ".join(codes) + ")" if sender == "other senders"
                else country_label(runs[0], sender))
        axes.set_title(f"Removed by {name}", loc="left", fontsize=11)
        persons_axis(axes, "Persons removed per week")
        runs_date_axis(axes, runs, label=axes is axes_list[-1])
    if not panels:
        empty_note(axes_list[0], "no removals in these runs")
        persons_axis(axes_list[0], "Persons removed per week")
        runs_date_axis(axes_list[0], runs)
    finish(figure, "Removals: runs compared",
           ["Persons removed in each week from each run's start date, all destinations; one line "
            "per run; a last, partial week is left out."] + source_lines(runs, labels))
    return Plot("removals_by_destination", figure, {
        "labels": list(labels), "senders": data,
        "week_starts": {label: week.starts.astype("datetime64[D]")
                        for label, (_, week) in by_sender.items()},
    })


# -- (4) capacity use ---------------------------------------------------------------------


def capacity_shares(run: Run) -> dict:
    """Each facility's occupancy and each programme's passengers as a share of capacity.

    Facilities: persons held at the end of each step / places in force then
    (``parameters/facility_capacity``; None when places are unlimited). Programmes, per week:
    passengers / seats on the scheduled flights (``parameters/programme_seats_scheduled``), or
    / seats on the flights flown when no seats were scheduled or the file does not record them.
    Returns ``{"facilities": {id: {"occupancy", "capacity", "capacity_series", "share"}},
    "programmes": {id:
    {"passengers", "seats", "share", "basis"}}, "week": Weekly}``.
    """
    result: dict = {"facilities": {}, "programmes": {}}
    if len(run.facilities):
        occupancy = run.read("facility_occupancy")
        for position, facility in enumerate(run.facilities):
            places = facility_capacity(run, str(facility))  # in force at each record
            capacity = float(places[-1])
            series = occupancy[:, position]
            limited = np.all((places > 0) & np.isfinite(places))
            share = series / places if limited else None
            result["facilities"][str(facility)] = {
                "occupancy": series, "capacity": capacity, "capacity_series": places,
                "share": share}
    week = weekly(run, np.zeros((len(run.times), 0)))
    if len(run.programmes):
        passengers = weekly(run, run.read("programme_passengers"))
        week = passengers
        flown = run.read("programme_flights")
        for position, (programme, spec) in enumerate(programme_specs(run).items()):
            carried = passengers.values[:, position]
            seats, basis = None, None
            if spec.seats_scheduled is not None and np.any(spec.seats_scheduled > 0):
                seats = weekly(run, spec.seats_scheduled).values
                basis = "scheduled"
            elif spec.seats_per_flight_series is not None:
                seats = weekly(run, flown[:, position] * spec.seats_per_flight_series).values
                basis = "flown"
            share = None
            if seats is not None:
                with np.errstate(divide="ignore", invalid="ignore"):
                    share = np.where(seats > 0, carried / np.where(seats > 0, seats, 1.0), np.nan)
            result["programmes"][programme] = {
                "passengers": carried, "seats": seats, "share": share, "basis": basis}
    result["week"] = week
    return result


def _facility_styles(run: Run) -> dict[str, tuple[str, str]]:
    """(colour, line style) of each facility: its country's colour, and a line style that
    tells apart facilities of one country."""
    colours = country_styles([str(c) for c in run.countries])
    seen: dict[str, int] = {}
    styles = {}
    for facility, country in zip(run.facilities, run.facility_country):
        count = seen.get(str(country), 0)
        seen[str(country)] = count + 1
        styles[str(facility)] = (
            colours.get(str(country), OTHER_STYLE).colour, ("-", "--", "-.", ":")[count % 4])
    return styles


def plot_capacity(run: Run) -> Plot:
    """What binds: each facility's occupancy as a share of its places (top), and each flight
    programme's passengers per week as a share of its seats (bottom), with 100% marked.

    Size 1800 x 1200 pixels. Data: :func:`capacity_shares` (``facilities``, ``programmes``)
    and ``week_starts``.
    """
    shares = capacity_shares(run)
    week: Weekly = shares.pop("week")
    figure = new_figure(8.0)
    top, bottom = figure.subplots(2, 1, sharex=True)
    facility_styles = _facility_styles(run)
    kinds = dict(zip(run.facilities, run.facility_kind))
    where = dict(zip(run.facilities, run.facility_country))
    for facility, values in shares["facilities"].items():
        colour, linestyle = facility_styles[facility]
        if values["share"] is None:
            continue
        peak = float(np.max(values["occupancy"])) if len(values["occupancy"]) else 0.0
        top.plot(run.datetimes, 100 * values["share"], color=colour, linestyle=linestyle,
                 linewidth=1.8,
                 label=f"{facility} ({kinds.get(facility, '')}, {where.get(facility, '')}): "
                       f"peak {format_persons(peak)} of {format_persons(values['capacity'])}")
    unlimited = [f for f, v in shares["facilities"].items() if v["share"] is None]
    top.set_title("Facilities: persons held at the end of each step, as a share of places"
                  + (f" (unlimited places, not drawn: {', '.join(unlimited)})" if unlimited else ""),
                  loc="left", fontsize=11)
    if not any(v["share"] is not None for v in shares["facilities"].values()):
        empty_note(top, "no facility with a limited number of places")
    senders = {p: s.sender for p, s in programme_specs(run).items()}
    colours = country_styles([str(c) for c in run.countries])
    seen: dict[str, int] = {}
    edges = date_nums(week.edges)
    underivable = []
    for programme, values in shares["programmes"].items():
        if values["share"] is None:
            underivable.append(programme)
            continue
        sender = senders.get(programme, "")
        count = seen.get(sender, 0)
        seen[sender] = count + 1
        carried, seats = values["passengers"].sum(), values["seats"].sum()
        overall = f"{carried / seats:.0%}" if seats > 0 else "n/a"
        bottom.stairs(100 * np.nan_to_num(values["share"]), edges, baseline=None,
                      color=colours.get(sender, OTHER_STYLE).colour,
                      linestyle=("-", "--", "-.", ":")[count % 4], linewidth=1.6,
                      label=f"{programme} ({sender}): {overall} of "
                            f"{format_persons(seats)} {values['basis']} seats")
    basis = {v["basis"] for v in shares["programmes"].values() if v["basis"]}
    heading = "Flight programmes: passengers per week, as a share of the seats on " + (
        "the scheduled flights" if basis == {"scheduled"} else
        "the flights flown" if basis == {"flown"} else "scheduled (or flown) flights")
    if underivable:
        heading += f" (seats not derivable: {', '.join(underivable)})"
    bottom.set_title(heading, loc="left", fontsize=11)
    if not shares["programmes"]:
        empty_note(bottom, "no flight programmes in this run")
    for axes in (top, bottom):
        axes.axhline(100, color=CAPACITY_COLOUR, linestyle="--", linewidth=1.0, zorder=1)
        persons_axis(axes, "Share of capacity (%)")
        axes.set_ylim(0, max(110.0, axes.get_ylim()[1]))
        legend_right(axes, title="Facility" if axes is top else "Programme")
        run_date_axis(axes, run, label=axes is bottom)
    subtitle = ("Dashed line: full capacity. A facility or programme at 100% binds: people wait, "
                "are released or are not removed.")
    if week.last_partial and shares["programmes"]:
        subtitle += f" The last week covers only {week.last_days:g} days."
    finish_run(figure, run, "Capacity use", subtitle)
    shares["week_starts"] = week.starts.astype("datetime64[D]")
    shares["dates"] = run.dates
    return Plot("capacity", figure, shares)


def overlay_capacity(runs: Sequence[Run], labels: Sequence[str]) -> Plot:
    """One panel per facility and per flight programme (by id, over all runs): its share of
    capacity, one line per run. Two panels to a row; size 1800 x (375 per row + 225) pixels.
    Data: ``facilities`` and ``programmes``: id -> {label: share (0-1)}."""
    styles = run_styles(len(runs))
    shares = [capacity_shares(run) for run in runs]
    facilities = list(dict.fromkeys(f for s in shares for f in s["facilities"]))
    programmes = list(dict.fromkeys(p for s in shares for p in s["programmes"]))
    panels = [("facilities", f) for f in facilities] + [("programmes", p) for p in programmes]
    rows = max(1, math.ceil(len(panels) / 2))
    figure = new_figure(2.5 * rows + 1.5, 1 + len(runs))
    axes_list = overlay_panels(figure, len(panels), 2, labels, styles)
    data: dict = {"labels": list(labels), "facilities": {}, "programmes": {}}
    for axes, (kind, ident) in zip(axes_list, panels):
        data[kind][ident] = {}
        for run, label, style, share in zip(runs, labels, styles, shares):
            values = share[kind].get(ident)
            if values is None or values["share"] is None:
                continue
            data[kind][ident][label] = values["share"]
            if kind == "facilities":
                axes.plot(run.datetimes, 100 * values["share"], color=style.colour,
                          linestyle=style.linestyle, linewidth=1.6, label=label)
            else:
                shown = complete_periods(share["week"])
                axes.stairs(100 * np.nan_to_num(values["share"][:shown]),
                            date_nums(share["week"].edges[:shown + 1]), baseline=None,
                            color=style.colour, linestyle=style.linestyle, linewidth=1.6,
                            label=label)
        axes.axhline(100, color=CAPACITY_COLOUR, linestyle="--", linewidth=1.0)
        noun = "facility" if kind == "facilities" else "flight programme, per week"
        axes.set_title(f"{ident} ({noun})", loc="left", fontsize=10)
        if not data[kind][ident]:
            empty_note(axes, "capacity unlimited or not derivable")
        persons_axis(axes, "Share of capacity (%)")
        axes.set_ylim(0, max(110.0, axes.get_ylim()[1]))
        runs_date_axis(axes, runs, label=(kind, ident) in panels[-2:], max_ticks=6)
    if not panels:
        empty_note(axes_list[0], "no facilities or flight programmes in these runs")
        persons_axis(axes_list[0], "Share of capacity (%)")
        runs_date_axis(axes_list[0], runs)
    finish(figure, "Capacity use: runs compared",
           ["Facilities: persons held as a share of places. Programmes: passengers per week as a "
            "share of seats (scheduled, or flown when the schedule is not derivable). Dashed: 100%."]
           + source_lines(runs, labels))
    return Plot("capacity", figure, data)


# -- (5) departures and deterrence --------------------------------------------------------


def departure_series(run: Run) -> dict:
    """Per record: first departures, re-migrations (persons per step, all origins and groups)
    and the deterrence factor (1 when the file has none)."""
    departures = run.totals("flows/departures") if run.has("flows/departures") else np.zeros(len(run.times))
    again = run.totals("flows/remigrations") if run.has("flows/remigrations") else np.zeros(len(run.times))
    factor = (np.asarray(run.read("deterrence_factor"), dtype=float)
              if run.has("deterrence_factor") else np.ones(len(run.times)))
    return {"departures": departures, "remigrations": again, "factor": factor}


def plot_deterrence(run: Run) -> Plot:
    """Departures against the deterrence factor: people setting out per week (first
    departures and re-migrations of returned people, stacked) above the factor that
    multiplies both; on the right, each step's departures per day against that step's factor.

    Size 1800 x 1050 pixels. Data: ``week_starts``, ``departures`` and ``remigrations`` per
    week, ``factor`` per record, ``dates``.
    """
    series = departure_series(run)
    week = weekly(run, np.stack([series["departures"], series["remigrations"]], axis=1))
    figure = new_figure(7.0)
    layout = figure.add_gridspec(2, 2, width_ratios=(2.3, 1), height_ratios=(1.6, 1))
    top = figure.add_subplot(layout[0, 0])
    bottom = figure.add_subplot(layout[1, 0], sharex=top)
    scatter = figure.add_subplot(layout[:, 1])
    first, again = week.values[:, 0], week.values[:, 1]
    bars = period_bars(top, week, first, color=FIRST_DEPARTURE_COLOUR, edgecolor="white",
                 label="First departures")
    more = period_bars(top, week, again, bottom=first, color=REMIGRATION_COLOUR, edgecolor="white",
                 label="Re-migration of returned people")
    if week.last_partial:
        for group in (bars, more):
            group[-1].set_alpha(0.45)
    total = first.sum() + again.sum()
    top.set_title(f"People setting out per {week.unit}: {format_persons(total)} in total "
                  f"({format_persons(again.sum())} re-migrating)", loc="left", fontsize=11)
    persons_axis(top, f"Persons per {week.unit}")
    handles, labels = top.get_legend_handles_labels()
    top.legend(handles[::-1], labels[::-1], loc="upper right", frameon=False, fontsize=8.5,
               ncol=2)
    top.set_ylim(0, top.get_ylim()[1] * 1.12)
    run_date_axis(top, run, label=False)
    top.tick_params(labelbottom=False)

    factor = series["factor"]
    steps = run.datetimes
    bottom.step(steps[1:], factor[1:], where="pre", color="black", linewidth=1.6,
                label="Deterrence factor")
    bottom.axhline(1.0, color=CAPACITY_COLOUR, linestyle=":", linewidth=1.0,
                   label="No deterrence (1)")
    constant = bool(len(factor) > 1 and np.all(factor[1:] == factor[1]))
    bottom.set_title("Deterrence factor (multiplies departures and re-migration)"
                     + (f": {factor[1]:g} throughout" if constant else ""),
                     loc="left", fontsize=11)
    bottom.set_ylabel("Factor")
    low = float(np.min(factor[1:])) if len(factor) > 1 else 1.0
    high = float(np.max(factor[1:])) if len(factor) > 1 else 1.0
    bottom.set_ylim(min(0.0, low), max(1.1, high * 1.05))
    bottom.grid(axis="y", color="#dddddd", linewidth=0.6)
    for side in ("top", "right"):
        bottom.spines[side].set_visible(False)
    bottom.legend(loc="lower left", frameon=False, fontsize=8.5, ncol=2)
    run_date_axis(bottom, run)

    per_day = (series["departures"][1:] + series["remigrations"][1:]) / run.dt_days
    days = (steps[1:] - steps[0]) / np.timedelta64(1, "D")
    points = scatter.scatter(factor[1:], per_day, c=days, cmap="viridis", s=9, linewidths=0,
                             label="One step")
    colour_bar = figure.colorbar(points, ax=scatter, location="right", shrink=0.9, pad=0.02)
    colour_bar.set_label(f"Days since {run.start_date}")
    scatter.set_xlabel("Deterrence factor in the step (1 = none)")
    persons_axis(scatter, "Persons setting out per day")
    scatter.set_title("Departures against the factor", loc="left", fontsize=11)
    scatter.set_xlim(*bottom.get_ylim())  # the factor on the same scale as in the panel beside
    scatter.legend(loc="lower right", frameon=False, fontsize=8.5)
    subtitle = ("Departures and re-migration by origin, all groups, summed per week from the start "
                "date; each point on the right is one step, coloured by date.")
    finish_run(figure, run, "Departures and deterrence", subtitle)
    return Plot("deterrence", figure, {
        "week_starts": week.starts.astype("datetime64[D]"), "departures": first,
        "remigrations": again, "factor": factor, "dates": run.dates})


def overlay_deterrence(runs: Sequence[Run], labels: Sequence[str]) -> Plot:
    """People setting out per week (first departures plus re-migrations) and the deterrence
    factor, one line per run. Size 1800 x 1050 pixels.
    Data: ``setting_out`` (per week) and ``factor`` (per record): label -> values."""
    styles = run_styles(len(runs))
    figure = new_figure(7.0, 1 + len(runs))
    top, bottom = overlay_subplots(figure, 2, 1, labels, styles, sharex=True,
                                   height_ratios=(1.6, 1))[:, 0]
    data: dict = {"labels": list(labels), "setting_out": {}, "factor": {}}
    low, high = 1.0, 1.0
    for run, label, style in zip(runs, labels, styles):
        series = departure_series(run)
        week = weekly(run, series["departures"] + series["remigrations"])
        shown = complete_periods(week)
        data["setting_out"][label] = week.values[:shown]
        data["factor"][label] = series["factor"]
        top.stairs(week.values[:shown], date_nums(week.edges[:shown + 1]), baseline=None,
                   color=style.colour, linestyle=style.linestyle, linewidth=1.8, label=label)
        bottom.step(run.datetimes[1:], series["factor"][1:], where="pre", color=style.colour,
                    linestyle=style.linestyle, linewidth=1.6, label=label)
        if len(series["factor"]) > 1:
            low = min(low, float(np.min(series["factor"][1:])))
            high = max(high, float(np.max(series["factor"][1:])))
    top.set_title("People setting out per week (first departures and re-migration)", loc="left",
                  fontsize=11)
    persons_axis(top, "Persons per week")
    runs_date_axis(top, runs, label=False)
    bottom.axhline(1.0, color=CAPACITY_COLOUR, linestyle=":", linewidth=1.0)
    bottom.set_title("Deterrence factor (1 = none)", loc="left", fontsize=11)
    bottom.set_ylabel("Factor")
    bottom.set_ylim(min(0.0, low), max(1.1, high * 1.05))
    bottom.grid(axis="y", color="#dddddd", linewidth=0.6)
    runs_date_axis(bottom, runs)
    finish(figure, "Departures and deterrence: runs compared",
           ["Summed per week from each run's start date, all origins and groups; a last, partial "
            "week is left out."]
           + source_lines(runs, labels))
    return Plot("deterrence", figure, data)


# -- the registry -------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureSpec:
    """A figure: its file stem, what it shows (the report's caption), how to draw it for one
    run and for several."""

    name: str
    caption: str
    draw: Callable[[Run], Plot]
    overlay: Callable[[Sequence[Run], Sequence[str]], Plot] | None
    # For a figure only some runs have: whether ``run`` has it, and what it needs (for the
    # message when it is asked for a run without it). None: every run has it.
    applies: Callable[[Run], bool] | None = None
    needs: str = ""


def _registry() -> dict[str, FigureSpec]:
    from .dispositions import overlay_dispositions, plot_dispositions
    from .persons import has_persons, plot_persons
    from .operations import (
        overlay_agreements,
        overlay_detention,
        overlay_programmes,
        plot_agreements,
        plot_detention,
        plot_programmes,
    )

    specs = (
        FigureSpec(
            "pipeline",
            "The removal pipeline: everyone by status over time, all countries together. The "
            "large stocks outside the pipeline (at large, returned, settled, dead or missing) are "
            "stacked on top; the pipeline itself (in transit, detained, imprisoned and sheltered "
            "abroad) below, on its own scale.",
            plot_pipeline, overlay_pipeline),
        FigureSpec(
            "stocks_by_country",
            "Where people are: persons in each status by country at the end of each step (the "
            "countries with the highest peaks; the rest summed).",
            plot_stocks_by_country, overlay_stocks_by_country),
        FigureSpec(
            "dispositions",
            "What became of the people the removal system handled, by nationality: returned home, "
            "imprisoned or sheltered in a third country, released, settled, still detained, or dead "
            "in transit. Bands are persons (events over the run: a person returned twice counts "
            "twice).",
            plot_dispositions, overlay_dispositions),
        FigureSpec(
            "removals_by_destination",
            "Persons removed per week by each sending country, stacked by destination.",
            plot_removals, overlay_removals),
        FigureSpec(
            "programmes",
            "Each flight programme: passengers per week against the seats on the flights flown and "
            "on the scheduled flights, and cumulative spending against the budget.",
            plot_programmes, overlay_programmes),
        FigureSpec(
            "agreements",
            "Each agreement: persons received against the monthly and total quotas, persons held "
            "against the facility's places, and the fees the sender pays.",
            plot_agreements, overlay_agreements),
        FigureSpec(
            "detention",
            "Detention in each country with beds: the detained population against the beds, and "
            "the people released each week after the maximum detention period or for want of beds.",
            plot_detention, overlay_detention),
        FigureSpec(
            "capacity",
            "What binds: every facility's occupancy as a share of its places and every flight "
            "programme's passengers as a share of its seats.",
            plot_capacity, overlay_capacity),
        FigureSpec(
            "deterrence",
            "Departures against the deterrence factor: people setting out per week (first "
            "departures and re-migration) and the factor that multiplies them.",
            plot_deterrence, overlay_deterrence),
        FigureSpec(
            "persons",
            "Individual distributions of an agents-mode run: persons by the times they were "
            "removed, the time from departure to first removal, the length of detention stays, "
            "and the status over time of traced persons (with --trace).",
            plot_persons, None, applies=has_persons,
            needs="an agents-mode run file, with /persons (deportsim run --mode agents)"),
    )
    return {spec.name: spec for spec in specs}


_SPECS: dict[str, FigureSpec] = _registry()
# Figures of every run, in the order drawn (and overlaid).
FIGURES: dict[str, FigureSpec] = {n: s for n, s in _SPECS.items() if s.applies is None}
# Figures only some runs have, drawn after FIGURES for the runs they apply to.
RUN_FIGURES: dict[str, FigureSpec] = {n: s for n, s in _SPECS.items() if s.applies is not None}
HEADLINE_FIGURE = "headline"  # the bar chart of headline outcomes, drawn for several runs


def _check_names(names: Sequence[str] | None, allowed: Sequence[str]) -> list[str]:
    names = list(names or allowed)
    for name in names:
        if name in RUN_FIGURES and name not in allowed:
            raise KeyError(f"figure {name!r} is drawn for one run at a time, and needs "
                           f"{RUN_FIGURES[name].needs}")
        if name not in allowed:
            raise KeyError(f"unknown figure {name!r}; figures: {', '.join(allowed)}")
    return names


def figure_names(run: Run) -> list[str]:
    """The figures ``run`` has: all of :data:`FIGURES`, then those of :data:`RUN_FIGURES`
    that apply to it."""
    return list(FIGURES) + [name for name, spec in RUN_FIGURES.items() if spec.applies(run)]


def draw_figures(run: Run, names: Sequence[str] | None = None) -> list[Plot]:
    """Draw the named figures of one run (default: all it has, :func:`figure_names`)."""
    return [_SPECS[name].draw(run) for name in _check_names(names, figure_names(run))]


def write_figures(
    run: Run, directory: str | os.PathLike, names: Sequence[str] | None = None,
    dpi: float | None = None,
) -> list[Path]:
    """Draw the named figures (default: all the run has, :func:`figure_names`) into
    ``directory`` as PNG files at ``dpi`` (default 150: 1800 pixels wide)."""
    names = _check_names(names, figure_names(run))
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names:
        plot = _SPECS[name].draw(run)
        written.append(plot.save(directory, dpi))
        plot.figure.clear()
    return written


def draw_overlays(
    runs: Sequence[Run], names: Sequence[str] | None = None, labels: Sequence[str] | None = None
) -> list[Plot]:
    """The named figures with every run overlaid, plus (by default, or when named) the bar
    chart of headline outcomes, saved as ``headline.png``."""
    from .compare import plot_headline

    labels = list(labels or run_labels(runs))
    names = _check_names(names, list(FIGURES) + [HEADLINE_FIGURE])
    plots = []
    for name in names:
        if name == HEADLINE_FIGURE:
            plots.append(plot_headline(runs, labels))
        else:
            plots.append(FIGURES[name].overlay(runs, labels))
    return plots


def write_overlays(
    runs: Sequence[Run], directory: str | os.PathLike, names: Sequence[str] | None = None,
    labels: Sequence[str] | None = None, dpi: float | None = None,
) -> list[Path]:
    """:func:`draw_overlays`, saved into ``directory`` as PNG files at ``dpi``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for plot in draw_overlays(runs, names, labels):
        written.append(plot.save(directory, dpi))
        plot.figure.clear()
    return written


def caption(name: str) -> str:
    """The caption of figure ``name`` (the headline bars included)."""
    if name == HEADLINE_FIGURE:
        return ("Headline outcomes of each run side by side: people imprisoned abroad, removals, "
                "detention peak, releases after the maximum detention period, cost per person "
                "removed, deaths in transit, spending, and removals by destination.")
    return _SPECS[name].caption

