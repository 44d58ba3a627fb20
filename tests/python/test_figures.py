"""deportsim.figures: every figure renders to a PNG of the documented size, and what it draws
adds up to the totals in the file (read here with h5py, not with the package)."""

from __future__ import annotations

import h5py
import matplotlib.colors as mcolors
import numpy as np
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.patches import PathPatch, Rectangle

import deportsim
from conftest import STATUSES, make_run_file
from deportsim import dispositions, figures
from deportsim.palette import STATUS_COLOURS, country_styles
from deportsim.plotting import date_nums
from direct import expected_figure_px, labels, png_size

FIGURE_NAMES = [
    "pipeline", "stocks_by_country", "dispositions", "removals_by_destination", "programmes",
    "agreements", "detention", "capacity", "deterrence",
]
TIME_AXES = set(FIGURE_NAMES) - {"dispositions"}


@pytest.fixture
def run(run_file):
    with deportsim.open_run(run_file) as opened:
        yield opened


def raw(path, name):
    with h5py.File(path, "r") as f:
        return f[name][()]


def by_nationality(path, values_by_group: np.ndarray) -> dict[str, float]:
    with h5py.File(path, "r") as f:
        nationality = labels(f, "group_nationality")
    result: dict[str, float] = {}
    for code, value in zip(nationality, values_by_group):
        result[code] = result.get(code, 0.0) + float(value)
    return result


def check_every_figure(path, directory):
    """Writes every figure of the run at ``path``; each is a PNG of the documented size."""
    with deportsim.open_run(path) as opened:
        written = figures.write_figures(opened, directory)
    assert [p.name for p in written] == [f"{name}.png" for name in FIGURE_NAMES]
    for file in written:
        assert file.stat().st_size > 10_000, file
        assert png_size(file) == expected_figure_px(path, file.stem), file.stem


def test_the_figure_set_is_the_documented_one():
    assert list(figures.FIGURES) == FIGURE_NAMES
    for spec in figures.FIGURES.values():
        assert spec.caption.endswith(".") and len(spec.caption) > 40, spec.name


def test_every_figure_is_a_png_of_the_expected_size(run_file, tmp_path):
    check_every_figure(run_file, tmp_path / "figs")


def test_figures_carry_titles_labels_legends_and_the_source_line(run):
    for name, spec in figures.FIGURES.items():
        plot = spec.draw(run)
        texts = [t.get_text() for t in plot.figure.texts]
        assert plot.figure._suptitle is not None and plot.figure._suptitle.get_text(), name
        assert any(run.scenario_sha256[:12] in t and "fixture" in t for t in texts), name
        visible = [a for a in plot.figure.axes
                   if a.get_visible() and a.axison and a.get_label() != "<colorbar>"]
        assert any(a.get_legend() is not None for a in plot.figure.axes), name
        if name not in TIME_AXES:
            continue
        assert visible, name
        for axes in visible:
            assert axes.get_title(loc="left"), name
            label = axes.get_ylabel()
            assert label == "" or any(unit in label for unit in ("Persons", "USD", "%", "Factor")), (
                name, label)
        assert any(a.get_xlabel() == "Date" for a in visible), name
        # Dated time axes: the x limits are dates within the run.
        dated = [a for a in visible if a.get_xlabel() == "Date"]
        low, high = dated[0].get_xlim()
        first, last = date_nums(run.datetimes[[0, -1]])
        assert (low, high) == (pytest.approx(first), pytest.approx(last)), name


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


def test_countries_past_the_ninth_repeat_a_colour_with_a_marker():
    styles = country_styles([f"C{i:02d}" for i in range(12)])
    assert styles["C09"].colour == styles["C00"].colour
    assert (styles["C00"].marker, styles["C00"].linestyle) == ("", "-")
    assert styles["C09"].marker == "o" and styles["C09"].linestyle == "--"


def expected_dispositions(path) -> dict[str, dict[str, float]]:
    """Outcomes by nationality summed with h5py (the definitions of deportsim.dispositions)."""
    with h5py.File(path, "r") as f:
        statuses = labels(f, "status")
        stocks_end = f["stocks"][-1]  # (country, status, group)

        def flow(name):
            return f[f"flows/{name}"][()].sum(axis=(0, 1)) if f"flows/{name}" in f else 0.0

        def stock(status):
            return stocks_end[:, statuses.index(status), :].sum(axis=0)

        by_group = {
            "returned": flow("returns_received"),
            "imprisoned": stock("imprisoned"),
            "sheltered": stock("sheltered"),
            "released_abroad": flow("permit_releases") + flow("absconded"),
            "released": flow("overflow_releases") + flow("max_detention_releases"),
            "settled": flow("settlements"),
            "detained": stock("detained"),
            "dead": flow("deaths"),
        }
    return {key: by_nationality(path, values) for key, values in by_group.items()}


