"""Figures of the removal operations: each flight programme (passengers against seats,
spending against the budget), each agreement (transfers against quotas, persons held against
places, fees), and detention (population against beds, releases), for one run and overlaid.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from .palette import (
    CAPACITY_COLOUR,
    MAX_DETENTION_RELEASE_COLOUR,
    OTHER_STYLE,
    OVERFLOW_RELEASE_COLOUR,
    SPEND_COLOUR,
    STATUS_COLOURS,
    country_styles,
    run_styles,
)
from .plotting import (
    Plot,
    Weekly,
    country_label,
    date_nums,
    empty_note,
    finish,
    finish_run,
    format_money,
    format_persons,
    monthly,
    complete_periods,
    new_figure,
    overlay_subplots,
    period_bars,
    persons_axis,
    run_date_axis,
    runs_date_axis,
    source_lines,
    weekly,
)
from .run import Run
from .specs import AgreementSpec, agreement_specs, facility_capacity, is_constant, programme_specs

SCHEDULED_COLOUR = "#999999"
FEE_COLOUR = SPEND_COLOUR


def _small_legend(axes, location: str = "upper left", columns: int = 1) -> None:
    axes.legend(loc=location, frameon=False, fontsize=7.5, ncol=columns, handlelength=1.8,
                columnspacing=1.0)


def _sender_colour(run: Run, sender: str) -> str:
    return country_styles([str(c) for c in run.countries]).get(sender, OTHER_STYLE).colour


def _money_axis(axes, label: str = "USD, cumulative", headroom: float = 1.1) -> None:
    persons_axis(axes, label, money=True, headroom=headroom)


def _destinations_text(destinations: str) -> str:
    """" to any destination", " to HND, SLV", or "" (not recorded: a file of format 1.0)."""
    if destinations == "any":
        return " to any destination"
    if destinations:
        return " to " + ", ".join(destinations.split())
    return ""


def _limit_line(axes, run: Run, series: np.ndarray | None, value: float, **style) -> None:
    """A limit on a panel dated like the run: a horizontal line at ``value`` when it holds
    throughout, else the series in force at each record, as steps (a policy event moved it)."""
    if is_constant(series):
        axes.axhline(value, **style)
    else:
        axes.plot(run.datetimes, np.where(np.isfinite(series), series, np.nan),
                  drawstyle="steps-post", **style)


# -- flight programmes --------------------------------------------------------------------


def programme_series(run: Run) -> tuple[dict[str, dict], Weekly]:
    """Per programme: ``passengers``, ``flights``, ``seats_flown``, ``seats_scheduled`` (per
    week, from the recorded ``programme_seats_per_flight`` and ``programme_seats_scheduled``;
    None in a file without them), ``spent`` (cumulative USD per record), ``budget`` (at the
    end; inf: none) and ``budget_left`` (per record); and the weeks."""
    specs = programme_specs(run)
    if not specs:
        return {}, weekly(run, np.zeros((len(run.times), 0)))
    passengers = weekly(run, run.read("programme_passengers"))
    flights = weekly(run, run.read("programme_flights"))
    cost = run.read("programme_cost")
    left = run.read("programme_budget_left")
    series = {}
    flown_per_record = run.read("programme_flights")
    for position, (programme, spec) in enumerate(specs.items()):
        seats_flown = seats_scheduled = None
        if spec.seats_per_flight_series is not None:
            seats_flown = weekly(
                run, flown_per_record[:, position] * spec.seats_per_flight_series).values
        if spec.seats_scheduled is not None:
            seats_scheduled = weekly(run, spec.seats_scheduled).values
        series[programme] = {
            "spec": spec,
            "passengers": passengers.values[:, position],
            "flights": flights.values[:, position],
            "seats_flown": seats_flown,
            "seats_scheduled": seats_scheduled,
            "spent": np.cumsum(cost[:, position]),
            "budget": spec.budget,
            "budget_left": left[:, position],
        }
    return series, passengers


def _budget_end_date(run: Run, values: dict) -> np.datetime64 | None:
    """The date of the last step that spent money, when the budget was then nearly used up
    (less than one more flight, or under 1%, was left) before the programme's window closed."""
    budget = values["budget"]
    if not math.isfinite(budget) or budget <= 0:
        return None
    spec = values["spec"]
    left = float(values["budget_left"][-1])
    per_flight = spec.cost_per_flight if spec.cost_per_flight else 0.01 * budget
    if left >= max(per_flight, 0.01 * budget):
        return None
    spending = np.nonzero(np.diff(values["spent"]) > 0)[0]
    if len(spending) == 0:
        return None
    last = run.dates[spending[-1] + 1]
    return last if spec.end is None or last < spec.end else None


