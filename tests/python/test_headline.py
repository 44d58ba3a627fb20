"""deportsim.headline: every headline number equals the same sum taken with h5py directly."""

from __future__ import annotations

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
                "max_detention_releases", "programme_cost_total", "deaths_in_transit",
                "agreement_fees_total", "facility_cost_total"):
        assert outcomes[key] > 0, key
    assert set(outcomes["removals_by_destination"]) == {"MEX", "GTM", "HND", "SLV", "PAN"}
    assert outcomes["cost_per_person_removed"] == pytest.approx(
        outcomes["programme_cost_total"] / outcomes["removals_total"])
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
    assert outcomes["programme_cost_total"] == 0.0
    assert outcomes["cost_per_person_removed"] is None
    assert outcomes["imprisoned_abroad_end"] == 0.0
    assert outcomes["removals_total"] > 0
