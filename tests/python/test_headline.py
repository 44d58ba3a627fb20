"""deportsim.headline: every headline number equals the same sum taken with h5py directly, and
the metrics are those of sim/core/headline.hpp: the same names, units and descriptions, and
on a real run the same values as `deportsim info --format csv` (the C++ HeadlineRecorder)."""

from __future__ import annotations

import csv
import io
import math
import os
import re
import subprocess
from pathlib import Path

import h5py
import pytest

import deportsim
from conftest import make_run_file
from direct import headline_from_h5py


def assert_headline_matches_file(path):
    expected = headline_from_h5py(path)
    with deportsim.open_run(path) as run:
        outcomes = deportsim.headline(run)
    for key, value in expected.items():
        got = outcomes[key]
        if isinstance(value, dict):
            if key == "final_stocks_by_status":  # every status, in the file's order
                assert list(got) == list(value), key
            else:  # labels with a non-zero total, largest first
                assert list(got) == sorted(value, key=lambda k: (-value[k], k)), key
            assert got == pytest.approx(value, rel=1e-12), key
        elif value is None:
            assert got is None, key
        else:
            assert got == pytest.approx(value, rel=1e-12), key
    return outcomes


def test_headline_equals_direct_sums(run_file):
    outcomes = assert_headline_matches_file(run_file)
    # The fixture exercises every entry: nothing is trivially zero.
    for key in ("imprisoned_abroad_end", "removals_total", "detention_peak",
                "max_detention_releases_total", "flight_cost_total", "deaths_total",
                "fees_total", "detention_cost_total", "departures_total"):
        assert outcomes[key] > 0, key
    assert set(outcomes["facility_cost_by_kind"]) == {"detention", "prison", "shelter"}
    assert set(outcomes["removals_by_destination"]) == {"MEX", "GTM", "HND", "SLV", "PAN"}
    assert outcomes["cost_per_removal"] == pytest.approx(
        outcomes["flight_cost_total"] / outcomes["removals_total"])
    assert outcomes["detention_peak_date"] >= "2025-02-01"
    assert outcomes["imprisoned_abroad_end"] == outcomes["final_stocks_by_status"]["imprisoned"]


def test_detention_peak_overall_is_the_peak_of_the_sum_not_the_sum_of_peaks(tmp_path):
    path = make_run_file(tmp_path / "r.h5")
    with h5py.File(path, "r+") as f:  # detainees in Mexico too, peaking on another day
        stocks = f["stocks"][()]
        stocks[:, 1, 2, 0] = 0.0
        stocks[5, 1, 2, 0] = 1000.0
        f["stocks"][...] = stocks
    outcomes = assert_headline_matches_file(path)
    peaks = outcomes["detention_peak_by_country"]
    assert list(peaks) == ["USA", "MEX"] and peaks["MEX"] == 1000.0
    assert outcomes["detention_peak"] < peaks["USA"] + peaks["MEX"]
    assert outcomes["detention_peak_date"] == "2025-02-06"


def test_headline_without_programmes_has_no_cost_per_person(tmp_path):
    path = make_run_file(tmp_path / "bare.h5", with_programmes=False, with_agreements=False,
                         with_facilities=False)
    outcomes = assert_headline_matches_file(path)
    assert outcomes["flight_cost_total"] == 0.0
    assert outcomes["cost_per_removal"] is None
    assert outcomes["imprisoned_abroad_end"] == 0.0
    assert outcomes["removals_total"] > 0


REPOSITORY = Path(__file__).resolve().parents[2]


def cpp_headline_metrics() -> list[tuple[str, str, str]]:
    """(name, units, description) of every metric, read from sim/core/headline.hpp's
    headline_metrics initialiser (a description may be several adjacent string literals)."""
    text = (REPOSITORY / "sim" / "core" / "headline.hpp").read_text()
    body = text[text.index("headline_metrics = {{") + len("headline_metrics = {"):]
    body = body[:body.index("}};")]
    metrics = []
    for entry in re.findall(r"\{([^{}]*)\}", body):
        strings = re.findall(r'"((?:[^"\\]|\\.)*)"', entry)
        metrics.append((strings[0], strings[1], "".join(strings[2:])))
    return metrics


def test_the_metrics_are_those_of_the_cpp_header():
    from deportsim.headline import METRICS

    assert len(METRICS) == 15
    assert list(METRICS) == cpp_headline_metrics()


def test_the_metrics_lead_the_headline_in_their_order(run_file):
    from deportsim.headline import BREAKDOWNS, METRIC_NAMES

    with deportsim.open_run(run_file) as run:
        keys = list(deportsim.headline(run))
    assert [k for k in keys if k in METRIC_NAMES] == list(METRIC_NAMES)
    assert set(keys) == set(METRIC_NAMES) | {name for name, _, _, _ in BREAKDOWNS}
    for name, _, _, after in BREAKDOWNS:  # each breakdown right after what it details
        assert keys.index(name) == keys.index(after) + 1, name


@pytest.mark.engine
@pytest.mark.parametrize("fixture", ["real_run", "real_run_variant", "real_run_stochastic"])
def test_python_and_cpp_give_the_same_headline_on_a_real_run(fixture, request):
    path = request.getfixturevalue(fixture)
    binary = Path(os.environ.get("DEPORTSIM_BINARY", REPOSITORY / "build" / "release" / "deportsim"))
    result = subprocess.run([str(binary), "info", str(path), "--format", "csv"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    with deportsim.open_run(path) as run:
        outcomes = deportsim.headline(run)
    from deportsim.headline import METRICS

    assert [(r["metric"], r["units"]) for r in rows] == [(n, u) for n, u, _ in METRICS]
    for row in rows:
        ours = outcomes[row["metric"]]
        if row["value"] == "":
            assert ours is None, row["metric"]
        else:
            assert ours == pytest.approx(float(row["value"]), rel=1e-12, abs=1e-9), row["metric"]
    # removals_total counts onward repatriations from shelters: more than the flow `removals`
    # (the senders' removals) when the run has any.
    with deportsim.open_run(path) as run:
        onward = float(run.totals("flows/onward_returns", keep=()))
        senders = float(run.totals("flows/removals", keep=()))
    assert outcomes["removals_total"] == pytest.approx(senders + onward, rel=1e-9)