def plot_programmes(run: Run) -> Plot:
    """Each flight programme in a row: passengers per week (bars, in the sender's colour)
    against the seats on the flights flown (dashed, drawn where flights flew part empty) and
    on the scheduled flights (dotted); and the money spent since the start against the budget
    (dashed), with the date the budget ran out.

    Size 1800 x (375 per programme + 225) pixels.
    Data: ``programmes``: id -> :func:`programme_series` entry; ``week_starts``.
    """
    series, week = programme_series(run)
    rows = max(1, len(series))
    figure = new_figure(2.5 * rows + 1.5)
    grid = figure.subplots(rows, 2, squeeze=False, width_ratios=(1.55, 1))
    edges = date_nums(week.edges)
    for (programme, values), (left, right) in zip(series.items(), grid):
        spec = values["spec"]
        colour = _sender_colour(run, spec.sender)
        bars = period_bars(left, week, values["passengers"], color=colour, alpha=0.9,
                           label="Passengers")
        if week.last_partial and len(bars):
            bars[-1].set_alpha(0.4)
        if values["seats_scheduled"] is not None:
            left.stairs(values["seats_scheduled"], edges, baseline=None, color=SCHEDULED_COLOUR,
                        linestyle=":", linewidth=1.5, label="Seats on scheduled flights")
        flown = values["seats_flown"]
        # The seats flown are drawn where they differ from the passengers (a flight flown part
        # empty); in expected mode flights are passengers / seats, and the line would only
        # trace the bars' edges.
        if flown is not None and np.any(flown > values["passengers"] * 1.005 + 0.5):
            per_flight = (f"{spec.seats_per_flight:g} a flight"
                          if is_constant(spec.seats_per_flight_series) else "seats a flight vary")
            left.stairs(flown, edges, baseline=None, color=CAPACITY_COLOUR,
                        linestyle="--", linewidth=1.2,
                        label=f"Seats on flights flown ({per_flight})")
        carried, flights = values["passengers"].sum(), values["flights"].sum()
        title = (f"{programme} ({country_label(run, spec.sender)}{_destinations_text(spec.destinations)})\n"
                 f"{format_persons(carried)} passengers on {flights:,.0f} flights")
        if values["seats_flown"] is not None and values["seats_flown"].sum() > 0:
            title += f"; {carried / values['seats_flown'].sum():.0%} of seats flown filled"
        if values["seats_flown"] is None:
            title += "; seats per flight not recorded (run file format 1.0)"
        left.set_title(title, loc="left", fontsize=9.5)
        persons_axis(left, f"Persons per {week.unit}", headroom=1.45)
        _small_legend(left, columns=3)
        run_date_axis(left, run, label=left is grid[-1, 0], max_ticks=8)

        spent = values["spent"]
        right.plot(run.datetimes, spent, color=SPEND_COLOUR, linewidth=1.8,
                   label="Spent since the start")
        budget = values["budget"]
        if math.isfinite(budget):
            _limit_line(right, run, spec.budget_series, budget, color=CAPACITY_COLOUR,
                        linestyle="--", linewidth=1.2, label=f"Budget ({format_money(budget)})")
            heading = f"Spent {format_money(spent[-1])} of a {format_money(budget)} budget"
        else:
            heading = f"Spent {format_money(spent[-1])}; no budget limit"
        ran_out = _budget_end_date(run, values)
        if ran_out is not None:
            right.axvline(ran_out.astype("datetime64[s]"), color=CAPACITY_COLOUR, linestyle=":",
                          linewidth=1.0, label=f"Budget used up: {ran_out}")
            heading += f", used up by {ran_out}"
        if spec.cost_per_flight:
            heading += f"\n{format_money(spec.cost_per_flight)} a flight"
            if carried > 0:
                heading += f", {format_money(spent[-1] / carried)} per passenger"
        right.set_title(heading, loc="left", fontsize=9.5)
        _money_axis(right, headroom=1.3)
        if math.isfinite(budget):
            right.set_ylim(0, max(budget, float(spent[-1])) * 1.3)
        _small_legend(right, "lower right", 1)
        run_date_axis(right, run, label=right is grid[-1, 1], max_ticks=6)
    if not series:
        for axes in grid[0]:
            empty_note(axes, "no flight programmes in this run")
            persons_axis(axes, "Persons per week")
            run_date_axis(axes, run)
        grid[0, 0].legend(handles=[], title="Programmes: none", frameon=False)
        grid[0, 0].set_title("Flight programmes", loc="left", fontsize=10)
    subtitle = (f"Left: persons carried per {week.unit} from the start date; dotted, the seats "
                "the schedule offers (seats a flight x flights a week, inside the programme's "
                "window); dashed, the seats on the flights flown, where flights flew part empty. "
                "Right: money spent since the start.")
    if week.last_partial and series:
        subtitle += f" The last (lighter) bar covers only {week.last_days:g} days."
    finish_run(figure, run, "Flight programmes: passengers, seats and money", subtitle)
    return Plot("programmes", figure, {
        "programmes": series, "week_starts": week.starts.astype("datetime64[D]")})


