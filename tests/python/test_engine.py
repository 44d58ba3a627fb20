"""The package on a run file written by the engine itself (tests/scenarios/tiny.yaml).

Skipped when the engine is not built, except under CI, where a missing engine fails
(see the ``real_run`` fixture in conftest.py).
"""

from __future__ import annotations

import csv
import io
import json

import h5py
import numpy as np
import pytest

import deportsim
from deportsim import figures
from direct import headline_from_h5py, png_size

DOCUMENTED_STATUSES = [
    "in_transit", "at_large", "detained", "imprisoned",
    "sheltered", "returned", "settled", "dead_or_missing",
]


@pytest.mark.engine
def test_engine_run_file_reads_sums_plots_and_summarises(real_run, tmp_path):
    # What the reader relies on: every dimension of every variable has a scale attached.
    with h5py.File(real_run, "r") as f:
        def check(name, obj):
            if isinstance(obj, h5py.Dataset) and not h5py.h5ds.is_scale(obj.id):
                for axis in range(obj.ndim):
                    assert len(obj.dims[axis]) == 1, f"{name} axis {axis} has no dimension scale"
                assert "units" in obj.attrs and "long_name" in obj.attrs, name
        f.visititems(check)

    with deportsim.open_run(real_run) as run:
        assert run.format_version[0] == deportsim.SUPPORTED_MAJOR
        assert run.scenario_name == "tiny"
        assert list(run.statuses) == DOCUMENTED_STATUSES
        assert {"GTM", "USA", "SLV", "VEN"} <= set(run.countries)
        assert sorted(run.groups) == ["GTM/no_record", "VEN/gang_tda"]
        assert dict(zip(run.groups, run.group_profile)) == {
            "GTM/no_record": "no_record", "VEN/gang_tda": "gang_tda"}
        assert list(run.programmes) == ["us_removal_flights"]
        assert list(run.agreements) == ["usa_slv_prison"]
        assert set(run.facilities) == {"us_detention", "slv_prison"}
        assert run.dates[0] == np.datetime64("2025-02-04")
        assert run.dates[-1] == np.datetime64("2025-04-05")
        assert run.stocks().shape == (61, len(run.countries), 8, 2)
        assert set(run.flow_names) >= {"departures", "removals", "deaths", "max_detention_releases"}

        # The flows agree with the sender x destination removals.
        np.testing.assert_allclose(
            run.flow("removals").sum(axis=2), run.removals_by_destination().sum(axis=2),
            rtol=1e-9, atol=1e-9,
        )

        outcomes = deportsim.headline(run)
        for key, value in headline_from_h5py(real_run).items():
            if value is None:
                assert outcomes[key] is None, key
            else:
                assert outcomes[key] == pytest.approx(value, rel=1e-12), key
        assert outcomes["removals_total"] > 0
        assert outcomes["imprisoned_abroad_end"] > 0  # the prison fills in the first weeks

        written = figures.write_figures(run, tmp_path / "figures")
        assert len(written) == len(figures.FIGURES)
        assert all(png_size(path)[0] == 1800 for path in written)
        pipeline = figures.plot_pipeline(run)
        plotted = sum({**pipeline.data["outside"], **pipeline.data["pipeline"]}.values())
        np.testing.assert_allclose(plotted, run.stocks().sum(axis=(1, 2, 3)), rtol=1e-12)

        parsed = json.loads(deportsim.summary(run, "json"))
        assert parsed["run"]["scenario_sha256"] == run.scenario_sha256
        rows = list(csv.DictReader(io.StringIO(deportsim.summary(run, "csv"))))
        assert {row["metric"] for row in rows} >= {"removals_total", "detention_peak"}

    # The netCDF claim of docs/output-format.md, where an xarray netCDF engine is installed.
    try:
        import h5netcdf  # noqa: F401
        import xarray
    except ImportError:
        return
    with xarray.open_dataset(real_run, engine="h5netcdf") as dataset:
        assert dataset["stocks"].dims == ("time", "country", "status", "group")


@pytest.mark.engine
def test_engine_parameters_are_the_scenario_values_and_read_with_xarray(real_run_variant):
    # tiny.yaml with --set monthly_quota=20, total_quota=40 on usa_slv_prison.
    with deportsim.open_run(real_run_variant) as run:
        assert run.format_version[1] >= 1 and run.has_parameters
        monthly = run.parameter("agreement_monthly_quota", agreement="usa_slv_prison")
        total = run.parameter("agreement_total_quota", agreement="usa_slv_prison")
        assert set(monthly) == {20.0} and set(total) == {40.0}
        assert len(monthly) == len(run.times)
        scheduled = run.parameter("programme_seats_scheduled")
        assert scheduled[0].sum() == 0 and scheduled.sum() > 0  # record 0 holds no step
    try:
        import xarray
    except ImportError:
        return
    # Durations in days (units "d") stay numbers, "no limit" stays inf.
    with xarray.open_dataset(real_run_variant, group="parameters") as parameters:
        assert parameters["enforcement_max_detention_days"].dtype == float
        assert parameters["agreement_monthly_quota"].dims == ("time", "agreement")
        assert float(parameters["programme_budget"].max()) > 0
