"""Headline outcomes of one run: the numbers a summary, a comparison and a report lead with.

The metrics are those of sim/core/headline.hpp, under the same names, units, descriptions and
definitions (``deportsim info``, sweep files); a few breakdowns by label follow them. Every
number is a plain sum, maximum or final value of a recorded variable (docs/analysis.md lists
the definitions), so it can be checked against the file with h5py alone.
"""

from __future__ import annotations

import math

import numpy as np

from .run import Run

# The headline metrics: name, units and description exactly as sim/core/headline.hpp defines
# them (headline_metrics), in the same order, which is also the order of the sweep files'
# `metric` dimension. tests/python/test_headline.py checks this list against the header, and
# the values against `deportsim info --format csv` (the C++ HeadlineRecorder) on a real run.
METRICS = (
    ("imprisoned_abroad_end", "persons",
     "persons imprisoned abroad under agreements at the end of the run"),
    ("sheltered_end", "persons", "persons sheltered abroad under agreements at the end of the run"),
    ("removals_total", "persons",
     "persons removed over the run, every sender and destination (onward repatriations from "
     "shelters included)"),
    ("removals_home", "persons",
     "persons removed to their own country over the run: removals_total minus "
     "transfers_third_country"),
    ("transfers_third_country", "persons", "persons transferred under agreements over the run"),
    ("detention_peak", "persons",
     "largest number detained at the end of a step, all countries together"),
    ("max_detention_releases_total", "persons",
     "persons released after the maximum detention period over the run"),
    ("overflow_releases_total", "persons",
     "persons stopped but released for want of detention beds over the run"),
    ("deaths_total", "persons", "deaths in transit over the run"),
    ("departures_total", "persons", "first departures over the run (re-migration not included)"),
    ("flight_cost_total", "USD", "money spent by flight programmes over the run"),
    ("detention_cost_total", "USD", "occupancy cost of detention facilities over the run"),
    ("fees_total", "USD", "fees paid to receivers under agreements over the run"),
    ("cost_per_removal", "USD per person",
     "flight_cost_total / removals_total; NaN when nothing was removed or there are no "
     "flight programmes"),
    ("at_large_end", "persons", "persons at large at the end of the run"),
)
METRIC_NAMES = tuple(name for name, _, _ in METRICS)

# Breakdowns that only the Python headline has, each placed after the metric it details.
BREAKDOWNS = (
    ("removals_by_destination", "persons", "persons removed over the run, by destination",
     "removals_total"),
    ("detention_peak_date", "date", "date of the detention peak", "detention_peak"),
    ("detention_peak_by_country", "persons",
     "largest number detained at the end of a step, by country", "detention_peak_date"),
    ("facility_cost_by_kind", "USD",
     "occupancy cost of facilities over the run, by kind of facility", "detention_cost_total"),
    ("final_stocks_by_status", "persons", "persons by status at the end of the run",
     "at_large_end"),
)

# Units and descriptions of every headline entry (nested entries take their parent's).
UNITS = {name: units for name, units, _ in METRICS}
UNITS.update({name: units for name, units, _, _ in BREAKDOWNS})
DESCRIPTIONS = {name: description for name, _, description in METRICS}
DESCRIPTIONS.update({name: description for name, _, description, _ in BREAKDOWNS})


def _flow_total(run: Run, name: str) -> float:
    return float(run.totals(f"flows/{name}", keep=())) if run.has(f"flows/{name}") else 0.0


def _variable_total(run: Run, name: str) -> float:
    return float(run.totals(name, keep=())) if run.has(name) else 0.0


def _by_label(labels, values) -> dict:
    """The non-zero values by label, largest first."""
    return {
        str(label): float(value)
        for label, value in sorted(zip(labels, values), key=lambda item: (-item[1], str(item[0])))
        if value > 0
    }


