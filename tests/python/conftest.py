"""Fixtures for the analysis package tests.

``make_run_file`` writes a small but complete run file in the format of
docs/output-format.md (root attributes, dimension scales attached with h5py, stocks, flows,
programme, agreement and facility variables), plus what the engine writes beyond that page
today: the auxiliary coordinates ``programme_sender``, ``agreement_sender``,
``agreement_receiver``, ``agreement_disposition`` and the flow ``permit_releases``. Its numbers come from a toy expected-value
model that conserves persons (departures, crossings, detention within beds, seat-limited
removals to the home country or under two agreements, onward returns), so the figures drawn
from it look like a real run; the tests compare the package against the file itself.

``real_run`` runs the engine ($DEPORTSIM_BINARY, default build/release/deportsim) on
tests/scenarios/tiny.yaml; ``real_run_variant`` adds agreement quotas and deterrence with
``--set``, ``real_run_stochastic`` runs it in stochastic mode. Tests that use them are marked
``engine``: they skip when the binary or the scenario is missing, except under CI (environment
variable CI set), where that fails.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPOSITORY / "analysis"))

STATUSES = (
    "in_transit", "at_large", "detained", "imprisoned",
    "sheltered", "returned", "settled", "dead_or_missing",
)
FLOWS = (
    "departures", "remigrations", "deaths", "interdictions", "apprehensions", "arrests",
    "detention_intake", "overflow_releases", "max_detention_releases", "removals",
    "returns_received", "transfers_received", "onward_returns", "prison_releases",
    "settlements", "absconded", "arrivals", "permit_releases",
)
COUNTRIES = (
    ("USA", "United States", 1), ("MEX", "Mexico", 1), ("GTM", "Guatemala", 1),
    ("HND", "Honduras", 1), ("SLV", "El Salvador", 1), ("PAN", "Panama", 1),
    ("COL", "Colombia", 1), ("VEN", "Venezuela", 0), ("CHN", "China", 0),
)
# group -> (origin of departures, departures per day, initial at large in the USA)
GROUPS = {
    "VEN/no_record": ("COL", 60.0, 20000.0),
    "VEN/gang_tda": ("COL", 4.0, 800.0),
    "SLV/gang_ms13": ("SLV", 3.0, 1500.0),
    "GTM/no_record": ("GTM", 45.0, 30000.0),
    "HND/nonviolent_record": ("HND", 25.0, 12000.0),
    "MEX/no_record": ("MEX", 80.0, 60000.0),
    "CHN/no_record": ("COL", 8.0, 2500.0),
}
# Own country refuses returns: these go to third countries under agreements.
REFUSING = {"VEN", "CHN"}
FACILITIES = (
    # id, country, kind, capacity, cost per person-day
    ("USA_DETENTION", "USA", "detention", 4000.0, 150.0),
    ("CECOT", "SLV", "prison", 600.0, 20.0),
    ("PAN_SHELTER", "PAN", "shelter", 400.0, 30.0),
)
# id, sender, seats, flights on weekdays (Mon-Fri) or only on Tuesdays, cost per flight, budget
PROGRAMMES = (
    ("ICE_AIR", "USA", 135.0, "weekdays", 120000.0, np.inf),
    ("PAN_ONWARD", "PAN", 50.0, "tuesdays", 300000.0, 2.7e6),
)
# id, sender, receiver, facility, profiles, fee per person-day
AGREEMENTS = (
    ("SLV_PRISON", "USA", "SLV", "CECOT", ("gang_tda",), 20.0),
    ("PAN_SHELTER", "USA", "PAN", "PAN_SHELTER", ("no_record",), 15.0),
)


def scenario_text(name: str, start: str, end: str, dt_days: float) -> str:
    """A scenario text consistent with the toy model (carried in the file, hashed)."""
    return f"""\