def check_dispositions(path):
    expected = expected_dispositions(path)
    with deportsim.open_run(path) as opened:
        plot = dispositions.plot_dispositions(opened)
    table = plot.data["table"]
    for outcome, per_nationality in expected.items():
        for code, value in per_nationality.items():
            assert table[code][outcome] == pytest.approx(value, rel=1e-9, abs=1e-9), (outcome, code)
    # What is drawn: every nationality's outcomes (the small ones summed), and one band per
    # non-zero (nationality, outcome) pair, whose heights add up to the nodes.
    drawn = plot.data["flows"]
    for outcome in expected:
        total = sum(row[outcome] for row in drawn.values())
        assert total == pytest.approx(sum(expected[outcome].values()), rel=1e-9, abs=1e-9), outcome
        if total > 0:
            assert plot.data["outcomes"][outcome] == pytest.approx(total, rel=1e-12)
    axes = plot.figure.axes[0]
    bands = [p for p in axes.patches if isinstance(p, PathPatch)]
    assert len(bands) == sum(1 for row in drawn.values() for v in row.values() if v > 0)
    nodes = [p for p in axes.patches if isinstance(p, Rectangle)]
    assert len(nodes) == len(drawn) + len(plot.data["outcomes"])
    return plot


def test_dispositions_are_the_file_totals_by_nationality(run_file):
    plot = check_dispositions(run_file)
    # The toy model sends Venezuelan gang members to the prison: they are there at the end.
    assert plot.data["table"]["VEN"]["imprisoned"] > 0
    assert plot.data["table"]["CHN"]["sheltered"] > 0


def test_dispositions_count_release_agreements_by_receiver(tmp_path):
    path = make_run_file(tmp_path / "release.h5")
    with h5py.File(path, "r+") as f:  # the Panama agreement releases on arrival instead
        f["agreement_disposition"][1] = "release"
    with deportsim.open_run(path) as opened:
        table = dispositions.dispositions(opened)
    received = raw(path, "flows/transfers_received")[:, 5, :].sum(axis=0)  # Panama
    expected = by_nationality(path, received + raw(path, "flows/permit_releases").sum(axis=(0, 1))
                              + raw(path, "flows/absconded").sum(axis=(0, 1)))
    for code, value in expected.items():
        assert table[code]["released_abroad"] == pytest.approx(value, rel=1e-9, abs=1e-9), code


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


def check_programmes(path):
    passengers, flights = raw(path, "programme_passengers"), raw(path, "programme_flights")
    cost, left = raw(path, "programme_cost"), raw(path, "programme_budget_left")
    with deportsim.open_run(path) as opened:
        plot = figures.FIGURES["programmes"].draw(opened)
        specs = deportsim.specs.programme_specs(opened)
    for i, (programme, shown) in enumerate(plot.data["programmes"].items()):
        assert shown["passengers"].sum() == pytest.approx(passengers[:, i].sum(), rel=1e-12)
        assert shown["flights"].sum() == pytest.approx(flights[:, i].sum(), rel=1e-12)
        np.testing.assert_allclose(shown["spent"], np.cumsum(cost[:, i]), rtol=1e-12)
        assert shown["budget"] == left[0, i]
        seats = specs[programme].seats_per_flight
        np.testing.assert_allclose(shown["seats_flown"], shown["flights"] * seats)
        assert np.all(shown["passengers"] <= shown["seats_flown"] + 1e-6)
        # The bars drawn are the passengers.
        axes = plot.figure.axes[2 * i]
        heights = [b.get_height() for b in axes.containers[0].patches]
        np.testing.assert_allclose(heights, shown["passengers"], rtol=1e-12)
        # The line drawn on the right is the money spent; the budget line its budget.
        right = plot.figure.axes[2 * i + 1]
        np.testing.assert_allclose(right.get_lines()[0].get_ydata(), np.cumsum(cost[:, i]))
        if np.isfinite(left[0, i]):
            assert set(right.get_lines()[1].get_ydata()) == {left[0, i]}
    return plot


def test_programmes_show_passengers_seats_and_money(run_file):
    plot = check_programmes(run_file)
    ice = plot.data["programmes"]["ICE_AIR"]
    # Scheduled: 135 seats x 5 flights a week, every week of the 70 days.
    assert ice["seats_scheduled"].sum() == pytest.approx(135 * 5 * 70 / 7)
    assert ice["budget"] == np.inf
    assert plot.data["programmes"]["PAN_ONWARD"]["budget"] == 2.7e6