def overlay_programmes(runs: Sequence[Run], labels: Sequence[str]) -> Plot:
    """Each flight programme (by id, over all runs) in a row: passengers per week and money
    spent since the start (with each run's budget, dashed), one line per run.
    Size 1800 x (375 per programme + 225) pixels.
    Data: ``programmes``: id -> {"passengers", "spent", "budget"}: {label: values}."""
    styles = run_styles(len(runs))
    per_run = [programme_series(run) for run in runs]
    programmes = list(dict.fromkeys(p for series, _ in per_run for p in series))
    rows = max(1, len(programmes))
    figure = new_figure(2.5 * rows + 1.5, 1 + len(runs))
    grid = overlay_subplots(figure, rows, 2, labels, styles, width_ratios=(1.55, 1))
    data: dict = {"labels": list(labels), "programmes": {}}
    for programme, (left, right) in zip(programmes, grid):
        entry = {"passengers": {}, "spent": {}, "budget": {}}
        top_budget = 0.0
        for run, label, style, (series, week) in zip(runs, labels, styles, per_run):
            if programme not in series:
                continue
            values = series[programme]
            shown = complete_periods(week)
            entry["passengers"][label] = values["passengers"][:shown]
            entry["spent"][label] = values["spent"]
            entry["budget"][label] = values["budget"]
            left.stairs(values["passengers"][:shown], date_nums(week.edges[:shown + 1]),
                        baseline=None, color=style.colour, linestyle=style.linestyle,
                        linewidth=1.6, label=label)
            right.plot(run.datetimes, values["spent"], color=style.colour,
                       linestyle=style.linestyle, linewidth=1.6, label=label)
            if math.isfinite(values["budget"]):
                right.axhline(values["budget"], color=style.colour, linestyle=(0, (2, 2)),
                              linewidth=0.9)
                top_budget = max(top_budget, values["budget"])
        data["programmes"][programme] = entry
        left.set_title(f"{programme}: passengers per week", loc="left", fontsize=10)
        right.set_title(f"{programme}: spent since the start"
                        + ("\n(thin dashes: each run's budget)" if top_budget else ""),
                        loc="left", fontsize=10)
        persons_axis(left, "Persons per week")
        _money_axis(right)
        if top_budget:
            right.set_ylim(0, max(right.get_ylim()[1], top_budget * 1.15))
        runs_date_axis(left, runs, label=left is grid[-1, 0], max_ticks=8)
        runs_date_axis(right, runs, label=right is grid[-1, 1], max_ticks=6)
    if not programmes:
        empty_note(grid[0, 0], "no flight programmes in these runs")
        for axes in grid[0]:
            persons_axis(axes, "Persons per week")
            runs_date_axis(axes, runs)
    finish(figure, "Flight programmes: runs compared",
           ["Passengers per week from each run's start date (a last, partial week is left out); "
            "money spent since the start."]
           + source_lines(runs, labels))
    return Plot("programmes", figure, data)


