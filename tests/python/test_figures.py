"""deportsim.figures: every figure renders to a PNG of the documented size, and what it draws
adds up to the totals in the file."""

from __future__ import annotations

import h5py
import matplotlib.colors as mcolors
import numpy as np
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.patches import Rectangle

import deportsim
from conftest import STATUSES, make_run_file
from deportsim import figures
from deportsim.palette import STATUS_COLOURS, country_styles
from direct import png_size

EXPECTED_PX = {
    # name: (width, height) for the default fixture: 3 facilities + 2 programmes (3 rows),
    # one sending country.
    "pipeline": (1800, 1200),
    "stocks_by_country": (1800, 1200),
    "removals_by_destination": (1800, 750),
    "capacity": (1800, 1575),
}


@pytest.fixture
def run(run_file):
    with deportsim.open_run(run_file) as opened:
        yield opened


def raw(run_file, name):
    with h5py.File(run_file, "r") as f:
        return f[name][()]


def test_every_figure_is_a_png_of_the_expected_size(run, tmp_path):
    written = figures.write_figures(run, tmp_path / "figs")
    assert [p.name for p in written] == [f"{name}.png" for name in figures.FIGURES]
    for path in written:
        name = path.stem
        assert png_size(path) == EXPECTED_PX[name], name


def test_figures_carry_titles_labels_legends_and_the_source_line(run):
    for name, draw in figures.FIGURES.items():
        plot = draw(run)
        texts = [t.get_text() for t in plot.figure.texts]
        assert plot.figure._suptitle is not None and plot.figure._suptitle.get_text(), name
        assert any(run.scenario_sha256[:12] in t and "fixture" in t for t in texts), name
        visible = [a for a in plot.figure.axes if a.get_visible() and a.axison]
        assert visible, name
        for axes in visible:
            assert "Persons" in axes.get_ylabel() or axes.get_ylabel() == "", name
            assert axes.get_title(loc="left"), name
        assert any(a.get_ylabel() for a in visible), name
        assert any(a.get_xlabel() == "Date" for a in visible), name
        assert any(a.get_legend() is not None for a in plot.figure.axes), name


def test_pipeline_plots_every_person(run, run_file):
    plot = figures.plot_pipeline(run)
    stocks = raw(run_file, "stocks")
    series = {**plot.data["outside"], **plot.data["pipeline"]}
    assert sorted(series) == sorted(STATUSES)
    np.testing.assert_allclose(sum(series.values()), stocks.sum(axis=(1, 2, 3)), rtol=1e-12)
    for i, status in enumerate(STATUSES):
        np.testing.assert_allclose(series[status], stocks[:, :, i, :].sum(axis=(1, 2)), rtol=1e-12)
    # The stacked areas drawn reach the plotted totals, in the fixed status colours.
    top, bottom = plot.figure.axes[:2]
    areas = [c for c in bottom.collections if isinstance(c, PolyCollection)]
    drawn = [s for s, v in plot.data["pipeline"].items() if np.any(v != 0)]
    assert len(areas) == len(drawn)
    for area, status in zip(areas, drawn):
        assert mcolors.to_hex(area.get_facecolor()[0]) == STATUS_COLOURS[status].lower()
    upper_edge = areas[-1].get_paths()[0].vertices[:, 1].max()
    assert upper_edge == pytest.approx(sum(plot.data["pipeline"].values()).max(), rel=1e-9)


def test_stocks_by_country_lines_add_up_to_the_stocks(run, run_file):
    plot = figures.plot_stocks_by_country(run)
    stocks = raw(run_file, "stocks")
    total = np.zeros(stocks.shape[0])
    for panel, lines in plot.data["panels"].items():
        total += sum(lines.values()) if lines else 0.0
    np.testing.assert_allclose(total, stocks.sum(axis=(1, 2, 3)), rtol=1e-12)
    detained = plot.data["panels"]["Detained for removal"]
    np.testing.assert_allclose(detained["USA"], stocks[:, 0, 2, :].sum(axis=1), rtol=1e-12)
    # The lines drawn are the data, in each country's colour.
    styles = country_styles(list(run.countries))
    axes = plot.figure.axes[4]  # "Returned home"
    assert axes.get_title(loc="left") == "Returned home"
    drawn = {line.get_label(): line for line in axes.get_lines()}
    mexico = drawn["Mexico (MEX)"]
    np.testing.assert_allclose(mexico.get_ydata(), plot.data["panels"]["Returned home"]["MEX"])
    assert mcolors.to_hex(mexico.get_color()) == styles["MEX"].colour.lower()


