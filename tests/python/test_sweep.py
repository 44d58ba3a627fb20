"""Sweep files written by the engine (``deportsim sweep``) read back, checked against run files,
and plotted: deportsim.sweep.

The sweeps are tests/sweeps/*.yaml on tests/scenarios/tiny.yaml, run once per session with
$DEPORTSIM_BINARY (default build/release/deportsim). Like the ``engine`` tests of conftest.py
they skip when the binary is missing, and fail instead when the environment variable CI is set.
"""

from __future__ import annotations

import os
import struct
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest

import deportsim
from deportsim.run import FormatError
from deportsim.sweep import (
    METRICS,
    is_sweep_file,
    open_sweep,
    plot_sweep,
    run_metrics,
    sobol_analysis,
    sobol_design_outputs,
)

REPOSITORY = Path(__file__).resolve().parents[2]
SWEEPS = REPOSITORY / "tests" / "sweeps"
pytestmark = pytest.mark.engine


def _binary() -> Path:
    binary = Path(os.environ.get("DEPORTSIM_BINARY", REPOSITORY / "build" / "release" / "deportsim"))
    if not binary.is_absolute():
        binary = REPOSITORY / binary
    if not binary.exists():
        reason = f"engine binary {binary} not found (set DEPORTSIM_BINARY or build it)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)")
        pytest.skip(reason)
    return binary


