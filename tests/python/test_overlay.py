"""Several runs overlaid: every figure with one line per run (labelled by scenario name or file
stem), the headline bar chart, and the numbers each overlay draws checked against the files."""

from __future__ import annotations

import contextlib

import h5py
import matplotlib.colors as mcolors
import numpy as np
import pytest

import deportsim
from conftest import make_run_file
from deportsim import figures
from deportsim.compare import plot_headline
from deportsim.palette import run_styles
from deportsim.plotting import run_labels
from direct import expected_figure_px, headline_from_h5py, labels, png_size

OVERLAY_NAMES = list(figures.FIGURES) + ["headline"]


@contextlib.contextmanager
def opened(*paths):
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(deportsim.open_run(path)) for path in paths]


def raw(path, name):
    with h5py.File(path, "r") as f:
        return f[name][()]


@pytest.fixture
def two_runs(tmp_path):
    """The fixture run and a variant with fewer removal flights (shorter, other name)."""
    first = make_run_file(tmp_path / "baseline.h5", name="baseline")
    second = make_run_file(tmp_path / "variant.h5", name="fewer_flights", steps=56)
    with h5py.File(second, "r+") as f:
        f["programme_passengers"][...] = f["programme_passengers"][()] * 0.5
    return first, second


def check_overlays(paths, directory):
    with opened(*paths) as runs:
        written = figures.write_overlays(runs, directory)
        names = run_labels(runs)
    assert [p.stem for p in written] == OVERLAY_NAMES
    for path in written:
        assert png_size(path) == expected_figure_px(paths, path.stem), path.stem
    return names


def test_labels_are_scenario_names_or_file_stems(two_runs, tmp_path):
    with opened(*two_runs) as runs:
        assert run_labels(runs) == ["baseline", "fewer_flights"]
    same = [make_run_file(tmp_path / f"{stem}.h5", steps=7) for stem in ("a", "b")]
    with opened(*same) as runs:
        assert run_labels(runs) == ["a", "b"]  # both scenarios are called "fixture"


def test_every_overlay_is_a_png_of_the_expected_size(two_runs, tmp_path):
    check_overlays(two_runs, tmp_path / "overlays")


def test_each_run_has_its_own_colour_and_line_style(two_runs):
    styles = run_styles(9)
    assert len({s.colour for s in styles[:7]}) == 7
    assert len({(s.colour, s.linestyle) for s in styles}) == 9
    with opened(*two_runs) as runs:
        plot = figures.overlay_pipeline(runs, run_labels(runs))
    detained = plot.figure.axes[3]  # after the header, in transit, at large
    assert detained.get_title(loc="left") == "Detained for removal"
    lines = detained.get_lines()
    assert [line.get_label() for line in lines] == ["baseline", "fewer_flights"]
    assert [mcolors.to_hex(line.get_color()) for line in lines] == [s.colour.lower() for s in styles[:2]]
    assert lines[0].get_linestyle() != lines[1].get_linestyle()
    legend = plot.figure.axes[0].get_legend()  # the header row holds the run legend
    assert [t.get_text() for t in legend.get_texts()] == ["baseline", "fewer_flights"]
    for path, line in zip(two_runs, lines):
        stocks = raw(path, "stocks")
        np.testing.assert_allclose(line.get_ydata(), stocks[:, :, 2, :].sum(axis=(1, 2)), rtol=1e-12)


def test_overlays_draw_each_runs_numbers(two_runs):
    with opened(*two_runs) as runs:
        labels_ = run_labels(runs)
        pipeline = figures.overlay_pipeline(runs, labels_)
        programmes = figures.FIGURES["programmes"].overlay(runs, labels_)
        agreements = figures.FIGURES["agreements"].overlay(runs, labels_)
        detention = figures.FIGURES["detention"].overlay(runs, labels_)
        outcomes = figures.FIGURES["dispositions"].overlay(runs, labels_)
    for label, path in zip(labels_, two_runs):
        stocks = raw(path, "stocks")
        total = sum(series[label] for series in pipeline.data["panels"].values())
        np.testing.assert_allclose(total, stocks.sum(axis=(1, 2, 3)), rtol=1e-12)
        cost = raw(path, "programme_cost")
        np.testing.assert_allclose(programmes.data["programmes"]["ICE_AIR"]["spent"][label],
                                   np.cumsum(cost[:, 0]), rtol=1e-12)
        np.testing.assert_array_equal(agreements.data["agreements"]["SLV_PRISON"]["held"][label],
                                      raw(path, "agreement_held")[:, 0])
        np.testing.assert_allclose(detention.data["countries"]["USA"]["detained"][label],
                                   stocks[:, 0, 2, :].sum(axis=1), rtol=1e-12)
        returned = raw(path, "flows/returns_received").sum()
        assert outcomes.data["outcomes"]["returned"][label] == pytest.approx(returned, rel=1e-12)
    # Weekly lines leave out a last, partial week: the 56-day run has 8 whole weeks, the
    # 70-day run 10.
    passengers = programmes.data["programmes"]["ICE_AIR"]["passengers"]
    assert [len(passengers[label]) for label in labels_] == [10, 8]


def test_headline_bars_are_the_headline(two_runs):
    with opened(*two_runs) as runs:
        plot = plot_headline(runs)
    for label, path in zip(["baseline", "fewer_flights"], two_runs):
        expected = headline_from_h5py(path)
        for key in ("imprisoned_abroad_end", "removals_total", "detention_peak",
                    "max_detention_releases_total", "deaths_total", "flight_cost_total"):
            assert plot.data["values"][key][label] == pytest.approx(expected[key], rel=1e-12), key
        for code, value in plot.data["removals_by_destination"].items():
            assert value[label] == pytest.approx(expected["removals_by_destination"].get(code, 0.0))
    first_panel = plot.figure.axes[0]
    heights = [bar.get_width() for bar in first_panel.patches]
    assert heights == [pytest.approx(v) for v in plot.data["values"]["imprisoned_abroad_end"].values()]


def test_unknown_overlay_is_refused(two_runs, tmp_path):
    with opened(*two_runs) as runs, pytest.raises(KeyError, match="unknown figure 'map'"):
        figures.write_overlays(runs, tmp_path, ["map"])


@pytest.mark.engine
def test_overlays_of_two_engine_runs(real_run, real_run_variant, tmp_path):
    names = check_overlays([real_run, real_run_variant], tmp_path / "overlays")
    assert names == ["tiny", "tiny_quota"]  # both scenarios are "tiny": file stems
    with opened(real_run, real_run_variant) as runs:
        agreements = figures.FIGURES["agreements"].overlay(runs, names)
        deterrence = figures.FIGURES["deterrence"].overlay(runs, names)
    for label, path in zip(names, (real_run, real_run_variant)):
        np.testing.assert_array_equal(
            agreements.data["agreements"]["usa_slv_prison"]["received"][label],
            raw(path, "agreement_quota_used")[:, 0])
        np.testing.assert_array_equal(deterrence.data["factor"][label], raw(path, "deterrence_factor"))
    assert agreements.data["agreements"]["usa_slv_prison"]["received"]["tiny_quota"][-1] == pytest.approx(40)
    with h5py.File(real_run, "r") as f:
        assert labels(f, "agreement") == ["usa_slv_prison"]
