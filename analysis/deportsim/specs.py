"""The limits the figures compare outcomes against, from the run file itself: each flight
programme's seats (scheduled and per flight), cost, budget and window, each agreement's
facility, quotas, fee and window, each facility's places.

The run file records them in the group ``parameters`` (format 1.1 on): the parameters in force
at every record, dated policy events applied (docs/output-format.md). The package never reads
the scenario text for them. Each limit is kept as its series (one value per record) and as one
number, its value at the last record (the one a title quotes; a figure draws the series where
it changes). In a file of format 1.0, which has no ``parameters``, the limits that only that
group holds are None and the figures say that they are not recorded; what the 1.0 file itself
records (senders, receivers, dispositions, budgets, capacities at the start) is still used.
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
    destinations: str  # "any", ISO codes separated by spaces, or "" when not recorded
    seats_per_flight: float | None  # at the last record; None: not recorded
    cost_per_flight: float | None
    budget: float  # inf: no budget
    end: np.datetime64 | None  # the first date after the window closed, None if it never did
    seats_per_flight_series: np.ndarray | None  # per record
    seats_scheduled: np.ndarray | None  # seats on the flights scheduled in each record's step
    budget_series: np.ndarray | None


@dataclass(frozen=True)
class AgreementSpec:
    id: str
    sender: str
    receiver: str
    disposition: str
    facility: str | None  # facility id, None for ``release``
    monthly_quota: float | None  # at the last record; inf: no quota; None: not recorded
    total_quota: float | None
    fee_per_person_day: float | None
    monthly_quota_series: np.ndarray | None  # per record
    total_quota_series: np.ndarray | None
    fee_series: np.ndarray | None


def _series(run: Run, name: str) -> np.ndarray | None:
    """Parameter ``name`` (time, item), or None in a file without ``parameters``."""
    if not run.has_parameters or name not in run.parameter_names():
        return None
    return np.asarray(run.parameter(name), dtype=float)


def _last(values: np.ndarray | None) -> float | None:
    return None if values is None or len(values) == 0 else float(values[-1])


def is_constant(values: np.ndarray | None) -> bool:
    """Whether a series holds one value throughout (inf included); True for None."""
    if values is None or len(values) == 0:
        return True
    return bool(np.all((values == values[0]) | (np.isnan(values) & np.isnan(values[0]))))


def programme_specs(run: Run) -> dict[str, ProgrammeSpec]:
    """Every programme of the run, in file order."""
    programmes = [str(p) for p in run.programmes]
    if not programmes:
        return {}
    senders = (
        dict(zip(programmes, run.coordinate("programme_sender")))
        if "programme_sender" in run.coordinate_names("programme") else {}
    )
    seats = _series(run, "programme_seats_per_flight")
    scheduled = _series(run, "programme_seats_scheduled")
    cost = _series(run, "programme_cost_per_flight")
    budget = _series(run, "programme_budget")
    window = _series(run, "programme_in_window")
    destinations = (
        [str(d) for d in run.parameter_labels("programme_destinations")]
        if run.has("parameters/programme_destinations") else [""] * len(programmes)
    )
    if budget is None:
        # A 1.0 file: the budget left after record 0 plus what record 0 spent (nothing).
        left = run.read("programme_budget_left")
        spent = run.read("programme_cost")
        budget = np.broadcast_to(left[:1] + spent[:1], left.shape) if len(left) else None
    specs = {}
    for position, programme in enumerate(programmes):
        column = (lambda values: None if values is None else values[:, position])  # noqa: E731
        end = None
        if window is not None and len(window) and window[-1, position] == 0:
            inside = np.nonzero(window[:, position] > 0)[0]
            if len(inside):  # record k holds the step that starts on dates[k - 1]
                end = run.dates[inside[-1]]
        total = _last(column(budget))
        specs[programme] = ProgrammeSpec(
            id=programme,
            sender=str(senders.get(programme, "")),
            destinations=destinations[position],
            seats_per_flight=_last(column(seats)),
            cost_per_flight=_last(column(cost)),
            budget=math.inf if total is None else total,
            end=end,
            seats_per_flight_series=column(seats),
            seats_scheduled=column(scheduled),
            budget_series=column(budget),
        )
    return specs


def agreement_specs(run: Run) -> dict[str, AgreementSpec]:
    """Every agreement of the run, in file order."""
    agreements = [str(a) for a in run.agreements]
    if not agreements:
        return {}
    have = set(run.coordinate_names("agreement"))
    coordinate = {
        name: dict(zip(agreements, run.coordinate(f"agreement_{name}")))
        for name in ("sender", "receiver", "disposition") if f"agreement_{name}" in have
    }
    monthly = _series(run, "agreement_monthly_quota")
    total = _series(run, "agreement_total_quota")
    fee = _series(run, "agreement_fee_per_person_day")
    facilities = (
        [str(f) for f in run.parameter_labels("agreement_facility")]
        if run.has("parameters/agreement_facility") else None
    )
    specs = {}
    for position, agreement in enumerate(agreements):
        column = (lambda values: None if values is None else values[:, position])  # noqa: E731

        def field(name: str) -> str:
            return str(coordinate.get(name, {}).get(agreement, ""))

        receiver, disposition = field("receiver"), field("disposition")
        if facilities is not None:
            facility = facilities[position] or None
        elif disposition in ("imprison", "shelter"):  # a 1.0 file: the receiver's one facility
            facility = _facility_of(run, receiver, "prison" if disposition == "imprison" else "shelter")
        else:
            facility = None
        specs[agreement] = AgreementSpec(
            id=agreement,
            sender=field("sender"),
            receiver=receiver,
            disposition=disposition,
            facility=facility,
            monthly_quota=_last(column(monthly)),
            total_quota=_last(column(total)),
            fee_per_person_day=_last(column(fee)),
            monthly_quota_series=column(monthly),
            total_quota_series=column(total),
            fee_series=column(fee),
        )
    return specs


def facility_capacity(run: Run, facility: str) -> np.ndarray:
    """The places of ``facility`` in force at each record (``parameters/facility_capacity``;
    in a 1.0 file the capacity at the start, throughout)."""
    if run.has_parameters and "facility_capacity" in run.parameter_names():
        return np.asarray(run.parameter("facility_capacity", facility=facility), dtype=float)
    position = list(run.facilities).index(facility)
    return np.full(len(run.times), float(run.facility_capacity[position]))


def _facility_of(run: Run, country: str, kind: str) -> str | None:
    """The one facility of ``kind`` in ``country``; None when there is none or several."""
    matches = [
        str(facility)
        for facility, where, what in zip(run.facilities, run.facility_country, run.facility_kind)
        if where == country and what == kind
    ]
    return matches[0] if len(matches) == 1 else None