def headline(run: Run) -> dict:
    """The headline outcomes of a run: the fifteen metrics of ``METRICS`` (sim/core/headline.hpp
    defines them; ``deportsim info`` and sweep files give the same numbers), each followed by
    its breakdowns (``BREAKDOWNS``). Floats, dicts of floats by label, and a date string.

    Every metric is a sum, a maximum or a final value of a recorded variable over every record
    (record 0 included, whose flows and costs are zero):

    - ``imprisoned_abroad_end``, ``sheltered_end``, ``at_large_end``: stocks ``imprisoned``,
      ``sheltered``, ``at_large`` at the last record, over countries and groups;
      ``final_stocks_by_status`` every status there.
    - ``removals_total``: ``removals_by_destination`` summed over time, senders and
      destinations (onward repatriations from shelters included; the flow ``removals`` counts
      the senders' removals only); ``removals_by_destination`` by destination (non-zero ones,
      largest first).
    - ``transfers_third_country``: ``agreement_transfers`` summed; ``removals_home``:
      ``removals_total`` minus that.
    - ``detention_peak``: maximum over time of the ``detained`` stock summed over countries;
      ``detention_peak_date`` its first date; ``detention_peak_by_country``: each country's
      own maximum.
    - ``max_detention_releases_total``, ``overflow_releases_total``, ``deaths_total``,
      ``departures_total``: those flows summed (``max_detention_releases``,
      ``overflow_releases``, ``deaths``, ``departures``).
    - ``flight_cost_total``: ``programme_cost`` summed; ``cost_per_removal``: that divided by
      ``removals_total``, None when nothing was removed or there are no programmes (NaN in C++).
    - ``detention_cost_total``: ``facility_cost`` of the detention facilities summed;
      ``facility_cost_by_kind``: by kind (detention, prison, shelter; non-zero ones, largest
      first).
    - ``fees_total``: ``agreement_fees`` summed.
    """
    countries = run.countries
    statuses = list(run.statuses)

    final_by_status = run.totals("stocks", keep=("status",), time=-1)

    def final(status: str) -> float:
        return float(final_by_status[statuses.index(status)])

    removals = run.totals("removals_by_destination", keep=("destination",))
    removals_total = float(removals.sum())
    transfers = _variable_total(run, "agreement_transfers") if len(run.agreements) else 0.0

    detained = run.totals("stocks", keep=("time", "country"), status="detained")
    detained_total = detained.sum(axis=1)
    peak_step = int(np.argmax(detained_total)) if len(detained_total) else 0
    peaks = detained.max(axis=0) if len(detained) else np.zeros(len(countries))

    has_programmes = len(run.programmes) > 0 and run.has("programme_cost")
    flight_cost = _variable_total(run, "programme_cost") if has_programmes else 0.0

    cost_by_kind: dict[str, float] = {}
    if len(run.facilities) and run.has("facility_cost"):
        cost = run.totals("facility_cost", keep=("facility",))
        for kind, value in zip(run.facility_kind, cost):
            cost_by_kind[str(kind)] = cost_by_kind.get(str(kind), 0.0) + float(value)

    return {
        "imprisoned_abroad_end": final("imprisoned"),
        "sheltered_end": final("sheltered"),
        "removals_total": removals_total,
        "removals_by_destination": _by_label(run.destinations, removals),
        "removals_home": removals_total - transfers,
        "transfers_third_country": transfers,
        "detention_peak": float(detained_total[peak_step]) if len(detained_total) else 0.0,
        "detention_peak_date": str(run.dates[peak_step]) if len(detained_total) else None,
        "detention_peak_by_country": _by_label(countries, peaks),
        "max_detention_releases_total": _flow_total(run, "max_detention_releases"),
        "overflow_releases_total": _flow_total(run, "overflow_releases"),
        "deaths_total": _flow_total(run, "deaths"),
        "departures_total": _flow_total(run, "departures"),
        "flight_cost_total": flight_cost,
        "detention_cost_total": cost_by_kind.get("detention", 0.0),
        "facility_cost_by_kind": _by_label(list(cost_by_kind), list(cost_by_kind.values())),
        "fees_total": _variable_total(run, "agreement_fees") if len(run.agreements) else 0.0,
        "cost_per_removal": (
            flight_cost / removals_total if has_programmes and removals_total > 0 else None
        ),
        "at_large_end": final("at_large"),
        "final_stocks_by_status": {
            str(status): float(value) for status, value in zip(statuses, final_by_status)
        },
    }


def run_identity(run: Run) -> dict:
    """The attributes that identify a run, for the head of a summary."""
    attrs = run.attrs
    dates = run.dates
    return {
        "path": str(run.path),
        "scenario_name": run.scenario_name,
        "scenario_sha256": run.scenario_sha256,
        "mode": run.mode,
        "seed": run.seed,
        "engine_version": attrs.get("engine_version"),
        "git_revision": attrs.get("git_revision"),
        "format_version": f"{run.format_version[0]}.{run.format_version[1]}",
        "start_date": str(dates[0]) if len(dates) else None,
        "end_date": str(dates[-1]) if len(dates) else None,
        "dt_days": run.dt_days,
        "records": len(dates),
        "scenario_overrides": attrs.get("scenario_overrides", ""),
    }


def flatten(outcomes: dict) -> list[tuple[str, object, str]]:
    """(key, value, unit) rows; nested dicts become ``key.label`` rows."""
    rows = []
    for key, value in outcomes.items():
        unit = UNITS.get(key, "")
        if isinstance(value, dict):
            for label, item in value.items():
                rows.append((f"{key}.{label}", item, unit))
        else:
            rows.append((key, value, unit))
    return rows


def is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
