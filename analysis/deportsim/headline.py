"""Headline outcomes of one run: the numbers a report leads with.

Every number is a plain sum or maximum of a recorded variable (docs/analysis.md lists the
definitions), so it can be checked against the file with h5py alone.
"""

from __future__ import annotations

import math

import numpy as np

from .run import Run

# Units of each headline entry, for tables (nested entries take their parent's unit).
UNITS = {
    "imprisoned_abroad_end": "persons",
    "removals_total": "persons",
    "removals_by_destination": "persons",
    "detention_peak": "persons",
    "detention_peak_date": "date",
    "detention_peak_by_country": "persons",
    "max_detention_releases": "persons",
    "programme_cost_total": "USD",
    "cost_per_person_removed": "USD per person",
    "agreement_fees_total": "USD",
    "facility_cost_total": "USD",
    "deaths_in_transit": "persons",
    "final_stocks_by_status": "persons",
}

DESCRIPTIONS = {
    "imprisoned_abroad_end": "people imprisoned abroad under agreements at the end",
    "removals_total": "people removed over the run",
    "removals_by_destination": "people removed, by destination",
    "detention_peak": "peak number detained (all countries together)",
    "detention_peak_date": "date of that peak",
    "detention_peak_by_country": "peak number detained, by country",
    "max_detention_releases": "released after the maximum detention period",
    "programme_cost_total": "spent by flight programmes",
    "cost_per_person_removed": "flight programme cost per person removed",
    "agreement_fees_total": "fees paid to receivers under agreements",
    "facility_cost_total": "occupancy cost of facilities",
    "deaths_in_transit": "deaths in transit",
    "final_stocks_by_status": "people by status at the end",
}


def _flow_total(run: Run, name: str) -> float:
    return float(run.totals(f"flows/{name}", keep=())) if run.has(f"flows/{name}") else 0.0


def _variable_total(run: Run, name: str) -> float:
    return float(run.totals(name, keep=())) if run.has(name) else 0.0


def headline(run: Run) -> dict:
    """The headline outcomes of a run, as a dict of floats (and dicts of floats by label).

    - ``imprisoned_abroad_end``: stock ``imprisoned`` at the last record, summed over countries
      and groups.
    - ``removals_total``: ``removals_by_destination`` summed over time, senders, destinations.
    - ``removals_by_destination``: the same by destination (destinations with removals only,
      largest first).
    - ``detention_peak``: maximum over time of the ``detained`` stock summed over countries;
      ``detention_peak_date`` its first date; ``detention_peak_by_country``: for each country
      with detainees, the maximum over time of its own ``detained`` stock.
    - ``max_detention_releases``: flow ``max_detention_releases`` summed.
    - ``programme_cost_total``: ``programme_cost`` summed; ``cost_per_person_removed`` is that
      divided by ``removals_total`` (None when nothing was removed or there are no programmes).
    - ``agreement_fees_total``, ``facility_cost_total``: ``agreement_fees``, ``facility_cost``
      summed (0 when the scenario has none).
    - ``deaths_in_transit``: flow ``deaths`` summed.
    - ``final_stocks_by_status``: stocks at the last record by status.
    """
    countries = run.countries
    statuses = list(run.statuses)

    final_by_status = run.totals("stocks", keep=("status",), time=-1)
    imprisoned_end = float(final_by_status[statuses.index("imprisoned")])

    removals = run.totals("removals_by_destination", keep=("destination",))
    by_destination = {
        str(code): float(value)
        for code, value in sorted(
            zip(run.destinations, removals), key=lambda item: (-item[1], item[0])
        )
        if value > 0
    }
    removals_total = float(removals.sum())

    detained = run.totals("stocks", keep=("time", "country"), status="detained")
    detained_total = detained.sum(axis=1)
    peak_step = int(np.argmax(detained_total)) if len(detained_total) else 0
    peaks = detained.max(axis=0) if len(detained) else np.zeros(len(countries))
    peak_by_country = {
        str(code): float(value)
        for code, value in sorted(zip(countries, peaks), key=lambda item: (-item[1], item[0]))
        if value > 0
    }

    has_programmes = len(run.programmes) > 0 and run.has("programme_cost")
    programme_cost = _variable_total(run, "programme_cost") if has_programmes else 0.0
    cost_per_removed = (
        programme_cost / removals_total if has_programmes and removals_total > 0 else None
    )

    return {
        "imprisoned_abroad_end": imprisoned_end,
        "removals_total": removals_total,
        "removals_by_destination": by_destination,
        "detention_peak": float(detained_total[peak_step]) if len(detained_total) else 0.0,
        "detention_peak_date": str(run.dates[peak_step]) if len(detained_total) else None,
        "detention_peak_by_country": peak_by_country,
        "max_detention_releases": _flow_total(run, "max_detention_releases"),
        "programme_cost_total": programme_cost,
        "cost_per_person_removed": cost_per_removed,
        "agreement_fees_total": _variable_total(run, "agreement_fees"),
        "facility_cost_total": _variable_total(run, "facility_cost"),
        "deaths_in_transit": _flow_total(run, "deaths"),
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