def test_removal_bars_add_up_to_the_removals(run, run_file):
    plot = figures.plot_removals(run)
    removals = raw(run_file, "removals_by_destination")
    stacks = plot.data["senders"]["USA"]
    assert list(plot.data["senders"]) == ["USA"]
    assert sum(v.sum() for v in stacks.values()) == pytest.approx(removals.sum(), rel=1e-12)
    week_starts = plot.data["week_starts"]
    assert len(week_starts) == 10 and plot.data["period_days"] == 7
    # Week w holds the steps that start in it: records 7w+1 .. 7w+7.
    for w in range(10):
        expected = removals[7 * w + 1: 7 * w + 8].sum()
        assert sum(v[w] for v in stacks.values()) == pytest.approx(expected, rel=1e-12)
    axes = plot.figure.axes[0]
    bars = [p for p in axes.patches if isinstance(p, Rectangle)]
    assert sum(b.get_height() for b in bars) == pytest.approx(removals.sum(), rel=1e-12)
    # Colours: Mexico's bars have Mexico's colour, as in the other figures.
    mexico = [c for c in axes.containers if c.get_label() == "Mexico (MEX)"]
    assert len(mexico) == 1
    np.testing.assert_allclose([b.get_height() for b in mexico[0].patches], stacks["MEX"])
    colour = country_styles(list(run.countries))["MEX"].colour.lower()
    assert {mcolors.to_hex(b.get_facecolor()) for b in mexico[0].patches} == {colour}


def test_capacity_panels_show_occupancy_capacity_and_seats(run, run_file):
    plot = figures.plot_capacity(run)
    occupancy = raw(run_file, "facility_occupancy")
    capacity = raw(run_file, "facility_capacity")
    passengers = raw(run_file, "programme_passengers")
    flights = raw(run_file, "programme_flights")
    for i, facility in enumerate(["USA_DETENTION", "CECOT", "PAN_SHELTER"]):
        shown = plot.data["facilities"][facility]
        np.testing.assert_array_equal(shown["occupancy"], occupancy[:, i])
        assert shown["capacity"] == capacity[i]
        axes = plot.figure.axes[i]
        lines = axes.get_lines()
        np.testing.assert_array_equal(lines[0].get_ydata(), occupancy[:, i])
        assert lines[1].get_linestyle() == "--" and set(lines[1].get_ydata()) == {capacity[i]}
    for i, (programme, seats) in enumerate([("ICE_AIR", 135), ("PAN_ONWARD", 50)]):
        shown = plot.data["programmes"][programme]
        assert shown["passengers"].sum() == pytest.approx(passengers[:, i].sum(), rel=1e-12)
        assert shown["flights"].sum() == flights[:, i].sum()
        np.testing.assert_array_equal(shown["seats"], shown["flights"] * seats)
        assert np.all(shown["passengers"] <= shown["seats"] + 1e-9)


def test_figures_render_for_a_bare_scenario_and_long_steps(tmp_path):
    bare = make_run_file(tmp_path / "bare.h5", with_programmes=False, with_agreements=False,
                         with_facilities=False)
    with deportsim.open_run(bare) as run:
        written = figures.write_figures(run, tmp_path / "bare")
        capacity = figures.plot_capacity(run)
    assert png_size(tmp_path / "bare" / "capacity.png") == (1800, 675)  # one empty panel
    assert capacity.data["facilities"] == {} and capacity.data["programmes"] == {}
    assert len(written) == 4
    coarse = make_run_file(tmp_path / "coarse.h5", steps=9, dt_days=10.0)
    with deportsim.open_run(coarse) as run:
        plot = figures.plot_removals(run)
        assert plot.data["period_days"] == 10.0
        total = sum(v.sum() for v in plot.data["senders"]["USA"].values())
        assert total == pytest.approx(run.removals_by_destination().sum(), rel=1e-12)
        figures.write_figures(run, tmp_path / "coarse")


def test_partial_last_week_is_marked(tmp_path):
    path = make_run_file(tmp_path / "partial.h5", steps=66)
    with deportsim.open_run(path) as run:
        plot = figures.plot_removals(run)
    bars = plot.figure.axes[0].containers[0].patches
    assert len(bars) == 10
    assert bars[-1].get_alpha() == pytest.approx(0.45) and bars[0].get_alpha() is None
    assert any("covers only 3 days" in text.get_text() for text in plot.figure.texts)


def test_unknown_figure_name_is_refused(run, tmp_path):
    with pytest.raises(KeyError, match="unknown figure 'map'"):
        figures.write_figures(run, tmp_path, ["map"])


def test_removals_from_more_than_three_senders_share_the_last_panel(tmp_path):
    path = make_run_file(tmp_path / "senders.h5")
    with h5py.File(path, "r+") as f:  # Mexico, Guatemala and Panama remove people too
        removals = f["removals_by_destination"][()]
        usa = removals[:, 0, :].copy()
        for sender, share in ((1, 0.5), (2, 0.25), (5, 0.125)):
            removals[:, sender, :] = usa * share
        f["removals_by_destination"][...] = removals
    with deportsim.open_run(path) as run:
        plot = figures.plot_removals(run)
    assert list(plot.data["senders"]) == ["USA", "MEX", "other senders"]
    assert png_size(plot.save(tmp_path)) == (1800, 3 * 525 + 225)
    shown = {sender: sum(v.sum() for v in stacks.values())
             for sender, stacks in plot.data["senders"].items()}
    assert shown["other senders"] == pytest.approx(removals[:, [2, 5], :].sum(), rel=1e-12)
    assert sum(shown.values()) == pytest.approx(removals.sum(), rel=1e-12)
    assert "other senders (GTM, PAN)" in plot.figure.axes[2].get_title(loc="left")