def check_agreements(path):
    transfers, held = raw(path, "agreement_transfers"), raw(path, "agreement_held")
    fees, used = raw(path, "agreement_fees"), raw(path, "agreement_quota_used")
    with deportsim.open_run(path) as opened:
        plot = figures.FIGURES["agreements"].draw(opened)
    for i, shown in enumerate(plot.data["agreements"].values()):
        assert shown["period"].values.sum() == pytest.approx(transfers[:, i].sum(), rel=1e-12)
        np.testing.assert_array_equal(shown["received"], used[:, i])
        np.testing.assert_array_equal(shown["held"], held[:, i])
        np.testing.assert_allclose(shown["fees"], np.cumsum(fees[:, i]), rtol=1e-12)
        received_panel = plot.figure.axes[4 * i]
        bars = received_panel.containers[0].patches
        np.testing.assert_allclose([b.get_height() for b in bars], shown["period"].values)
    return plot


def test_agreements_show_transfers_places_and_fees(run_file):
    plot = check_agreements(run_file)
    prison = plot.data["agreements"]["SLV_PRISON"]
    assert prison["capacity"] == 600.0 and prison["spec"].facility == "CECOT"
    assert prison["spec"].monthly_quota == np.inf and prison["period"].unit == "week"


def test_a_quota_that_changes_is_drawn_as_steps_and_named_in_the_title(tmp_path):
    # The recorded monthly quota of SLV_PRISON: none, then 30 from day 35 (a policy event).
    path = make_run_file(tmp_path / "event.h5", monthly_quota=30.0)
    plot = check_agreements(path)
    prison = plot.data["agreements"]["SLV_PRISON"]
    assert prison["spec"].monthly_quota == 30.0 and prison["period"].unit == "month"
    received_panel = plot.figure.axes[0]
    assert "monthly quota none then 30" in received_panel.get_title(loc="left")
    (steps,) = [line for line in received_panel.get_lines() if line.get_drawstyle() == "steps-post"]
    quota = np.asarray(steps.get_ydata(), dtype=float)
    assert np.all(np.isnan(quota[:36])) and np.all(quota[36:] == 30.0)


def test_a_format_1_0_file_draws_every_figure_without_the_limits(tmp_path):
    path = make_run_file(tmp_path / "old.h5", format_version=(1, 0), with_parameters=False)
    with deportsim.open_run(path) as opened:
        programmes = figures.FIGURES["programmes"].draw(opened)
        agreements = figures.FIGURES["agreements"].draw(opened)
        capacity = figures.FIGURES["capacity"].draw(opened)
    ice = programmes.data["programmes"]["ICE_AIR"]
    assert ice["seats_scheduled"] is None and ice["seats_flown"] is None
    assert "not recorded (run file format 1.0)" in programmes.figure.axes[0].get_title(loc="left")
    assert "quota not recorded" in agreements.figure.axes[0].get_title(loc="left")
    assert capacity.data["programmes"]["ICE_AIR"]["seats"] is None
    assert capacity.data["facilities"]["CECOT"]["capacity"] == 600.0


def check_detention(path):
    stocks = raw(path, "stocks")
    max_releases, overflow = raw(path, "flows/max_detention_releases"), raw(path, "flows/overflow_releases")
    with h5py.File(path, "r") as f:
        countries = labels(f, "country")
    with deportsim.open_run(path) as opened:
        plot = figures.FIGURES["detention"].draw(opened)
    for code, shown in plot.data["countries"].items():
        c = countries.index(code)
        np.testing.assert_allclose(shown["detained"], stocks[:, c, 2, :].sum(axis=1), rtol=1e-12)
        assert shown["max_detention_releases"].sum() == pytest.approx(max_releases[:, c].sum(), rel=1e-12)
        assert shown["overflow_releases"].sum() == pytest.approx(overflow[:, c].sum(), rel=1e-12)
    total = sum(s["max_detention_releases"].sum() for s in plot.data["countries"].values())
    assert total == pytest.approx(max_releases.sum(), rel=1e-12)
    return plot


def test_detention_shows_population_beds_and_releases(run_file):
    plot = check_detention(run_file)
    assert list(plot.data["countries"]) == ["USA"]
    usa = plot.data["countries"]["USA"]
    assert usa["beds"] == 4000.0 and usa["facility"] == "USA_DETENTION"
    left = plot.figure.axes[0]
    assert any(line.get_linestyle() == "--" and set(line.get_ydata()) == {4000.0}
               for line in left.get_lines())