# -- agreements ---------------------------------------------------------------------------


def _facility_capacity(run: Run, facility: str | None) -> np.ndarray | None:
    """The facility's places in force at each record; None without a facility."""
    if facility is None or facility not in run.facilities:
        return None
    return facility_capacity(run, facility)


def _facility_occupancy(run: Run, facility: str | None) -> np.ndarray | None:
    if facility is None or facility not in run.facilities:
        return None
    return run.read("facility_occupancy", facility=facility)


def agreement_series(run: Run) -> dict[str, dict]:
    """Per agreement: ``spec``, ``transfers`` (per record), ``received`` (since the start,
    ``agreement_quota_used``), ``held``, ``fees`` (cumulative USD), the facility's
    ``capacity`` (at the end) and ``capacity_series`` (in force at each record) and
    ``occupancy`` (None without a facility), and ``period``: the transfers per calendar month
    when the agreement has a monthly quota at some time, else per week."""
    specs = agreement_specs(run)
    if not specs:
        return {}
    transfers = run.read("agreement_transfers")
    held = run.read("agreement_held")
    fees = run.read("agreement_fees")
    used = run.read("agreement_quota_used")
    result = {}
    for position, (agreement, spec) in enumerate(specs.items()):
        by_month = (spec.monthly_quota_series is not None
                    and bool(np.any(np.isfinite(spec.monthly_quota_series))))
        period = (monthly if by_month else weekly)(run, transfers[:, position])
        capacity = _facility_capacity(run, spec.facility)
        result[agreement] = {
            "spec": spec,
            "transfers": transfers[:, position],
            "received": used[:, position],
            "held": held[:, position],
            "fees": np.cumsum(fees[:, position]),
            "capacity": None if capacity is None else float(capacity[-1]),
            "capacity_series": capacity,
            "occupancy": _facility_occupancy(run, spec.facility),
            "period": period,
        }
    return result


def _quota_text(quota: float | None, unit: str, series: np.ndarray | None = None) -> str:
    if quota is None:
        return f"{unit} quota not recorded (run file format 1.0)"
    if not is_constant(series):
        values = [format_persons(v) if math.isfinite(v) else "none"
                  for v in dict.fromkeys(series.tolist())]
        return f"{unit} quota " + " then ".join(values)
    if not math.isfinite(quota):
        return f"no {unit} quota"
    return f"{unit} quota {format_persons(quota)}"


def _disposition_text(run: Run, spec: AgreementSpec) -> str:
    verb = {"imprison": "imprisoned in", "shelter": "sheltered in", "release": "released in"}.get(
        spec.disposition, spec.disposition)
    place = spec.facility or country_label(run, spec.receiver)
    if spec.disposition == "release":
        place = country_label(run, spec.receiver)
    return f"{spec.sender} to {spec.receiver}, {verb} {place}"