def _run(*args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([str(_binary()), *args], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"deportsim {' '.join(args)} failed:\n{result.stderr}"
    return result


@pytest.fixture(scope="session")
def sweeps(tmp_path_factory) -> dict[str, Path]:
    """grid, latin_hypercube, sobol and one_point sweeps, each written once."""
    directory = tmp_path_factory.mktemp("sweeps")
    paths = {}
    for name in ("grid", "latin_hypercube", "sobol", "one_point", "ensemble"):
        paths[name] = directory / f"{name}.h5"
        _run("sweep", str(SWEEPS / f"{name}.yaml"), "-o", str(paths[name]), "--jobs", "2",
             "--quiet")
    return paths


# The run seed of docs/sweep-format.md, transcribed independently of sim/sweep/seed.hpp.
MASK = (1 << 64) - 1


def _mix(x: int) -> int:
    z = (x + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def run_seed(seed: int, point: int, replicate: int) -> int:
    return _mix(_mix(_mix(seed) ^ point) ^ replicate)


# -- reading --------------------------------------------------------------------------------


def test_a_grid_sweep_opens_labelled_with_every_run_complete(sweeps):
    ds = open_sweep(sweeps["grid"])
    assert ds.attrs["format"] == "deportsim-sweep"
    assert list(ds.attrs["format_version"]) == [1, 0]
    assert ds.attrs["design"] == "grid" and ds.attrs["mode"] == "stochastic"
    assert ds.attrs["replicates"] == 2
    assert ds.attrs["sweep_yaml"] == (SWEEPS / "grid.yaml").read_text()
    assert ds.attrs["base_scenario_yaml"] == (REPOSITORY / "tests/scenarios/tiny.yaml").read_text()
    assert dict(ds.sizes) == {"point": 4, "parameter": 2, "replicate": 2, "metric": 15, "time": 61}
    assert list(ds.metric.values) == list(METRICS)
    assert list(ds.parameter.values) == [
        "flight_programmes.us_removal_flights.seats_per_flight", "enforcement.USA.arrest_per_day"]
    assert list(ds.parameter_distribution.values) == ["values", "loguniform"]
    assert ds.parameter_units.values[1] == "per day"
    # The last parameter varies fastest.
    np.testing.assert_array_equal(ds.points.values, [[10, 0.005], [10, 0.02], [30, 0.005], [30, 0.02]])
    assert ds.complete.values.tolist() == [[1, 1]] * 4
    assert ds.time.values[0] == np.datetime64("2025-02-04")
    assert ds.time.values[-1] == np.datetime64("2025-04-05")
    assert ds.attrs["series"] == ["stocks.detained", "stocks.imprisoned.SLV", "flows.removals.USA"]
    assert ds["stocks.detained"].dims == ("point", "replicate", "time")
    assert np.all(ds["stocks.detained"].values[:, :, 0] == 30)  # the initial detainees
    for point in range(4):
        for replicate in range(2):
            assert int(ds.run_seed.values[point, replicate]) == run_seed(11, point, replicate)
    # Stochastic replicates differ; more arrests fill detention sooner and cost more.
    removals = ds.summary.sel(metric="removals_total").values
    assert removals[0, 0] != removals[0, 1]
    assert np.all(removals == np.round(removals))


def test_the_file_is_netcdf_readable_as_it_is(sweeps):
    import xarray

    with xarray.open_dataset(sweeps["grid"]) as root:
        assert root.summary.dims == ("point", "replicate", "metric")
        assert "metric_units" in root.coords
    with xarray.open_dataset(sweeps["grid"], group="series") as series:
        assert series["flows.removals.USA"].shape == (4, 2, 61)


def test_open_sweep_refuses_other_files(sweeps, run_file, tmp_path):
    assert is_sweep_file(sweeps["grid"]) and not is_sweep_file(run_file)
    with pytest.raises(FormatError, match="deportsim-run"):
        open_sweep(run_file)
    with pytest.raises(FileNotFoundError, match="no such file"):
        open_sweep(tmp_path / "none.h5")
    (tmp_path / "unfinished.h5.runs").mkdir()
    with pytest.raises(FileNotFoundError, match="--resume"):
        open_sweep(tmp_path / "unfinished.h5")
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f.attrs["format"] = "deportsim-sweep"
        f.attrs["format_version"] = np.array([2, 0], dtype=np.int32)
    with pytest.raises(FormatError, match="version 2.0"):
        open_sweep(other)


def test_an_ensemble_has_one_point_and_no_parameter(sweeps):
    ds = open_sweep(sweeps["ensemble"])
    assert ds.sizes["point"] == 1 and ds.sizes["parameter"] == 0 and ds.sizes["replicate"] == 12
    assert ds.points.shape == (1, 0)
    removals = ds.summary.sel(metric="removals_total").values[0]
    assert len(set(removals.tolist())) > 1  # stochastic replicates differ
    assert [int(s) for s in ds.run_seed.values[0]] == [run_seed(3, 0, r) for r in range(12)]
    from deportsim.sweep import plot_ensemble

    _, quantiles = plot_ensemble(ds)
    assert quantiles["removals_total"][1] == pytest.approx(np.median(removals))


def test_latin_hypercube_points_fill_every_stratum(sweeps):
    ds = open_sweep(sweeps["latin_hypercube"])
    days = ds.points.sel(parameter="enforcement.USA.processing_mean_days").values
    # loguniform on [1, 20]: u = log(days) / log(20), one point in each eighth of [0, 1).
    strata = np.floor(np.log(days) / np.log(20.0) * 8).astype(int)
    assert sorted(strata.tolist()) == list(range(8))
    capacity = ds.points.sel(parameter="countries.SLV.facilities.slv_prison.capacity").values
    assert np.all(capacity == np.round(capacity)) and ds.parameter_integer.values[0] == 1
    assert ds.attrs["series"] == [f"stocks.{s}" for s in deportsim.run.STATUSES]


def test_sobol_points_follow_the_documented_layout(sweeps):
    ds = open_sweep(sweeps["sobol"])
    n, d = 8, 2
    assert ds.sizes["point"] == n * (d + 2)
    points = ds.points.values
    matrix, row = ds.sobol_matrix.values, ds.sobol_row.values
    assert matrix.tolist() == [k for k in range(d + 2) for _ in range(n)]
    a = points[matrix == 0][np.argsort(row[matrix == 0])]
    b = points[matrix == 1][np.argsort(row[matrix == 1])]
    for i in range(d):
        ab = points[matrix == 2 + i][np.argsort(row[matrix == 2 + i])]
        expected = a.copy()
        expected[:, i] = b[:, i]
        np.testing.assert_array_equal(ab, expected)
    # The outputs split back into y_A, y_B, y_AB by the same layout.
    y_a, y_b, y_ab = sobol_design_outputs(ds, points[:, 0])
    np.testing.assert_array_equal(y_a, a[:, 0])
    np.testing.assert_array_equal(y_ab[1], a[:, 0])
    np.testing.assert_array_equal(y_ab[0], b[:, 0])
    indices = sobol_analysis(ds, ["fees_total", "departures_total"], bootstrap=100)
    # Fees depend on the fee: its indices carry most of the variance; the seats' do not.
    fees = indices["fees_total"]
    assert fees.total[1] > 0.5 and abs(fees.first[0]) < 0.1
    assert np.all(np.isnan(indices["departures_total"].first))  # departures do not vary


# -- the same numbers as a run file ---------------------------------------------------------


def test_summary_of_a_one_point_sweep_equals_the_headline_of_the_same_run(sweeps, tmp_path):
    ds = open_sweep(sweeps["one_point"])
    seed = int(ds.run_seed.values[0, 0])
    assert seed == run_seed(2025, 0, 0)
    run_path = tmp_path / "same.h5"
    _run("run", str(REPOSITORY / "tests/scenarios/tiny.yaml"), "--mode", "stochastic",
         "--seed", str(seed), "-o", str(run_path), "--quiet")
    with deportsim.open_run(run_path) as run:
        expected = run_metrics(run)
        headline = deportsim.headline(run)
        summary = ds.summary.values[0, 0]
        for metric, value in zip(METRICS, summary):
            if np.isnan(expected[metric]):
                assert np.isnan(value), metric
            else:
                assert value == pytest.approx(expected[metric], rel=1e-9, abs=1e-9), metric
        # The shared numbers are deportsim.headline's own.
        assert summary[METRICS.index("removals_total")] == pytest.approx(
            headline["removals_total"], rel=1e-9)
        assert summary[METRICS.index("flight_cost_total")] == pytest.approx(
            headline["flight_cost_total"], rel=1e-9)
        assert expected["removals_total"] > 0 and expected["imprisoned_abroad_end"] > 0
        # Series: the stocks by status and the flows, every step.
        by_status = run.totals("stocks", keep=("time", "status"))
        for k, status in enumerate(run.statuses):
            np.testing.assert_allclose(ds[f"stocks.{status}"].values[0, 0], by_status[:, k],
                                       rtol=1e-12)
        np.testing.assert_allclose(ds["flows.removals"].values[0, 0],
                                   run.totals("flows/removals", keep=("time",)), rtol=1e-12)
        np.testing.assert_allclose(
            ds["flows.returns_received.GTM"].values[0, 0],
            run.totals("flows/returns_received", keep=("time",), country="GTM"), rtol=1e-12)


# -- figures --------------------------------------------------------------------------------


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def test_plot_sweep_draws_response_curves_a_heatmap_and_sobol_bars(sweeps, tmp_path):
    grid = plot_sweep(sweeps["grid"], tmp_path / "grid")
    assert [p.name for p in grid] == [
        "response_0_flight_programmes_us_removal_flights_seats_per_flight.png",
        "response_1_enforcement_USA_arrest_per_day.png",
        "heatmap.png",
    ]
    lhs = plot_sweep(sweeps["latin_hypercube"], tmp_path / "lhs")
    assert len(lhs) == 2 and all(p.name.startswith("response_") for p in lhs)
    sobol = plot_sweep(sweeps["sobol"], tmp_path / "sobol")
    assert [p.name for p in sobol] == ["sobol_indices.png"]
    ensemble = plot_sweep(sweeps["ensemble"], tmp_path / "ensemble")
    assert [p.name for p in ensemble] == ["ensemble.png"]
    for path in grid + lhs + sobol + ensemble:
        width, height = _png_size(path)
        assert width == 1800 and height > 1000, path
    # Default directory: next to the file.
    default = plot_sweep(sweeps["one_point"])
    assert default[0].parent == sweeps["one_point"].with_name("one_point-figures")


def test_plotted_bands_are_quantiles_of_the_replicates(sweeps):
    from deportsim.sweep import plot_heatmap, plot_response

    ds = open_sweep(sweeps["grid"])
    _, data = plot_response(ds, "flight_programmes.us_removal_flights.seats_per_flight")
    removals = ds.summary.sel(metric="removals_total").values  # (point, replicate)
    # One line per arrest rate; at 10 seats and arrest rate 0.005 (point 0), the median of the
    # two replicates is their mean.
    line = data[("removals_total", (0.005,))]
    assert line[2][0] == pytest.approx(removals[0].mean())
    assert line[2][1] == pytest.approx(removals[2].mean())
    _, means = plot_heatmap(ds)
    np.testing.assert_allclose(means["removals_total"], removals.mean(axis=1).reshape(2, 2))