def test_capacity_shares_are_occupancy_over_places(run, run_file):
    plot = figures.plot_capacity(run)
    occupancy = raw(run_file, "facility_occupancy")
    capacity = raw(run_file, "facility_capacity")
    passengers = raw(run_file, "programme_passengers")
    for i, facility in enumerate(["USA_DETENTION", "CECOT", "PAN_SHELTER"]):
        shown = plot.data["facilities"][facility]
        np.testing.assert_array_equal(shown["occupancy"], occupancy[:, i])
        np.testing.assert_allclose(shown["share"] * capacity[i], occupancy[:, i], rtol=1e-12)
        line = plot.figure.axes[0].get_lines()[i]
        np.testing.assert_allclose(line.get_ydata(), 100 * occupancy[:, i] / capacity[i])
    for i, programme in enumerate(["ICE_AIR", "PAN_ONWARD"]):
        shown = plot.data["programmes"][programme]
        assert shown["basis"] == "scheduled"
        assert shown["passengers"].sum() == pytest.approx(passengers[:, i].sum(), rel=1e-12)
        np.testing.assert_allclose(shown["share"] * shown["seats"], shown["passengers"], rtol=1e-12)
        assert np.all(shown["share"] <= 1 + 1e-9)


def test_deterrence_shows_departures_and_the_factor(run, run_file):
    plot = figures.plot_deterrence(run)
    departures = raw(run_file, "flows/departures")
    again = raw(run_file, "flows/remigrations")
    assert plot.data["departures"].sum() == pytest.approx(departures.sum(), rel=1e-12)
    assert plot.data["remigrations"].sum() == pytest.approx(again.sum(), rel=1e-12)
    np.testing.assert_array_equal(plot.data["factor"], raw(run_file, "deterrence_factor"))
    factor_line = plot.figure.axes[1].get_lines()[0]
    np.testing.assert_allclose(factor_line.get_ydata(), raw(run_file, "deterrence_factor")[1:])


def test_figures_render_for_a_bare_scenario_and_long_steps(tmp_path):
    bare = make_run_file(tmp_path / "bare.h5", with_programmes=False, with_agreements=False,
                         with_facilities=False)
    check_every_figure(bare, tmp_path / "bare")
    with deportsim.open_run(bare) as run:
        capacity = figures.plot_capacity(run)
        assert capacity.data["facilities"] == {} and capacity.data["programmes"] == {}
        assert figures.FIGURES["programmes"].draw(run).data["programmes"] == {}
        assert figures.FIGURES["agreements"].draw(run).data["agreements"] == {}
    coarse = make_run_file(tmp_path / "coarse.h5", steps=9, dt_days=10.0)
    with deportsim.open_run(coarse) as run:
        plot = figures.plot_removals(run)
        assert plot.data["period_days"] == 10.0
        total = sum(v.sum() for v in plot.data["senders"]["USA"].values())
        assert total == pytest.approx(run.removals_by_destination().sum(), rel=1e-12)
    check_every_figure(coarse, tmp_path / "coarse")


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


# -- runs written by the engine -----------------------------------------------------------


@pytest.mark.engine
def test_every_figure_of_an_engine_run(real_run, tmp_path):
    check_every_figure(real_run, tmp_path / "figures")
    check_dispositions(real_run)
    check_programmes(real_run)
    check_agreements(real_run)
    check_detention(real_run)
    with deportsim.open_run(real_run) as run:
        pipeline = figures.plot_pipeline(run)
        removals = figures.plot_removals(run)
    plotted = sum({**pipeline.data["outside"], **pipeline.data["pipeline"]}.values())
    np.testing.assert_allclose(plotted, raw(real_run, "stocks").sum(axis=(1, 2, 3)), rtol=1e-12)
    drawn = sum(v.sum() for stacks in removals.data["senders"].values() for v in stacks.values())
    assert drawn == pytest.approx(raw(real_run, "removals_by_destination").sum(), rel=1e-12)


@pytest.mark.engine
def test_quotas_and_deterrence_of_an_engine_run(real_run_variant, tmp_path):
    check_every_figure(real_run_variant, tmp_path / "figures")
    plot = check_agreements(real_run_variant)
    prison = plot.data["agreements"]["usa_slv_prison"]
    assert prison["spec"].monthly_quota == 20 and prison["spec"].total_quota == 40
    assert prison["period"].unit == "month"
    assert np.all(prison["period"].values <= 20 + 1e-9)  # the quota binds, never exceeded
    assert prison["received"][-1] == pytest.approx(40)
    received_panel, total_panel = plot.figure.axes[:2]
    assert any(set(line.get_ydata()) == {20.0} for line in received_panel.get_lines())
    assert any(set(line.get_ydata()) == {40.0} for line in total_panel.get_lines())
    with deportsim.open_run(real_run_variant) as run:
        deterrence = figures.plot_deterrence(run)
    factor = raw(real_run_variant, "deterrence_factor")
    assert factor.min() < 1.0  # the factor moves
    np.testing.assert_array_equal(deterrence.data["factor"], factor)
    departures = raw(real_run_variant, "flows/departures").sum()
    assert deterrence.data["departures"].sum() == pytest.approx(departures, rel=1e-12)
