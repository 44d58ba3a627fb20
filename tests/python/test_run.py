"""deportsim.run: opening run files, labels, dates, selections, format checks, xarray views."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

import deportsim
from conftest import COUNTRIES, FLOWS, GROUPS, STATUSES, make_run_file
from deportsim import run as run_module


def test_labels_dates_and_shapes(run_file):
    with deportsim.open_run(run_file) as run:
        assert list(run.countries) == [c[0] for c in COUNTRIES]
        assert list(run.country_names) == [c[1] for c in COUNTRIES]
        assert list(run.country_on_map) == [bool(c[2]) for c in COUNTRIES]
        assert list(run.statuses) == list(STATUSES)
        assert list(run.groups) == list(GROUPS)
        assert list(run.group_nationality) == [g.split("/")[0] for g in GROUPS]
        assert list(run.group_profile) == [g.split("/")[1] for g in GROUPS]
        assert list(run.destinations) == list(run.countries)
        assert list(run.programmes) == ["ICE_AIR", "PAN_ONWARD"]
        assert list(run.agreements) == ["SLV_PRISON", "PAN_SHELTER"]
        assert list(run.facilities) == ["USA_DETENTION", "CECOT", "PAN_SHELTER"]
        assert list(run.facility_kind) == ["detention", "prison", "shelter"]
        assert list(run.facility_country) == ["USA", "SLV", "PAN"]
        np.testing.assert_array_equal(run.facility_capacity, [4000.0, 600.0, 400.0])

        assert run.dates.dtype == np.dtype("datetime64[D]")
        assert len(run.dates) == 71
        assert run.dates[0] == np.datetime64("2025-02-01")
        assert run.dates[-1] == np.datetime64("2025-04-12")
        assert np.all(np.diff(run.dates) == np.timedelta64(1, "D"))
        assert run.start_date == np.datetime64("2025-02-01")

        assert run.stocks().shape == (71, len(COUNTRIES), len(STATUSES), len(GROUPS))
        assert run.dims("stocks") == ("time", "country", "status", "group")
        assert run.dims("flows/removals") == ("time", "country", "group")
        assert run.dims("removals_by_destination") == ("time", "country", "destination")
        assert run.dims("facility_occupancy") == ("time", "facility")
        assert run.flow("removals").shape == (71, len(COUNTRIES), len(GROUPS))
        assert run.flow_names == list(FLOWS)
        assert run.units("programme_cost") == "USD"

        assert run.format_version == (1, 1)
        assert run.attrs["format"] == "deportsim-run"
        assert run.attrs["format_version"] == [1, 1]
        assert run.seed == 42 and isinstance(run.seed, int)
        assert run.mode == "expected"
        assert run.dt_days == 1.0
        assert run.scenario_name == "fixture"
        assert len(run.scenario_sha256) == 64
        assert run.scenario_description == "Test fixture written by tests/python/conftest.py"
        assert isinstance(run.attrs["scenario_yaml"], str)  # decoded text, not bytes
        assert run.scenario_sha256[:12] in run.source_line()


def test_parameters_in_force_are_read_by_name_and_label(run_file):
    with deportsim.open_run(run_file) as run:
        assert run.has_parameters
        assert "facility_capacity" in run.parameter_names()
        assert "profile" not in run.parameter_names()  # a dimension, not a series
        capacity = run.parameter("facility_capacity", facility="CECOT")
        assert capacity.shape == (71,) and set(capacity) == {600.0}
        assert run.parameter("programme_seats_per_flight", programme="ICE_AIR")[0] == 135
        assert run.dims("parameters/facility_capacity") == ("time", "facility")
        assert list(run.profiles) == ["no_record", "nonviolent_record", "gang_tda", "gang_ms13"]
        assert list(run.parameter_labels("agreement_facility")) == ["CECOT", "PAN_SHELTER"]
        with pytest.raises(KeyError, match="no parameter 'beds'"):
            run.parameter("beds")


def test_a_format_1_0_file_opens_and_says_it_has_no_parameters(tmp_path):
    path = make_run_file(tmp_path / "old.h5", format_version=(1, 0), with_parameters=False)
    with deportsim.open_run(path) as run:
        assert run.format_version == (1, 0)
        assert not run.has_parameters and run.parameter_names() == []
        assert run.scenario_description is None
        with pytest.raises(deportsim.FormatError, match=r"format 1\.0 has no group 'parameters'"):
            run.parameter("facility_capacity")
        # What the file itself records still reads; the limits only /parameters has do not.
        specs = deportsim.specs.programme_specs(run)
        assert specs["ICE_AIR"].seats_scheduled is None
        assert specs["PAN_ONWARD"].budget == 2.7e6
        agreements = deportsim.specs.agreement_specs(run)
        assert agreements["SLV_PRISON"].monthly_quota is None
        assert agreements["SLV_PRISON"].facility == "CECOT"
        assert list(deportsim.specs.facility_capacity(run, "CECOT")) == [600.0] * 71


def test_auxiliary_coordinates_are_labels_not_data(run_file):
    with deportsim.open_run(run_file) as run:
        assert list(run.coordinate("programme_sender")) == ["USA", "PAN"]
        assert list(run.coordinate("agreement_receiver")) == ["SLV", "PAN"]
        assert sorted(run.coordinate_names("agreement")) == [
            "agreement_disposition", "agreement_receiver", "agreement_sender"]
        assert "country_name" in run.coordinate_names("country")
        names = run.variable_names()
        assert "programme_sender" not in names and "country_name" not in names
        assert "stocks" in names and "flows/permit_releases" in names
        with pytest.raises(KeyError, match="no auxiliary coordinate 'stocks'"):
            run.coordinate("stocks")


def test_reads_are_lazy_and_the_file_closes(run_file):
    with deportsim.open_run(run_file) as run:
        stocks = run.variable("stocks")
        assert isinstance(stocks, h5py.Dataset)  # nothing read until sliced
        assert stocks.chunks is not None
    assert not stocks.id.valid  # leaving the with-block closed the file


def test_selection_by_label_matches_raw_slices(run_file):
    with h5py.File(run_file, "r") as f:
        raw = f["stocks"][()]
    with deportsim.open_run(run_file) as run:
        usa, detained = 0, STATUSES.index("detained")
        np.testing.assert_array_equal(run.stocks(status="detained", country="USA"), raw[:, usa, detained, :])
        picked = run.stocks(country=["SLV", "USA"], status="imprisoned")
        np.testing.assert_array_equal(picked, raw[:, [4, 0], STATUSES.index("imprisoned"), :])
        assert run.read_dims("stocks", country=["SLV", "USA"], status="imprisoned") == ("time", "country", "group")
        np.testing.assert_array_equal(run.stocks(time="2025-02-03"), raw[2])
        np.testing.assert_array_equal(run.stocks(time=-1), raw[-1])
        with pytest.raises(KeyError, match="labels: USA, MEX"):
            run.stocks(country="XXX")
        with pytest.raises(KeyError, match="cannot select on"):
            run.stocks(programme="ICE_AIR")


def test_totals_equal_numpy_sums_also_when_read_in_blocks(run_file, monkeypatch):
    with h5py.File(run_file, "r") as f:
        raw = f["stocks"][()]
    with deportsim.open_run(run_file) as run:
        whole = run.totals("stocks", keep=("time", "status"))
        monkeypatch.setattr(run_module, "_BLOCK_ELEMENTS", 50)  # forces many small blocks
        blocked = run.totals("stocks", keep=("time", "status"))
        blocked_all = run.totals("stocks", keep=())
        detained = run.totals("stocks", keep=("time",), status="detained")
    np.testing.assert_allclose(whole, raw.sum(axis=(1, 3)), rtol=1e-13)
    np.testing.assert_allclose(blocked, raw.sum(axis=(1, 3)), rtol=1e-13)
    assert blocked_all == pytest.approx(raw.sum(), rel=1e-13)
    np.testing.assert_allclose(detained, raw[:, :, 2, :].sum(axis=(1, 2)), rtol=1e-13)


def test_fixed_length_strings_read_like_variable_length(tmp_path):
    variable = make_run_file(tmp_path / "vlen.h5")
    fixed = make_run_file(tmp_path / "fixed.h5", fixed_length_strings=True)
    with deportsim.open_run(variable) as a, deportsim.open_run(fixed) as b:
        for name in ("countries", "country_names", "groups", "group_profile", "facilities", "facility_kind"):
            assert list(getattr(a, name)) == list(getattr(b, name)), name
        assert b.scenario_name == "fixture" and b.mode == "expected"
        assert b.attrs["scenario_sha256"] == a.attrs["scenario_sha256"]
        np.testing.assert_array_equal(a.dates, b.dates)


def test_dimensions_fall_back_to_the_documented_ones_without_scales(tmp_path):
    path = make_run_file(tmp_path / "noscales.h5", attach_scales=False)
    with deportsim.open_run(path) as run:
        assert run.dims("stocks") == ("time", "country", "status", "group")
        assert run.dims("flows/arrests") == ("time", "country", "group")
        assert run.stocks(status="at_large", country="USA").shape == (71, len(GROUPS))


def test_fractional_steps_give_exact_datetimes_and_day_dates(tmp_path):
    path = make_run_file(tmp_path / "half.h5", steps=6, dt_days=0.5)
    with deportsim.open_run(path) as run:
        assert run.dt_days == 0.5
        assert run.datetimes[1] == np.datetime64("2025-02-01T12:00:00")
        assert list(run.dates[:4].astype(str)) == ["2025-02-01", "2025-02-01", "2025-02-02", "2025-02-02"]


def test_a_scenario_without_programmes_agreements_or_facilities(tmp_path):
    path = make_run_file(
        tmp_path / "bare.h5", with_programmes=False, with_agreements=False, with_facilities=False
    )
    with deportsim.open_run(path) as run:
        assert run.programmes.size == 0 and run.agreements.size == 0 and run.facilities.size == 0
        assert not run.has("programme_cost")
        with pytest.raises(KeyError, match="no variable 'programme_cost'"):
            run.read("programme_cost")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"format": "deportsim-sweep"}, "format = 'deportsim-sweep', expected 'deportsim-run'"),
        ({"format_version": (2, 0)}, "format version 2.0 is not supported"),
        ({"format_version": (0, 9)}, "format version 0.9 is not supported"),
    ],
)
def test_wrong_type_or_major_version_is_a_format_error(tmp_path, kwargs, message):
    path = make_run_file(tmp_path / "other.h5", steps=3, **kwargs)
    with pytest.raises(deportsim.FormatError, match=message):
        deportsim.open_run(path)


def test_a_newer_minor_version_is_read(tmp_path):
    path = make_run_file(tmp_path / "minor.h5", steps=3, format_version=(1, 7))
    with deportsim.open_run(path) as run:
        assert run.format_version == (1, 7)


def test_files_that_are_not_run_files(tmp_path):
    text = tmp_path / "notes.h5"
    text.write_text("not hdf5\n")
    with pytest.raises(deportsim.FormatError, match="not an HDF5 file"):
        deportsim.open_run(text)
    plain = tmp_path / "plain.h5"
    with h5py.File(plain, "w") as f:
        f["x"] = np.arange(3)
    with pytest.raises(deportsim.FormatError, match="no 'format' attribute"):
        deportsim.open_run(plain)
    with pytest.raises(FileNotFoundError, match="no such file"):
        deportsim.open_run(tmp_path / "missing.h5")
    (tmp_path / "running.h5.partial").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match="has not completed"):
        deportsim.open_run(tmp_path / "running.h5")


def test_xarray_views_carry_labels_and_dates(run_file):
    xr = pytest.importorskip("xarray")
    with deportsim.open_run(run_file) as run:
        stocks = run.stocks_da()
        assert isinstance(stocks, xr.DataArray)
        assert stocks.dims == ("time", "country", "status", "group")
        assert np.issubdtype(stocks["time"].dtype, np.datetime64)
        assert str(stocks["time"].values[0])[:10] == "2025-02-01"
        assert list(stocks["country"].values) == list(run.countries)
        assert list(stocks["group_profile"].values) == list(run.group_profile)
        assert stocks.attrs["units"] == "persons"
        np.testing.assert_array_equal(stocks.values, run.stocks())
        by_profile = stocks.sel(status="detained").groupby("group_profile").sum(...)
        assert float(by_profile.sum()) == pytest.approx(run.stocks(status="detained").sum())

        picked = run.da("stocks", country=["PAN", "USA"], status="sheltered")
        assert list(picked["country"].values) == ["PAN", "USA"]
        assert list(picked["country_name"].values) == ["Panama", "United States"]
        assert picked.dims == ("time", "country", "group")

        dataset = run.to_xarray()
        assert dataset.attrs["scenario_name"] == "fixture"
        assert dataset["flows"].dims == ("time", "flow", "country", "group")
        assert list(dataset["flow"].values) == list(FLOWS)
        np.testing.assert_array_equal(
            dataset["flows"].sel(flow="removals").values, run.flow("removals")
        )
        assert dataset["facility_occupancy"].dims == ("time", "facility")
        assert list(dataset["facility_kind"].values) == ["detention", "prison", "shelter"]
        assert list(dataset["programme_cost"]["programme_sender"].values) == ["USA", "PAN"]
        assert dataset["country_on_map"].dtype == bool