def plot_agreements(run: Run) -> Plot:
    """Each agreement in a block of four panels: persons received per calendar month against
    the monthly quota (per week when it has none); received since the start against the total
    quota; persons held under it against the facility's places (and the facility's whole
    occupancy when other agreements share it); fees paid by the sender since the start.

    Size 1800 x (675 per agreement + 225) pixels.
    Data: ``agreements``: id -> :func:`agreement_series` entry.
    """
    series = agreement_series(run)
    blocks = max(1, len(series))
    figure = new_figure(4.5 * blocks + 1.5)
    grid = figure.subplots(2 * blocks, 2, squeeze=False)
    for index, (agreement, values) in enumerate(series.items()):
        spec: AgreementSpec = values["spec"]
        colour = _sender_colour(run, spec.sender)
        held_colour = STATUS_COLOURS.get(
            {"imprison": "imprisoned", "shelter": "sheltered"}.get(spec.disposition, "at_large"))
        period: Weekly = values["period"]
        received_panel, total_panel = grid[2 * index]
        held_panel, fee_panel = grid[2 * index + 1]
        heading = f"{agreement} ({_disposition_text(run, spec)})"

        bars = period_bars(received_panel, period, period.values, color=colour, alpha=0.9,
                           label=f"Received per {period.unit}")
        if period.last_partial and len(bars):
            bars[-1].set_alpha(0.4)
        monthly_quota = spec.monthly_quota_series
        if monthly_quota is not None and np.any(np.isfinite(monthly_quota)):
            _limit_line(received_panel, run, monthly_quota, spec.monthly_quota,
                        color=CAPACITY_COLOUR, linestyle="--", linewidth=1.2,
                        label=("Monthly quota" + (f" ({format_persons(spec.monthly_quota)})"
                                                  if is_constant(monthly_quota) else "")))
        received_panel.set_title(
            f"{heading}\nReceived per {period.unit}: {format_persons(period.values.sum())} in all; "
            f"{_quota_text(spec.monthly_quota, 'monthly', monthly_quota)}", loc="left",
            fontsize=9.5)
        persons_axis(received_panel, f"Persons per {period.unit}", headroom=1.35)
        _small_legend(received_panel, "upper right", 2)

        total_panel.plot(run.datetimes, values["received"], color=colour, linewidth=1.8,
                         label="Received since the start")
        total = spec.total_quota
        if total is not None and math.isfinite(total):
            _limit_line(total_panel, run, spec.total_quota_series, total, color=CAPACITY_COLOUR,
                        linestyle="--", linewidth=1.2, label=f"Total quota ({format_persons(total)})")
        total_panel.set_title(f"Received since the start: {format_persons(values['received'][-1])}; "
                              f"{_quota_text(total, 'total', spec.total_quota_series)}", loc="left",
                              fontsize=9.5)
        persons_axis(total_panel, "Persons", headroom=1.3)
        if total is not None and math.isfinite(total):
            total_panel.set_ylim(0, max(total, float(np.max(values["received"]))) * 1.25)
        _small_legend(total_panel, "upper left", 2)

        held_panel.fill_between(run.datetimes, values["held"], color=held_colour, alpha=0.25,
                                linewidth=0)
        held_panel.plot(run.datetimes, values["held"], color=held_colour, linewidth=1.8,
                        label="Held under the agreement")
        capacity = values["capacity"]
        occupancy = values["occupancy"]
        if occupancy is not None and not np.allclose(occupancy, values["held"]):
            held_panel.plot(run.datetimes, occupancy, color=held_colour, linestyle=":",
                            linewidth=1.4, label=f"All held in {spec.facility}")
        peak = float(np.max(values["held"])) if len(values["held"]) else 0.0
        limited = capacity is not None and math.isfinite(capacity) and capacity > 0
        # The places are drawn when they are near enough to matter (a fifth of them used);
        # else the panel would be a flat line at the bottom, and the title says how far they are.
        near = limited and peak >= 0.2 * capacity
        if near:
            _limit_line(held_panel, run, values["capacity_series"], capacity,
                        color=CAPACITY_COLOUR, linestyle="--", linewidth=1.2,
                        label=f"Places in {spec.facility} ({format_persons(capacity)})")
        if limited:
            held_title = (f"Held: peak {format_persons(peak)} of {format_persons(capacity)} places "
                          f"in {spec.facility} ({peak / capacity:.1%})")
            if not near:
                held_title += "; places far above, not drawn"
        elif spec.disposition == "release":
            held_title = "Held: nobody (released on arrival)"
        else:
            held_title = f"Held: peak {format_persons(peak)}; places unlimited"
        held_panel.set_title(held_title, loc="left", fontsize=9.5)
        persons_axis(held_panel, "Persons held", headroom=1.3)
        if near:
            held_panel.set_ylim(0, max(capacity, peak) * 1.3)
        _small_legend(held_panel, "upper left", 1)

        fee_panel.plot(run.datetimes, values["fees"], color=SPEND_COLOUR, linewidth=1.8,
                       label="Fees paid since the start")
        fee_title = f"Fees paid by {spec.sender}: {format_money(values['fees'][-1])}"
        if spec.fee_per_person_day is not None:
            fee_title += f" ({format_money(spec.fee_per_person_day)} per person-day; no budget)"
        fee_panel.set_title(fee_title, loc="left", fontsize=9.5)
        _money_axis(fee_panel, headroom=1.25)
        _small_legend(fee_panel, "upper left", 1)
        last_row = index == len(series) - 1
        for axes in (received_panel, total_panel):
            run_date_axis(axes, run, label=False, max_ticks=7)
        for axes in (held_panel, fee_panel):
            run_date_axis(axes, run, label=last_row, max_ticks=7)
    if not series:
        for axes in grid.ravel():
            empty_note(axes, "no agreements in this run")
            persons_axis(axes, "Persons")
            run_date_axis(axes, run)
        grid[0, 0].legend(handles=[], title="Agreements: none", frameon=False)
        grid[0, 0].set_title("Agreements", loc="left", fontsize=10)
    subtitle = ("Received: persons transferred under the agreement (per calendar month when it has a "
                "monthly quota). Held: persons held under it at the end of each step. Fees: what the "
                "sender pays per person-day held.")
    finish_run(figure, run, "Agreements: transfers, quotas, places and fees", subtitle)
    return Plot("agreements", figure, {"agreements": series})


