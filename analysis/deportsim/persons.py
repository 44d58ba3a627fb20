"""Individual distributions of an agents-mode run (``--mode agents``, docs/agents.md): how often
each person was removed, how long from departure to the first removal, how long detention
stays lasted, and the trajectories of traced persons.

Every number comes from the group ``/persons`` of the run file, as the engine wrote it:

==================================  =============================================================
panel                               variables of ``/persons``
==================================  =============================================================
times removed                       ``persons_by_times_removed`` along ``removal_count``
departure to first removal          ``departure_to_first_removal`` along ``delay`` (days)
detention stays                     ``detention_stays`` along ``stay`` (days)
traced trajectories (with --trace)  ``trace_status`` (traced person, time), ``trace_person``,
                                    and ``group`` and ``times_removed`` of the persons shown
==================================  =============================================================

The distributions are drawn as the file holds them: one bar per number of removals, and one
bin per step of delay or stay (summed into whole weeks or longer when that would give more
than 200 bins, :func:`histogram_bins`), so the plotted counts are the file's. The figure is drawn
only for run files that have ``/persons`` (:func:`has_persons`); the registry in
:mod:`deportsim.figures` adds it to the figures of those runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator

from .palette import CAPACITY_COLOUR, OTHER_COLOUR, STATUS_COLOURS, status_colour, status_label
from .plotting import (
    Plot,
    date_nums,
    empty_note,
    finish_run,
    format_persons,
    new_figure,
    persons_axis,
    run_date_axis,
)
from .run import Run

# Persons drawn in the trajectory panel, at most.
TRACED_SHOWN = 30
# A count axis is logarithmic when its largest bar is this many times its smallest non-zero one.
LOG_RATIO = 1000.0
# Bins of a histogram, at most (one bin per step below that).
MAX_BINS = 200
# Heights in inches (150 dpi): with the trajectory panel (1800 x 1500 pixels), without it
# (1800 x 750).
HEIGHT_WITH_TRACE_IN = 10.0
HEIGHT_IN = 5.0

REMOVED_COLOUR = STATUS_COLOURS["returned"]  # removal sends most people home
NEVER_REMOVED_COLOUR = OTHER_COLOUR
STAY_COLOUR = STATUS_COLOURS["detained"]
NOT_YET_COLOUR = "#f0f0f0"  # a traced person before their departure: not yet in the model

__all__ = [
    "Distribution", "Trajectories", "has_persons", "times_removed", "departure_to_first_removal",
    "detention_stays", "max_detention_days", "trajectories", "histogram_bins", "plot_persons",
]


@dataclass(frozen=True)
class Distribution:
    """Counts (persons, or stays) at each value (a number of removals, or days)."""

    values: np.ndarray
    counts: np.ndarray

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    @property
    def mean(self) -> float:
        return float((self.values * self.counts).sum() / self.total) if self.total else float("nan")

    def quantile(self, q: float) -> float:
        """The smallest value at which at least a share ``q`` of the counts lie (NaN when empty)."""
        if self.total == 0:
            return float("nan")
        cumulative = np.cumsum(self.counts)
        return float(self.values[int(np.searchsorted(cumulative, q * self.total))])

    @property
    def last(self) -> int:
        """Position of the last non-zero count (-1 when all are zero)."""
        nonzero = np.nonzero(self.counts)[0]
        return int(nonzero[-1]) if len(nonzero) else -1


@dataclass(frozen=True)
class Trajectories:
    """Traced persons chosen for drawing: their numbers (along ``person``), groups, times
    removed, and status at each record (-1 before their departure)."""

    traced: int  # persons traced in the run
    persons: np.ndarray  # (shown,)
    groups: np.ndarray  # (shown,) group ids
    times_removed: np.ndarray  # (shown,)
    status: np.ndarray  # (shown, time), indices into run.statuses; -1 before departure
    changes: np.ndarray  # (shown,) changes of status (departure included)


def has_persons(run: Run) -> bool:
    """Whether the run file has the individual records of an agents-mode run."""
    return run.has_persons


def _distribution(run: Run, counts: str, values: str) -> Distribution:
    return Distribution(np.asarray(run.persons(values), dtype=float),
                        np.asarray(run.persons(counts), dtype=np.int64))


def times_removed(run: Run) -> Distribution:
    """Persons by the number of times they were removed during the run (0, 1, 2, ...)."""
    return _distribution(run, "persons_by_times_removed", "removal_count")


def departure_to_first_removal(run: Run) -> Distribution:
    """Persons by the days from their first departure (or re-migration) in the run to their
    first removal after it, one bin per step."""
    return _distribution(run, "departure_to_first_removal", "delay")


def detention_stays(run: Run) -> Distribution:
    """Detention stays that ended during the run (removal or release), by length in days, one
    bin per step."""
    return _distribution(run, "detention_stays", "stay")


def max_detention_days(run: Run) -> dict[str, float]:
    """Each country's maximum detention period in days, where it is finite: the recorded
    ``parameters/enforcement_max_detention_days`` at the last record (a policy event cannot
    change it: docs/scenario-format.md). Empty for a file of format 1.0, which does not
    record it."""
    if not run.has_parameters or "enforcement_max_detention_days" not in run.parameter_names():
        return {}
    days = np.asarray(run.parameter("enforcement_max_detention_days"), dtype=float)
    if len(days) == 0:
        return {}
    return {str(country): float(value)
            for country, value in zip(run.countries, days[-1]) if np.isfinite(value)}


def trajectories(run: Run, count: int = TRACED_SHOWN) -> Trajectories:
    """Up to ``count`` traced persons: those whose status changed most often (departure
    included; ties in trace order), ordered by the time of their first change.

    The trace is a uniform sample of every person of the run; most of them stay at large
    throughout, so a random handful would show little. Empty when the run traced nobody.
    """
    status = np.asarray(run.persons("trace_status"), dtype=np.int64)
    traced = np.asarray(run.persons("trace_person"), dtype=np.int64)
    if status.ndim != 2 or len(traced) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Trajectories(0, empty, np.array([], dtype=str), empty,
                            np.zeros((0, len(run.times)), dtype=np.int64), empty)
    changes = (np.diff(status, axis=1) != 0).sum(axis=1)
    chosen = np.argsort(-changes, kind="stable")[:count]
    differs = status[chosen] != status[chosen, :1]
    first_change = np.where(differs.any(axis=1), differs.argmax(axis=1), status.shape[1])
    chosen = chosen[np.lexsort((chosen, first_change))]
    persons = traced[chosen]
    order = np.argsort(persons, kind="stable")  # h5py reads increasing indices
    groups_index = np.empty(len(persons), dtype=np.int64)
    removed = np.empty(len(persons), dtype=np.int64)
    groups_index[order] = run.persons_variable("group")[persons[order]]
    removed[order] = run.persons_variable("times_removed")[persons[order]]
    group_names = np.asarray(run.groups)[groups_index]
    return Trajectories(len(traced), persons, group_names, removed, status[chosen],
                        changes[chosen])


# -- drawing ------------------------------------------------------------------------------


def _log_wanted(counts: np.ndarray) -> bool:
    positive = counts[counts > 0]
    return len(positive) > 0 and positive.max() >= LOG_RATIO * positive.min()


def _count_axis(axes, label: str, log: bool, counts: np.ndarray) -> None:
    """y for counts: from 0 (linear), or logarithmic from below 1 when the counts span three
    orders of magnitude or more."""
    if not log:
        persons_axis(axes, label)
        return
    axes.set_yscale("log")
    axes.set_ylabel(label + " (log scale)")
    axes.set_ylim(0.5, max(float(counts.max()), 1.0) * 4)
    axes.yaxis.set_major_locator(LogLocator(base=10, numticks=12))
    axes.yaxis.set_minor_locator(NullLocator())
    axes.yaxis.set_major_formatter(FuncFormatter(format_persons))
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def _days(value: float) -> str:
    return "1 day" if value == 1 else f"{value:,.4g} days"


def _draw_times_removed(axes, distribution: Distribution) -> dict:
    counts = distribution.counts
    values = distribution.values
    shown = max(distribution.last + 1, 1)
    counts, values = counts[:shown], values[:shown]
    colours = [NEVER_REMOVED_COLOUR if v == 0 else REMOVED_COLOUR for v in values]
    bars = axes.bar(values, counts, width=0.7, color=colours, edgecolor="white", linewidth=0.4)
    log = _log_wanted(counts)
    for bar, count in zip(bars, counts):
        if count > 0:
            axes.annotate(format_persons(count), (bar.get_x() + bar.get_width() / 2, count),
                          xytext=(0, 2), textcoords="offset points", ha="center", va="bottom",
                          fontsize=7.5, color="#333333")
    _count_axis(axes, "Persons", log, counts)
    if not log:
        axes.set_ylim(0, max(float(counts.max()), 1.0) * 1.18)
    axes.set_xlabel("Times removed during the run")
    axes.set_xticks(values)
    axes.set_xticklabels([f"{int(v)}" for v in values])
    axes.set_xlim(-0.6, values[-1] + 0.6)
    removed = int(counts[1:].sum())
    total = distribution.total
    share = f" ({100 * removed / total:.1f}%)" if total else ""
    axes.set_title(f"Times removed per person\n{format_persons(removed)} of "
                   f"{format_persons(total)} persons removed{share}", loc="left", fontsize=10.5)
    axes.legend(handles=[Patch(color=NEVER_REMOVED_COLOUR, label="Never removed"),
                         Patch(color=REMOVED_COLOUR, label="Removed")],
                loc="upper right", frameon=False, fontsize=8)
    return {"removal_count": values.astype(np.int64), "persons": counts, "log": log}


def histogram_bins(distribution: Distribution, dt_days: float,
                   max_bins: int = MAX_BINS) -> tuple[int, np.ndarray, np.ndarray]:
    """Steps per bin, and the bins' edges (days) and counts, up to the last non-zero count.

    One bin per step while that gives at most ``max_bins`` bins (bin k is centred on k steps);
    else bins of 1, 2 or 4 weeks, a quarter, half a year or a year (in whole steps), the first
    that gives at most ``max_bins``: daily bins of a two-year run would be narrower than a
    pixel, and the few early ones that hold most persons would not show.
    """
    shown = distribution.last + 1
    steps = 1
    if shown > max_bins:
        for days in (7, 14, 28, 91, 182, 365):
            steps = max(1, int(round(days / dt_days)))
            if -(-shown // steps) <= max_bins:
                break
    bins = -(-shown // steps)
    padded = np.zeros(bins * steps, dtype=np.int64)
    padded[:shown] = distribution.counts[:shown]
    counts = padded.reshape(bins, steps).sum(axis=1)
    edges = (np.arange(bins + 1) * steps - 0.5) * dt_days
    return steps, edges, counts


def _period(days: float) -> str:
    names = {1: "day", 7: "week", 14: "2 weeks", 28: "4 weeks", 91: "quarter",
             182: "half-year", 365: "year"}
    return names.get(days, f"{days:g} days") if float(days).is_integer() else f"{days:g} days"


def _draw_histogram(axes, distribution: Distribution, colour: str, dt_days: float,
                    unit: str, title: str, xlabel: str, marks: list) -> dict:
    """Counts by value in bins of whole steps (:func:`histogram_bins`), up to the last
    non-zero count; median and 90th percentile (of the values, step by step) marked with
    lines, their labels appended to ``marks`` as (days, text)."""
    steps, edges, counts = histogram_bins(distribution, dt_days)
    per = _period(steps * dt_days)
    data = {"edges": edges, "counts": counts, "bin_days": steps * dt_days, "log": False,
            "median": distribution.quantile(0.5), "p90": distribution.quantile(0.9),
            "mean": distribution.mean, "total": distribution.total}
    axes.set_xlabel(xlabel)
    label = f"{unit.capitalize()} per {per}"
    if len(counts) == 0:
        axes.set_title(f"{title}\nnone in this run", loc="left", fontsize=10.5)
        empty_note(axes, f"no {unit} in this run")
        persons_axis(axes, label)
        axes.set_yticks([0])
        return data
    axes.set_title(f"{title}\n{format_persons(distribution.total)} {unit}, mean "
                   f"{_days(round(data['mean'], 1))}", loc="left", fontsize=10.5)
    log = _log_wanted(counts)
    data["log"] = log
    axes.stairs(counts, edges, fill=True, color=colour, baseline=0.5 if log else 0, alpha=0.9,
                label=label)
    _count_axis(axes, label, log, counts)
    for value, style, name in ((data["median"], "--", f"median {_days(data['median'])}"),
                               (data["p90"], ":", f"90% within {_days(data['p90'])}")):
        axes.axvline(value, color="black", linestyle=style, linewidth=1.1)
        marks.append((value, name))
    axes.set_xlim(edges[0], edges[-1] + 0.02 * (edges[-1] - edges[0]))
    axes.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True, min_n_ticks=3))
    return data


def _label_lines(axes, marks: list[tuple[float, str]]) -> None:
    """Labels written up vertical lines from the top of the axes; lines closer than 4% of the
    axis share one label, so that labels never overlap."""
    low, high = axes.get_xlim()
    merged: list[tuple[float, list[str]]] = []
    for x, text in sorted(marks):
        if merged and x - merged[-1][0] < 0.04 * (high - low):
            merged[-1][1].append(text)
        else:
            merged.append((x, [text]))
    for x, texts in merged:
        axes.annotate("; ".join(texts), (x, 1.0), xycoords=("data", "axes fraction"),
                      xytext=(2, -3), textcoords="offset points", ha="left", va="top",
                      fontsize=7.5, rotation=90,
                      bbox=dict(facecolor="white", edgecolor="none", alpha=0.75, pad=0.6))


def _draw_trajectories(axes, run: Run, shown: Trajectories) -> None:
    statuses = [str(s) for s in run.statuses]
    cmap = ListedColormap([status_colour(s) for s in statuses])
    cmap.set_bad(NOT_YET_COLOUR)
    norm = BoundaryNorm(np.arange(len(statuses) + 1) - 0.5, len(statuses))
    image = np.ma.masked_less(shown.status, 0)
    # Record k (the status at the end of step k) holds until the next record.
    times = run.datetimes
    step = (times[1] - times[0]) if len(times) > 1 else np.timedelta64(86400, "s")
    left, right = date_nums(np.array([times[0], times[-1] + step]))
    axes.imshow(image, cmap=cmap, norm=norm, aspect="auto", interpolation="nearest",
                extent=(left, right, len(shown.persons) - 0.5, -0.5))
    for row in range(1, len(shown.persons)):
        axes.axhline(row - 0.5, color="white", linewidth=0.8)
    axes.set_yticks(range(len(shown.persons)))
    axes.set_yticklabels([f"{group}  #{person:,}" for group, person in
                          zip(shown.groups, shown.persons)], fontsize=7)
    axes.tick_params(axis="y", length=0)
    right_axis = axes.secondary_yaxis("right")
    right_axis.set_yticks(range(len(shown.persons)))
    right_axis.set_yticklabels([f"{n}\u00d7" for n in shown.times_removed], fontsize=7)
    right_axis.tick_params(axis="y", length=0)
    right_axis.set_ylabel("Times removed", fontsize=8.5)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    run_date_axis(axes, run)
    axes.set_xlim(left, right)
    present = [statuses[i] for i in np.unique(shown.status) if i >= 0]
    handles = [Patch(color=status_colour(s), label=status_label(s)) for s in present]
    if np.any(shown.status < 0):
        handles.append(Patch(facecolor=NOT_YET_COLOUR, edgecolor="#cccccc",
                             label="Not yet departed"))
    axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, -0.13), ncol=len(handles),
                frameon=False, fontsize=8.5, handlelength=1.4, columnspacing=1.4)
    axes.set_title(
        f"Traced persons: the {len(shown.persons)} of {shown.traced:,} traced whose status changed "
        "most often, by date of their first change", loc="left", fontsize=10.5)


def plot_persons(run: Run, traced: int = TRACED_SHOWN) -> Plot:
    """Individual distributions of an agents-mode run, in three panels: persons by the times
    they were removed (bars, the never-removed in grey; a log scale when the counts span three
    orders of magnitude), the time from departure to first removal and the length of detention
    stays (one bin per step, median and 90th percentile marked; dotted: each country's maximum
    detention period from the scenario). When the run traced persons (``--trace N``), a fourth
    panel below shows the status over time of up to ``traced`` of them (:func:`trajectories`),
    in the status colours.

    Size 1800 x 1500 pixels with traced persons, 1800 x 750 without.
    Data: ``times_removed`` (``removal_count``, ``persons``, ``log``),
    ``departure_to_first_removal`` and ``detention_stays`` (``days``, ``counts``: the bins
    drawn; ``total``, ``median``, ``p90``, ``mean``, ``log``), ``max_detention_days``
    (country -> days marked), ``trajectories`` (:class:`Trajectories` drawn, or None).
    """
    if not run.has_persons:
        raise KeyError(f"{run.path}: no /persons group; the persons figure needs an agents-mode "
                       "run (deportsim run SCENARIO --mode agents)")
    removals = times_removed(run)
    delays = departure_to_first_removal(run)
    stays = detention_stays(run)
    shown = trajectories(run, traced) if traced > 0 else None
    if shown is not None and len(shown.persons) == 0:
        shown = None

    figure = new_figure(HEIGHT_WITH_TRACE_IN if shown is not None else HEIGHT_IN)
    if shown is not None:
        layout = figure.add_gridspec(2, 3, height_ratios=(1, 1.15))
    else:
        layout = figure.add_gridspec(1, 3)
    removal_axes, delay_axes, stay_axes = (figure.add_subplot(layout[0, i]) for i in range(3))
    trace_axes = figure.add_subplot(layout[1, :]) if shown is not None else None

    data: dict = {"times_removed": _draw_times_removed(removal_axes, removals)}
    delay_marks: list[tuple[float, str]] = []
    stay_marks: list[tuple[float, str]] = []
    data["departure_to_first_removal"] = _draw_histogram(
        delay_axes, delays, REMOVED_COLOUR, run.dt_days, "persons",
        "From departure to first removal", "Days from departure to first removal", delay_marks)
    data["detention_stays"] = _draw_histogram(
        stay_axes, stays, STAY_COLOUR, run.dt_days, "stays", "Detention stays that ended",
        "Length of the stay (days)", stay_marks)
    limits = max_detention_days(run)
    marked: dict[str, float] = {}
    if stays.last >= 0:
        high = stays.values[stays.last] + run.dt_days
        by_days: dict[float, list[str]] = {}
        for country, days in limits.items():
            if days <= high:
                by_days.setdefault(days, []).append(country)
        for days, countries in sorted(by_days.items()):
            stay_axes.axvline(days, color=CAPACITY_COLOUR, linestyle=(0, (1, 2)), linewidth=1.0)
            stay_marks.append((days, "max " + ", ".join(countries)))
            marked.update({country: days for country in countries})
    _label_lines(delay_axes, delay_marks)
    _label_lines(stay_axes, stay_marks)
    data["max_detention_days"] = marked
    data["trajectories"] = shown
    if shown is not None:
        _draw_trajectories(trace_axes, run, shown)

    total = removals.total
    removed = int(removals.counts[1:].sum())
    again = int(removals.counts[2:].sum())
    subtitle = (
        f"Individual records of the agents-mode run: {format_persons(total)} persons, "
        f"{format_persons(removed)} removed at least once, {format_persons(again)} more than "
        "once. Departure to first removal counts from the first departure or re-migration in "
        "the run; detention stays are those that ended in the run (by removal or release); "
        "dotted: each country's maximum detention period in the scenario."
    )
    if shown is not None:
        subtitle += (f" Traced persons are a uniform sample of everyone in the run (--trace "
                     f"{shown.traced}); #n is the person's number in /persons.")
    finish_run(figure, run, "Individual distributions", subtitle)
    return Plot("persons", figure, data)