name: {name}
description: Test fixture written by tests/python/conftest.py
time: {{start: {start}, end: {end}, dt_days: {dt_days}}}
countries:
{"".join(f"  {code}: {{name: {name_}}}" + chr(10) for code, name_, on_map in COUNTRIES if on_map)}\
nationalities: {{VEN: Venezuela, CHN: China}}
profiles: [no_record, nonviolent_record, gang_tda, gang_ms13]
flight_programmes:
  ICE_AIR: {{sender: USA, destinations: any, seats_per_flight: 135, flights_per_week: 5, cost_per_flight: 120000}}
  PAN_ONWARD: {{sender: PAN, destinations: any, seats_per_flight: 50, flights_per_week: 1, cost_per_flight: 300000, budget: 2700000}}
agreements:
  SLV_PRISON: {{sender: USA, receiver: SLV, nationalities: any, profiles: [gang_tda], disposition: imprison, facility: CECOT, fee_per_person_day: 20}}
  PAN_SHELTER: {{sender: USA, receiver: PAN, nationalities: any, profiles: [no_record], disposition: shelter, facility: PAN_SHELTER, fee_per_person_day: 15}}
"""


def _write_strings(group, name, values, fixed_length):
    values = [str(v) for v in values]
    if fixed_length:
        width = max([len(v.encode()) for v in values] + [1])
        data = np.array([v.encode() for v in values], dtype=f"S{width}")
        return group.create_dataset(name, data=data)
    return group.create_dataset(name, data=values, dtype=h5py.string_dtype("utf-8"))


def _set_text_attribute(obj, name, value, fixed_length):
    if fixed_length:
        obj.attrs[name] = np.bytes_(value.encode())
    else:
        obj.attrs[name] = value


def simulate(
    steps: int,
    dt_days: float,
    start_date: str,
    with_programmes: bool,
    with_agreements: bool,
    with_facilities: bool,
) -> dict:
    """The toy model: arrays of every variable, keyed by variable name."""
    codes = [c[0] for c in COUNTRIES]
    country = {code: i for i, code in enumerate(codes)}
    status = {s: i for i, s in enumerate(STATUSES)}
    groups = list(GROUPS)
    nationality = [country[g.split("/")[0]] for g in groups]
    profile = [g.split("/")[1] for g in groups]
    facilities = FACILITIES if with_facilities else ()
    programmes = PROGRAMMES if with_programmes else ()
    agreements = AGREEMENTS if (with_agreements and with_facilities) else ()
    nc, ns, ng = len(codes), len(STATUSES), len(groups)
    records = steps + 1

    stocks = np.zeros((records, nc, ns, ng))
    flows = {name: np.zeros((records, nc, ng)) for name in FLOWS}
    removals_by_destination = np.zeros((records, nc, nc))
    p_flights, p_passengers, p_cost, p_budget = (np.zeros((records, len(programmes))) for _ in range(4))
    a_transfers, a_held, a_fees, a_quota = (np.zeros((records, len(agreements))) for _ in range(4))
    f_occupancy, f_cost = np.zeros((records, len(facilities))), np.zeros((records, len(facilities)))
    deterrence = np.ones(records)

    state = np.zeros((nc, ns, ng))
    usa = country["USA"]
    for g, (_, _, initial) in enumerate(GROUPS.values()):
        state[usa, status["at_large"], g] = initial
        state[usa, status["detained"], g] = initial * 0.03
    budget = np.array([p[5] for p in programmes], dtype=float)
    quota_used = np.zeros(len(agreements))
    facility_of = {f[0]: i for i, f in enumerate(facilities)}
    detention_capacity = facilities[0][3] if facilities else np.inf

    def record(k):
        stocks[k] = state
        for i, (fid, code, kind, capacity, cost) in enumerate(facilities):
            if kind == "detention":
                held = state[country[code], status["detained"]].sum()
            elif kind == "prison":
                held = state[country[code], status["imprisoned"]].sum()
            else:
                held = state[country[code], status["sheltered"]].sum()
            f_occupancy[k, i] = held
            f_cost[k, i] = held * cost * dt_days if k > 0 else 0.0
        for i, (aid, sender, receiver, fid, profiles, fee) in enumerate(agreements):
            kind = "imprisoned" if facilities[facility_of[fid]][2] == "prison" else "sheltered"
            held = state[country[receiver], status[kind]].sum()
            a_held[k, i] = held
            a_fees[k, i] = held * fee * dt_days if k > 0 else 0.0
            a_quota[k, i] = quota_used[i]
        p_budget[k] = budget

    record(0)
    start = np.datetime64(start_date, "D")
    removed_recently, arrived_recently = 0.0, 1.0
    for k in range(1, records):
        day = start + np.timedelta64(int((k - 1) * dt_days), "D")
        weekday = int((day.astype("datetime64[D]").view("int64") - 4) % 7)  # 0 = Monday
        flow = {name: np.zeros((nc, ng)) for name in FLOWS}

        factor = (1.0 + removed_recently / max(arrived_recently, 1.0)) ** -0.3
        deterrence[k] = factor
        # Departures and re-migration.
        for g, (origin, per_day, _) in enumerate(GROUPS.values()):
            leaving = per_day * dt_days * factor
            state[country[origin], status["in_transit"], g] += leaving
            flow["departures"][country[origin], g] += leaving
        again = state[:, status["returned"], :] * 0.002 * dt_days * factor
        state[:, status["returned"], :] -= again
        state[:, status["in_transit"], :] += again
        flow["remigrations"] += again
        # Movement: deaths on the way, arrivals at the US border.
        moving = state[:, status["in_transit"], :].copy()
        deaths = moving * 0.0004 * dt_days
        arriving = moving * dt_days / 25.0
        state[:, status["in_transit"], :] -= deaths + arriving
        state[:, status["dead_or_missing"], :] += deaths
        flow["deaths"] += deaths
        arrivals = arriving.sum(axis=0)
        flow["arrivals"][usa] += arrivals
        # Enforcement: apprehension at the border and interior arrests, detention within beds.
        apprehended = arrivals * 0.6
        flow["apprehensions"][usa] += apprehended
        state[usa, status["at_large"]] += arrivals - apprehended
        arrested = state[usa, status["at_large"]] * 0.0008 * dt_days
        flow["arrests"][usa] += arrested
        state[usa, status["at_large"]] -= arrested
        queue = apprehended + arrested
        free = max(detention_capacity - state[usa, status["detained"]].sum(), 0.0)
        admitted = queue * min(1.0, free / queue.sum()) if queue.sum() > 0 else queue
        overflow = queue - admitted
        state[usa, status["detained"]] += admitted
        state[usa, status["at_large"]] += overflow
        flow["detention_intake"][usa] += admitted
        flow["overflow_releases"][usa] += overflow
        # Release after the maximum detention period (as a rate), settlements.
        released = state[usa, status["detained"]] * dt_days / 180.0
        state[usa, status["detained"]] -= released
        state[usa, status["at_large"]] += released
        flow["max_detention_releases"][usa] += released
        settling = state[usa, status["at_large"]] * 0.0001 * dt_days
        state[usa, status["at_large"]] -= settling
        state[usa, status["settled"]] += settling
        flow["settlements"][usa] += settling
        # Removals from the USA on ICE_AIR seats: home, or to a receiver under an agreement.
        removable = state[usa, status["detained"]] * dt_days / 30.0
        destination = np.full(ng, -1)
        agreement_of = np.full(ng, -1)
        for g in range(ng):
            if codes[nationality[g]] not in REFUSING:
                destination[g] = nationality[g]
                continue
            for i, (aid, sender, receiver, fid, profiles, fee) in enumerate(agreements):
                if profile[g] in profiles:
                    destination[g], agreement_of[g] = country[receiver], i
                    break
        removable[destination < 0] = 0.0
        for i, (aid, sender, receiver, fid, profiles, fee) in enumerate(agreements):
            facility = facilities[facility_of[fid]]
            kind = "imprisoned" if facility[2] == "prison" else "sheltered"
            room = max(facility[3] - state[country[receiver], status[kind]].sum(), 0.0)
            wanting = removable[agreement_of == i].sum()
            if wanting > room:
                removable[agreement_of == i] *= room / wanting
        flights_today = np.zeros(len(programmes))
        if programmes:
            seats = 0.0
            if weekday < 5 and budget[0] >= programmes[0][4]:
                flights_today[0] = 1.0
                seats = programmes[0][2]
            removed = removable * min(1.0, seats / removable.sum()) if removable.sum() > 0 else removable
            p_passengers[k, 0] = removed.sum()
        else:
            removed = removable
        state[usa, status["detained"]] -= removed
        flow["removals"][usa] += removed
        for g in range(ng):
            if removed[g] == 0:
                continue
            removals_by_destination[k, usa, destination[g]] += removed[g]
            if agreement_of[g] < 0:
                state[nationality[g], status["returned"], g] += removed[g]
                flow["returns_received"][nationality[g], g] += removed[g]
            else:
                i = agreement_of[g]
                receiver = country[agreements[i][2]]
                kind = "imprisoned" if facilities[facility_of[agreements[i][3]]][2] == "prison" else "sheltered"
                state[receiver, status[kind], g] += removed[g]
                flow["transfers_received"][receiver, g] += removed[g]
                a_transfers[k, i] += removed[g]
                quota_used[i] += removed[g]
        # Receivers: prison releases home; shelters repatriate onward on PAN_ONWARD, settle or abscond.
        if agreements:
            slv, pan = country["SLV"], country["PAN"]
            freed = state[slv, status["imprisoned"]] * dt_days / 365.0
            state[slv, status["imprisoned"]] -= freed
            flow["prison_releases"][slv] += freed
            sheltered = state[pan, status["sheltered"]].copy()
            onward = sheltered * dt_days / 14.0
            if programmes:
                seats = 0.0
                if weekday == 1 and budget[1] >= programmes[1][4]:
                    flights_today[1] = 1.0
                    seats = programmes[1][2]
                onward *= min(1.0, seats / onward.sum()) if onward.sum() > 0 else 0.0
                p_passengers[k, 1] = onward.sum()
            absconding = sheltered * 0.01 * dt_days
            settling = sheltered * 0.005 * dt_days
            state[pan, status["sheltered"]] -= onward + absconding + settling
            state[pan, status["at_large"]] += absconding
            state[pan, status["settled"]] += settling
            flow["onward_returns"][pan] += onward
            flow["absconded"][pan] += absconding
            flow["settlements"][pan] += settling
            for g in range(ng):
                home = nationality[g]
                state[home, status["returned"], g] += freed[g] + onward[g]
                flow["returns_received"][home, g] += freed[g] + onward[g]
        if programmes:
            p_flights[k] = flights_today
            p_cost[k] = flights_today * np.array([p[4] for p in programmes])
            budget = budget - p_cost[k]
        removed_recently = 0.9 * removed_recently + flow["removals"].sum()
        arrived_recently = 0.9 * arrived_recently + arrivals.sum()
        for name in FLOWS:
            flows[name][k] = flow[name]
        record(k)
    return {
        "stocks": stocks,
        "flows": flows,
        "removals_by_destination": removals_by_destination,
        "deterrence_factor": deterrence,
        "programmes": programmes,
        "agreements": agreements,
        "facilities": facilities,
        "programme_flights": p_flights,
        "programme_passengers": p_passengers,
        "programme_cost": p_cost,
        "programme_budget_left": p_budget,
        "agreement_transfers": a_transfers,
        "agreement_held": a_held,
        "agreement_fees": a_fees,
        "agreement_quota_used": a_quota,
        "facility_occupancy": f_occupancy,
        "facility_cost": f_cost,
    }


VARIABLES = {
    # name: (dimensions, units, long_name)
    "stocks": (("time", "country", "status", "group"), "persons", "persons by country, status and group"),
    "removals_by_destination": (("time", "country", "destination"), "persons", "removed in the step by sender to destination"),
    "deterrence_factor": (("time",), "1", "multiplier on departures and re-migration"),
    "programme_flights": (("time", "programme"), "flights", "flights flown in the step"),
    "programme_passengers": (("time", "programme"), "persons", "persons carried in the step"),
    "programme_cost": (("time", "programme"), "USD", "spent in the step"),
    "programme_budget_left": (("time", "programme"), "USD", "budget left after the step"),
    "agreement_transfers": (("time", "agreement"), "persons", "received in the step"),
    "agreement_held": (("time", "agreement"), "persons", "held at the end of the step"),
    "agreement_fees": (("time", "agreement"), "USD", "fees paid in the step"),
    "agreement_quota_used": (("time", "agreement"), "persons", "received since the start"),
    "facility_occupancy": (("time", "facility"), "persons", "persons held at the end of the step"),
    "facility_cost": (("time", "facility"), "USD", "occupancy cost in the step"),
}


def make_run_file(
    path,
    *,
    steps: int = 70,
    dt_days: float = 1.0,
    start_date: str = "2025-02-01",
    name: str = "fixture",
    format: str = "deportsim-run",
    format_version=(1, 1),
    mode: str = "expected",
    seed: int = 42,
    with_programmes: bool = True,
    with_agreements: bool = True,
    with_facilities: bool = True,
    fixed_length_strings: bool = False,
    attach_scales: bool = True,
    with_parameters: bool = True,
    monthly_quota: float = np.inf,
) -> Path:
    """Write a small valid run file (docs/output-format.md) at ``path`` and return the path.
    ``with_parameters=False`` leaves out the group ``parameters`` (and the attribute
    ``scenario_description``), as a file of format 1.0; ``monthly_quota`` is the recorded
    monthly quota of the agreement SLV_PRISON from day 35 on (the toy model does not apply
    it)."""
    path = Path(path)
    data = simulate(steps, dt_days, start_date, with_programmes, with_agreements, with_facilities)
    end = str(np.datetime64(start_date, "D") + np.timedelta64(int(round(steps * dt_days)), "D"))
    yaml_text = scenario_text(name, start_date, end, dt_days)
    fixed = fixed_length_strings
    with h5py.File(path, "w", track_order=True) as f:
        for key, value in (
            ("format", format), ("engine_version", "0.1.0"), ("git_revision", "unknown"),
            ("mode", mode), ("scenario_name", name), ("scenario_yaml", yaml_text),
            ("scenario_sha256", hashlib.sha256(yaml_text.encode()).hexdigest()),
            ("scenario_overrides", ""), ("start_date", start_date),
            ("created", "2025-02-01T00:00:00Z"), ("Conventions", "CF-1.8"),
        ) + ((("scenario_description", "Test fixture written by tests/python/conftest.py"),)
             if with_parameters else ()):
            _set_text_attribute(f, key, value, fixed)
        f.attrs["format_version"] = np.array(format_version, dtype=np.int32)
        f.attrs["seed"] = np.uint64(seed)
        f.attrs["dt_days"] = np.float64(dt_days)

        scales = {}
        time = f.create_dataset("time", data=np.arange(steps + 1) * float(dt_days))
        time.attrs["units"] = f"days since {start_date}"
        time.attrs["calendar"] = "proleptic_gregorian"
        time.attrs["long_name"] = "time"
        scales["time"] = time
        codes = [c[0] for c in COUNTRIES]
        labels = {
            "country": codes,
            "status": list(STATUSES),
            "group": list(GROUPS),
            "destination": codes,
        }
        if data["programmes"]:
            labels["programme"] = [p[0] for p in data["programmes"]]
        if data["agreements"]:
            labels["agreement"] = [a[0] for a in data["agreements"]]
        if data["facilities"]:
            labels["facility"] = [fac[0] for fac in data["facilities"]]
        for dim, values in labels.items():
            scales[dim] = _write_strings(f, dim, values, fixed)
            scales[dim].attrs["long_name"] = dim
        for scale_name, scale in scales.items():
            if attach_scales:
                scale.make_scale(scale_name)
        auxiliary = {
            "country_name": ("country", [c[1] for c in COUNTRIES]),
            "group_nationality": ("group", [g.split("/")[0] for g in GROUPS]),
            "group_profile": ("group", [g.split("/")[1] for g in GROUPS]),
        }
        if data["programmes"]:
            auxiliary["programme_sender"] = ("programme", [p[1] for p in data["programmes"]])
        if data["agreements"]:
            auxiliary["agreement_sender"] = ("agreement", [a[1] for a in data["agreements"]])
            auxiliary["agreement_receiver"] = ("agreement", [a[2] for a in data["agreements"]])
            auxiliary["agreement_disposition"] = (
                "agreement", ["imprison" if a[3] == "CECOT" else "shelter" for a in data["agreements"]])
        if data["facilities"]:
            auxiliary["facility_country"] = ("facility", [fac[1] for fac in data["facilities"]])
            auxiliary["facility_kind"] = ("facility", [fac[2] for fac in data["facilities"]])
        for var, (dim, values) in auxiliary.items():
            dataset = _write_strings(f, var, values, fixed)
            dataset.attrs["long_name"] = var.replace("_", " ")
            if attach_scales:
                dataset.dims[0].attach_scale(scales[dim])
        numeric_auxiliary = {"country_on_map": ("country", np.array([c[2] for c in COUNTRIES], dtype=np.int8), "1")}
        if data["facilities"]:
            numeric_auxiliary["facility_capacity"] = (
                "facility", np.array([fac[3] for fac in data["facilities"]]), "persons")
        for var, (dim, values, units) in numeric_auxiliary.items():
            dataset = f.create_dataset(var, data=values)
            dataset.attrs["units"] = units
            dataset.attrs["long_name"] = var.replace("_", " ")
            if attach_scales:
                dataset.dims[0].attach_scale(scales[dim])

        def write(group, var, values, dims, units, long_name):
            chunks = (min(len(values), 16),) + values.shape[1:]
            dataset = group.create_dataset(
                var, data=values, chunks=chunks, compression="gzip", compression_opts=4, shuffle=True)
            dataset.attrs["units"] = units
            dataset.attrs["long_name"] = long_name
            if attach_scales:
                for axis, dim in enumerate(dims):
                    dataset.dims[axis].attach_scale(scales[dim])

        for var, (dims, units, long_name) in VARIABLES.items():
            if any(dim not in scales for dim in dims):
                continue  # no programmes, agreements or facilities: no such variables
            write(f, var, np.asarray(data[var], dtype=float), dims, units, long_name)
        flows = f.create_group("flows")
        for flow_name in FLOWS:
            write(flows, flow_name, data["flows"][flow_name], ("time", "country", "group"),
                  "persons", flow_name.replace("_", " ") + " in the step")
        if with_parameters:
            parameters = f.create_group("parameters")
            _write_parameters(parameters, data, scales, write, steps, dt_days, start_date,
                              monthly_quota, fixed, attach_scales)
    return path


def _write_parameters(group, data, scales, write, steps, dt_days, start_date, monthly_quota,
                      fixed, attach_scales):
    """The group ``parameters`` of the toy run: what the toy model uses, constant but for the
    monthly quota of SLV_PRISON (infinite, then ``monthly_quota`` from day 35)."""
    records = steps + 1
    profiles = ["no_record", "nonviolent_record", "gang_tda", "gang_ms13"]
    scales["profile"] = _write_strings(group, "profile", profiles, fixed)
    if attach_scales:
        scales["profile"].make_scale("profile")

    def constant(values):
        return np.tile(np.asarray(values, dtype=float), (records, 1))

    series = {}
    if data["facilities"]:
        series["facility_capacity"] = (("time", "facility"), "persons",
                                       constant([fac[3] for fac in data["facilities"]]))
        series["facility_cost_per_person_day"] = (("time", "facility"), "USD per person-day",
                                                  constant([fac[4] for fac in data["facilities"]]))
    if data["programmes"]:
        start = np.datetime64(start_date, "D")
        scheduled = np.zeros((records, len(data["programmes"])))
        for k in range(1, records):
            day = start + np.timedelta64(int((k - 1) * dt_days), "D")
            weekday = int((day.view("int64") - 4) % 7)
            for position, programme in enumerate(data["programmes"]):
                flies = weekday < 5 if programme[3] == "weekdays" else weekday == 1
                scheduled[k, position] = programme[2] if flies else 0.0
        series["programme_seats_scheduled"] = (("time", "programme"), "seats", scheduled)
        series["programme_seats_per_flight"] = (("time", "programme"), "seats",
                                                constant([p[2] for p in data["programmes"]]))
        series["programme_cost_per_flight"] = (("time", "programme"), "USD",
                                               constant([p[4] for p in data["programmes"]]))
        series["programme_budget"] = (("time", "programme"), "USD",
                                      constant([p[5] for p in data["programmes"]]))
        series["programme_in_window"] = (("time", "programme"), "1",
                                         constant([1.0] * len(data["programmes"])))
        destinations = _write_strings(group, "programme_destinations",
                                      ["any"] * len(data["programmes"]), fixed)
        if attach_scales:
            destinations.dims[0].attach_scale(scales["programme"])
    if data["agreements"]:
        count = len(data["agreements"])
        quota = constant([np.inf] * count)
        quota[int(35 / dt_days) + 1:, 0] = monthly_quota
        series["agreement_monthly_quota"] = (("time", "agreement"), "persons per month", quota)
        series["agreement_total_quota"] = (("time", "agreement"), "persons",
                                           constant([np.inf] * count))
        series["agreement_fee_per_person_day"] = (("time", "agreement"), "USD per person-day",
                                                  constant([a[5] for a in data["agreements"]]))
        facility = _write_strings(group, "agreement_facility",
                                  [a[3] for a in data["agreements"]], fixed)
        if attach_scales:
            facility.dims[0].attach_scale(scales["agreement"])
    series["enforcement_max_detention_days"] = (
        ("time", "country"), "d", constant([30.0] + [np.inf] * (len(COUNTRIES) - 1)))
    for name, (dims, units, values) in series.items():
        write(group, name, values, dims, units, name.replace("_", " "))


@pytest.fixture
def run_file(tmp_path) -> Path:
    """A 70-day daily run file with programmes, agreements and facilities."""
    return make_run_file(tmp_path / "fixture.h5")


# -- the real engine ----------------------------------------------------------------------


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "engine: runs the deportsim binary; skipped when it is not built, failing under CI",
    )


def _missing_engine(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)")
    pytest.skip(reason)


# Options of the second engine run: the tiny scenario with quotas on its agreement (so the
# quotas bind) and deterrence (so the factor moves), for overlays and comparisons.
VARIANT_OPTIONS = (
    "--set", "agreements.usa_slv_prison.monthly_quota=20",
    "--set", "agreements.usa_slv_prison.total_quota=40",
    "--set", "deterrence={signal: removals_per_arrival, window_days: 14, elasticity: 0.5}",
)


def run_engine(output: Path, *options: str) -> Path:
    """Runs the engine on tests/scenarios/tiny.yaml with ``options``; skips (or, under CI,
    fails) when the binary or the scenario is missing."""
    binary = Path(os.environ.get("DEPORTSIM_BINARY", REPOSITORY / "build" / "release" / "deportsim"))
    if not binary.is_absolute():
        binary = REPOSITORY / binary
    scenario = REPOSITORY / "tests" / "scenarios" / "tiny.yaml"
    if not binary.exists():
        _missing_engine(f"engine binary {binary} not found (set DEPORTSIM_BINARY or build it)")
    if not scenario.exists():
        _missing_engine(f"scenario {scenario} not found")
    result = subprocess.run(
        [str(binary), "run", str(scenario), "-o", str(output), *options],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, (
        f"{binary} run {scenario} {' '.join(options)} failed with status "
        f"{result.returncode}:\n{result.stderr}"
    )
    assert output.exists(), f"{binary} reported success but wrote no {output}"
    return output


@pytest.fixture(scope="session")
def real_run(tmp_path_factory) -> Path:
    """A run file written by the engine from tests/scenarios/tiny.yaml."""
    return run_engine(tmp_path_factory.mktemp("engine") / "tiny.h5")


@pytest.fixture(scope="session")
def real_run_variant(tmp_path_factory) -> Path:
    """The tiny scenario with agreement quotas and deterrence (:data:`VARIANT_OPTIONS`)."""
    return run_engine(tmp_path_factory.mktemp("engine") / "tiny_quota.h5", *VARIANT_OPTIONS)


@pytest.fixture(scope="session")
def real_run_stochastic(tmp_path_factory) -> Path:
    """The tiny scenario in stochastic mode, seed 7."""
    return run_engine(tmp_path_factory.mktemp("engine") / "tiny_stochastic.h5",
                      "--mode", "stochastic", "--seed", "7")