def overlay_agreements(runs: Sequence[Run], labels: Sequence[str]) -> Plot:
    """Each agreement (by id, over all runs) in a row of three panels: received since the
    start (with each run's total quota, thin dashes), held (with the facility's places), fees
    since the start; one line per run. Size 1800 x (375 per agreement + 225) pixels.
    Data: ``agreements``: id -> {"received", "held", "fees"}: {label: values}."""
    styles = run_styles(len(runs))
    per_run = [agreement_series(run) for run in runs]
    agreements = list(dict.fromkeys(a for series in per_run for a in series))
    rows = max(1, len(agreements))
    figure = new_figure(2.5 * rows + 1.5, 1 + len(runs))
    grid = overlay_subplots(figure, rows, 3, labels, styles)
    data: dict = {"labels": list(labels), "agreements": {}}
    for agreement, panels in zip(agreements, grid):
        entry = {"received": {}, "held": {}, "fees": {}}
        limits = {"received": 0.0, "held": 0.0}
        for run, label, style, series in zip(runs, labels, styles, per_run):
            if agreement not in series:
                continue
            values = series[agreement]
            for axes, key in zip(panels, ("received", "held", "fees")):
                entry[key][label] = values[key]
                axes.plot(run.datetimes, values[key], color=style.colour,
                          linestyle=style.linestyle, linewidth=1.6, label=label)
            total = values["spec"].total_quota
            if total is not None and math.isfinite(total):
                panels[0].axhline(total, color=style.colour, linestyle=(0, (2, 2)), linewidth=0.9)
                limits["received"] = max(limits["received"], total)
            capacity = values["capacity"]
            peak = float(np.max(values["held"])) if len(values["held"]) else 0.0
            if capacity is not None and math.isfinite(capacity) and peak >= 0.2 * capacity:
                panels[1].axhline(capacity, color=style.colour, linestyle=(0, (2, 2)), linewidth=0.9)
                limits["held"] = max(limits["held"], capacity)
        data["agreements"][agreement] = entry
        panels[0].set_title(f"{agreement}: received since the start", loc="left", fontsize=10)
        panels[1].set_title(f"{agreement}: held", loc="left", fontsize=10)
        panels[2].set_title(f"{agreement}: fees since the start", loc="left", fontsize=10)
        persons_axis(panels[0], "Persons")
        persons_axis(panels[1], "Persons held")
        _money_axis(panels[2])
        for axes, key in ((panels[0], "received"), (panels[1], "held")):
            if limits[key]:
                axes.set_ylim(0, max(axes.get_ylim()[1], limits[key] * 1.15))
        for axes in panels:
            runs_date_axis(axes, runs, label=axes is panels[-1] or agreement == agreements[-1],
                           max_ticks=6)
    if not agreements:
        empty_note(grid[0, 0], "no agreements in these runs")
        for axes in grid[0]:
            persons_axis(axes, "Persons")
            runs_date_axis(axes, runs)
    finish(figure, "Agreements: runs compared",
           ["Thin dashes: each run's total quota (left) and places (middle), where they bind or "
            "come near."] + source_lines(runs, labels))
    return Plot("agreements", figure, data)


# -- detention ----------------------------------------------------------------------------


