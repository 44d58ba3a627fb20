"""What the figures need from the scenario text a run carries: each flight programme's seats,
schedule, window and budget, each agreement's facility, quotas and window.

The run file records what happened (passengers, flights, spending, transfers); the limits
those are compared against (seats scheduled, quotas) are scenario parameters, read here from
the ``scenario_yaml`` attribute with PyYAML. Without PyYAML, or for a parameter whose path
appears a second time in the text (as a dated policy event would name it, so one number would
misstate it), the value is None and the figures say that it could not be derived. What the file
itself records (programme senders, budgets, agreement receivers and dispositions, facility
capacities) is taken from the file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .run import Run


@dataclass(frozen=True)
class ProgrammeSpec:
    id: str
    sender: str
    seats_per_flight: float | None
    flights_per_week: float | None
    cost_per_flight: float | None
    budget: float  # inf: no budget
    start: np.datetime64  # window [start, end), datetime64[D]
    end: np.datetime64


@dataclass(frozen=True)
class AgreementSpec:
    id: str
    sender: str
    receiver: str
    disposition: str
    facility: str | None  # facility id, None for ``release``
    monthly_quota: float | None  # inf: no quota; None: not derivable
    total_quota: float | None
    fee_per_person_day: float | None
    start: np.datetime64
    end: np.datetime64


def _section(run: Run, name: str) -> dict:
    scenario = run.scenario or {}
    section = scenario.get(name) or {}
    return section if isinstance(section, dict) else {}


def _number(run: Run, spec: dict, owner: str, key: str) -> float | None:
    """A numeric field of a scenario record, or None when absent, not a number, or named
    elsewhere in the text (``owner.key``)."""
    value = spec.get(key) if isinstance(spec, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if f"{owner}.{key}" in run.scenario_yaml:
        return None
    return float(value)


def _date(value, default: np.datetime64) -> np.datetime64:
    if value is None:
        return default
    try:
        return np.datetime64(str(value)[:10], "D")
    except ValueError:
        return default


def _run_window(run: Run) -> tuple[np.datetime64, np.datetime64]:
    dates = run.dates
    return (dates[0], dates[-1]) if len(dates) else (run.start_date, run.start_date)


def programme_specs(run: Run) -> dict[str, ProgrammeSpec]:
    """Every programme of the run, in file order."""
    section = _section(run, "flight_programmes")
    senders = (
        dict(zip(run.programmes, run.coordinate("programme_sender")))
        if "programme_sender" in run.coordinate_names("programme") else {}
    )
    budget_left = run.read("programme_budget_left") if len(run.programmes) and run.has(
        "programme_budget_left") else None
    costs = run.read("programme_cost") if len(run.programmes) and run.has("programme_cost") else None
    first, last = _run_window(run)
    specs = {}
    for position, programme in enumerate(run.programmes):
        programme = str(programme)
        spec = section.get(programme) if isinstance(section.get(programme), dict) else {}
        cost = _number(run, spec, programme, "cost_per_flight")
        hours = _number(run, spec, programme, "flight_hours")
        rate = _number(run, spec, programme, "cost_per_flight_hour")
        if cost is None and hours is not None and rate is not None:
            cost = hours * rate
        if budget_left is not None and costs is not None and len(budget_left):
            # Budget left after record 0 plus what record 0 spent (nothing) is the budget.
            budget = float(budget_left[0, position] + costs[0, position])
        else:
            budget = _number(run, spec, programme, "budget")
            budget = math.inf if budget is None else budget
        specs[programme] = ProgrammeSpec(
            id=programme,
            sender=str(senders.get(programme, spec.get("sender", ""))),
            seats_per_flight=_number(run, spec, programme, "seats_per_flight"),
            flights_per_week=_number(run, spec, programme, "flights_per_week"),
            cost_per_flight=cost,
            budget=budget,
            start=_date(spec.get("start"), first),
            end=_date(spec.get("end"), last),
        )
    return specs


def agreement_specs(run: Run) -> dict[str, AgreementSpec]:
    """Every agreement of the run, in file order."""
    section = _section(run, "agreements")
    have = set(run.coordinate_names("agreement"))
    coordinate = {
        name: dict(zip(run.agreements, run.coordinate(f"agreement_{name}")))
        for name in ("sender", "receiver", "disposition") if f"agreement_{name}" in have
    }
    first, last = _run_window(run)
    parsed = run.scenario is not None
    specs = {}
    for agreement in run.agreements:
        agreement = str(agreement)
        spec = section.get(agreement) if isinstance(section.get(agreement), dict) else {}

        def field(name: str) -> str:
            return str(coordinate.get(name, {}).get(agreement, spec.get(name, "")))

        receiver, disposition = field("receiver"), field("disposition")
        facility = spec.get("facility")
        if facility is None and disposition in ("imprison", "shelter"):
            facility = _facility_of(run, receiver, "prison" if disposition == "imprison" else "shelter")

        def quota(key: str) -> float | None:
            if not parsed or agreement not in section:
                return None
            if key not in spec:
                return math.inf
            return _number(run, spec, agreement, key)

        specs[agreement] = AgreementSpec(
            id=agreement,
            sender=field("sender"),
            receiver=receiver,
            disposition=disposition,
            facility=None if facility is None else str(facility),
            monthly_quota=quota("monthly_quota"),
            total_quota=quota("total_quota"),
            fee_per_person_day=_number(run, spec, agreement, "fee_per_person_day"),
            start=_date(spec.get("start"), first),
            end=_date(spec.get("end"), last),
        )
    return specs


def _facility_of(run: Run, country: str, kind: str) -> str | None:
    """The one facility of ``kind`` in ``country``; None when there is none or several."""
    matches = [
        str(facility)
        for facility, where, what in zip(run.facilities, run.facility_country, run.facility_kind)
        if where == country and what == kind
    ]
    return matches[0] if len(matches) == 1 else None


def scheduled_per_step(
    run: Run, per_week: float, start: np.datetime64, end: np.datetime64
) -> np.ndarray:
    """``per_week`` spread over each step's overlap with the window [start, end), per record
    (record 0 holds no step: 0)."""
    times = run.datetimes.astype("datetime64[s]")
    result = np.zeros(len(times))
    if len(times) < 2:
        return result
    lower = np.maximum(times[:-1], np.datetime64(start, "s"))
    upper = np.minimum(times[1:], np.datetime64(end, "s"))
    days = np.clip((upper - lower) / np.timedelta64(1, "D"), 0.0, None)
    result[1:] = per_week * days / 7.0
    return result