def detention_series(run: Run) -> tuple[dict[str, dict], Weekly]:
    """Per country that detains or releases: ``detained`` (stock per record), ``beds``
    (capacity of its detention facility at the end, None without one), ``beds_series`` (in
    force at each record), ``facility``, and per week
    ``max_detention_releases`` and ``overflow_releases``; countries in the order of their
    peak detained population, then those without beds."""
    countries = [str(c) for c in run.countries]
    detained = run.totals("stocks", keep=("time", "country"), status="detained")

    def flow(name: str) -> np.ndarray:
        if run.has(f"flows/{name}"):
            return run.totals(f"flows/{name}", keep=("time", "country"))
        return np.zeros((len(run.times), len(countries)))

    max_releases, overflow = flow("max_detention_releases"), flow("overflow_releases")
    week = weekly(run, np.stack([max_releases, overflow], axis=2))
    beds = {}
    for facility, country, kind in zip(run.facilities, run.facility_country, run.facility_kind):
        if kind == "detention":
            beds[str(country)] = (str(facility), facility_capacity(run, str(facility)))
    result = {}
    for index, code in enumerate(countries):
        has_anything = (code in beds or np.any(detained[:, index] > 0)
                        or np.any(max_releases[:, index] > 0) or np.any(overflow[:, index] > 0))
        if not has_anything:
            continue
        facility, capacity = beds.get(code, (None, None))
        result[code] = {
            "detained": detained[:, index],
            "beds": None if capacity is None else float(capacity[-1]),
            "beds_series": capacity,
            "facility": facility,
            "max_detention_releases": week.values[:, index, 0],
            "overflow_releases": week.values[:, index, 1],
        }
    ordered = sorted(result, key=lambda c: (result[c]["beds"] is None, -float(np.max(result[c]["detained"]))))
    return {code: result[code] for code in ordered}, week


def plot_detention(run: Run) -> Plot:
    """Detention, one row per country that detains or releases: the detained population at
    the end of each step against the beds (dashed); and persons released per week after the
    maximum detention period and, stopped but not admitted, for want of beds (stacked).

    Size 1800 x (390 per country + 225) pixels.
    Data: ``countries``: code -> :func:`detention_series` entry; ``week_starts``.
    """
    series, week = detention_series(run)
    rows = max(1, len(series))
    figure = new_figure(2.6 * rows + 1.5)
    grid = figure.subplots(rows, 2, squeeze=False, width_ratios=(1.2, 1))
    colours = country_styles([str(c) for c in run.countries])
    for (code, values), (left, right) in zip(series.items(), grid):
        colour = colours.get(code, OTHER_STYLE).colour
        population = values["detained"]
        left.fill_between(run.datetimes, population, color=colour, alpha=0.25, linewidth=0)
        left.plot(run.datetimes, population, color=colour, linewidth=1.8, label="Detained")
        peak = float(np.max(population)) if len(population) else 0.0
        beds = values["beds"]
        name = country_label(run, code)
        if beds is not None and math.isfinite(beds):
            _limit_line(left, run, values["beds_series"], beds, color=CAPACITY_COLOUR,
                        linestyle="--", linewidth=1.2, label=f"Beds ({format_persons(beds)})")
            share = f" ({peak / beds:.0%})" if beds > 0 else ""
            title = f"{name}, {values['facility']}\npeak {format_persons(peak)} of {format_persons(beds)} beds{share}"
        elif beds is not None:
            title = f"{name}, {values['facility']}\npeak {format_persons(peak)}; beds unlimited"
        else:
            title = f"{name}\nno detention beds"
        left.set_title(title, loc="left", fontsize=9.5)
        persons_axis(left, "Persons detained", headroom=1.3)
        if beds is not None and math.isfinite(beds):
            left.set_ylim(0, max(beds, peak, 1.0) * 1.3)
        if peak == 0:
            empty_note(left, "nobody detained: everyone stopped here is released or turned back")
            left.set_yticks([0])
        _small_legend(left, "upper right", 2)
        run_date_axis(left, run, label=left is grid[-1, 0], max_ticks=8)

        after_max = values["max_detention_releases"]
        no_bed = values["overflow_releases"]
        first = period_bars(right, week, after_max, color=MAX_DETENTION_RELEASE_COLOUR,
                            label="After maximum detention")
        second = period_bars(right, week, no_bed, bottom=after_max, color=OVERFLOW_RELEASE_COLOUR,
                             label="For want of beds")
        if week.last_partial:
            for bars in (first, second):
                if len(bars):
                    bars[-1].set_alpha(0.45)
        right.set_title(f"Released per {week.unit}\n{format_persons(after_max.sum())} after maximum "
                        f"detention, {format_persons(no_bed.sum())} for want of beds",
                        loc="left", fontsize=9.5)
        persons_axis(right, f"Persons per {week.unit}", headroom=1.3)
        _small_legend(right, "upper right", 2)
        run_date_axis(right, run, label=right is grid[-1, 1], max_ticks=7)
    if not series:
        for axes in grid[0]:
            empty_note(axes, "nobody detained or released in this run")
            persons_axis(axes, "Persons")
            run_date_axis(axes, run)
        grid[0, 0].legend(handles=[], title="Detention: none", frameon=False)
        grid[0, 0].set_title("Detention", loc="left", fontsize=10)
    subtitle = ("Left: persons held for removal at the end of each step. Right: persons released "
                f"in each {week.unit} from the start date: after the maximum detention period, and "
                "stopped (apprehended, interdicted or arrested) but not admitted for want of beds.")
    finish_run(figure, run, "Detention: population, beds and releases", subtitle)
    return Plot("detention", figure, {
        "countries": series, "week_starts": week.starts.astype("datetime64[D]")})


def overlay_detention(runs: Sequence[Run], labels: Sequence[str]) -> Plot:
    """Each country that detains or releases (over all runs) in a row: detained population
    (with each run's beds, thin dashes) and persons released per week (after the maximum
    detention period and for want of beds, together), one line per run.
    Size 1800 x (390 per country + 225) pixels.
    Data: ``countries``: code -> {"detained", "released"}: {label: values}."""
    styles = run_styles(len(runs))
    per_run = [detention_series(run) for run in runs]
    countries = list(dict.fromkeys(c for series, _ in per_run for c in series))
    rows = max(1, len(countries))
    figure = new_figure(2.6 * rows + 1.5, 1 + len(runs))
    grid = overlay_subplots(figure, rows, 2, labels, styles, width_ratios=(1.2, 1))
    data: dict = {"labels": list(labels), "countries": {}}
    for code, (left, right) in zip(countries, grid):
        entry = {"detained": {}, "released": {}}
        beds_top = 0.0
        for run, label, style, (series, week) in zip(runs, labels, styles, per_run):
            if code not in series:
                continue
            values = series[code]
            released = values["max_detention_releases"] + values["overflow_releases"]
            entry["detained"][label] = values["detained"]
            entry["released"][label] = released
            left.plot(run.datetimes, values["detained"], color=style.colour,
                      linestyle=style.linestyle, linewidth=1.6, label=label)
            if values["beds"] is not None and math.isfinite(values["beds"]):
                left.axhline(values["beds"], color=style.colour, linestyle=(0, (2, 2)), linewidth=0.9)
                beds_top = max(beds_top, values["beds"])
            shown = complete_periods(week)
            entry["released"][label] = released[:shown]
            right.stairs(released[:shown], date_nums(week.edges[:shown + 1]), baseline=None,
                         color=style.colour, linestyle=style.linestyle, linewidth=1.6, label=label)
        data["countries"][code] = entry
        left.set_title(f"{country_label(runs[0], code)}: detained (thin dashes: beds)", loc="left",
                       fontsize=10)
        right.set_title(f"{country_label(runs[0], code)}: released per week", loc="left", fontsize=10)
        persons_axis(left, "Persons detained")
        if beds_top:
            left.set_ylim(0, max(left.get_ylim()[1], beds_top * 1.15))
        persons_axis(right, "Persons per week")
        runs_date_axis(left, runs, label=left is grid[-1, 0], max_ticks=8)
        runs_date_axis(right, runs, label=right is grid[-1, 1], max_ticks=7)
    if not countries:
        empty_note(grid[0, 0], "nobody detained or released in these runs")
        for axes in grid[0]:
            persons_axis(axes, "Persons")
            runs_date_axis(axes, runs)
    finish(figure, "Detention: runs compared",
           ["Released: after the maximum detention period and for want of beds, together, per "
            "week from each run's start date (a last, partial week is left out)."]
           + source_lines(runs, labels))
    return Plot("detention", figure, data)
