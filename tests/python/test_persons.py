"""deportsim.persons: the individual distributions of an agents-mode run. The figure is drawn
for run files with /persons only (cohort runs keep their nine figures), and what it draws is
the file's /persons datasets, read here with h5py, not with the package."""

from __future__ import annotations

import shutil

import h5py
import matplotlib.colors as mcolors
import numpy as np
import pytest
from matplotlib.patches import StepPatch

import deportsim
from conftest import run_engine
from deportsim import figures, persons
from deportsim.palette import STATUS_COLOURS
from deportsim.plotting import date_nums
from deportsim.report import report_html
from direct import expected_figure_px, labels, png_size

TRACED = 50
NINE = ["pipeline", "stocks_by_country", "dispositions", "removals_by_destination", "programmes",
        "agreements", "detention", "capacity", "deterrence"]


@pytest.fixture(scope="module")
def agents_run(tmp_path_factory):
    """tests/scenarios/tiny.yaml in agents mode, 50 persons traced."""
    return run_engine(tmp_path_factory.mktemp("agents") / "tiny_agents.h5",
                      "--mode", "agents", "--trace", str(TRACED))


@pytest.fixture(scope="module")
def untraced_run(tmp_path_factory):
    """The same in agents mode without a trace."""
    return run_engine(tmp_path_factory.mktemp("agents") / "tiny_untraced.h5", "--mode", "agents")


def raw(path, name):
    with h5py.File(path, "r") as f:
        return f[name][()]


def draw(path, **options):
    with deportsim.open_run(path) as run:
        return persons.plot_persons(run, **options)


def quantile(values, counts, q):
    """The smallest value with at least a share q of the counts at or below it."""
    return float(np.percentile(np.repeat(values, counts), 100 * q, method="inverted_cdf"))


# -- which runs have the figure ------------------------------------------------------------


def test_cohort_runs_keep_their_nine_figures(run_file, tmp_path):
    assert list(figures.FIGURES) == NINE and "persons" in figures.RUN_FIGURES
    with deportsim.open_run(run_file) as run:
        assert not run.has_persons and run.persons_names() == []
        assert figures.figure_names(run) == NINE
        written = figures.write_figures(run, tmp_path / "figures")
        assert [p.stem for p in written] == NINE
        with pytest.raises(KeyError, match="agents-mode run file"):
            figures.write_figures(run, tmp_path / "figures", ["persons"])
        with pytest.raises(KeyError, match="no /persons group"):
            persons.plot_persons(run)
        with pytest.raises(KeyError, match="not an agents-mode run file"):
            run.persons("persons_by_times_removed")
    assert not (tmp_path / "figures" / "persons.png").exists()


@pytest.mark.engine
def test_an_engine_cohort_run_has_no_persons_figure(real_run):
    with deportsim.open_run(real_run) as run:
        assert not run.has_persons
        assert figures.figure_names(run) == NINE
        assert [plot.name for plot in figures.draw_figures(run)] == NINE


@pytest.mark.engine
def test_an_agents_run_has_every_figure_and_the_persons_figure(agents_run, tmp_path):
    with deportsim.open_run(agents_run) as run:
        assert run.has_persons
        assert figures.figure_names(run) == NINE + ["persons"]
        written = figures.write_figures(run, tmp_path / "figures")
    assert [p.stem for p in written] == NINE + ["persons"]
    for path in written[:-1]:
        assert png_size(path) == expected_figure_px(agents_run, path.stem), path.stem
    assert png_size(written[-1]) == (1800, 1500)
    assert written[-1].stat().st_size > 50_000
    assert figures.caption("persons") == figures.RUN_FIGURES["persons"].caption


@pytest.mark.engine
def test_the_report_and_the_command_draw_it_for_agents_runs_only(agents_run, real_run, tmp_path,
                                                                  capsys):
    from deportsim import cli

    with deportsim.open_run(agents_run) as run:
        page = report_html([run], ["persons"])
    assert 'id="figure-persons"' in page and figures.RUN_FIGURES["persons"].caption in page
    with deportsim.open_run(real_run) as run:
        assert 'id="figure-persons"' not in report_html([run], ["pipeline"])
    assert cli.main(["plot", str(agents_run), "-o", str(tmp_path / "agents")]) == 0
    listed = capsys.readouterr().out.split()
    assert listed == [str(tmp_path / "agents" / f"{name}.png") for name in NINE + ["persons"]]
    assert cli.main(["plot", str(real_run), "-o", str(tmp_path / "cohort")]) == 0
    listed = capsys.readouterr().out.split()
    assert listed == [str(tmp_path / "cohort" / f"{name}.png") for name in NINE]


# -- the numbers drawn ---------------------------------------------------------------------


@pytest.mark.engine
def test_bars_are_persons_by_times_removed(agents_run):
    plot = draw(agents_run)
    counts = raw(agents_run, "persons/persons_by_times_removed")
    times = raw(agents_run, "persons/removal_count")
    shown = plot.data["times_removed"]
    np.testing.assert_array_equal(shown["persons"], counts)
    np.testing.assert_array_equal(shown["removal_count"], times)
    assert counts.sum() == len(raw(agents_run, "persons/group"))  # every person, once
    axes = plot.figure.axes[0]
    bars = axes.patches[:len(counts)]
    np.testing.assert_array_equal([b.get_height() for b in bars], counts)
    np.testing.assert_allclose([b.get_x() + b.get_width() / 2 for b in bars], times)
    assert mcolors.to_hex(bars[0].get_facecolor()) == persons.NEVER_REMOVED_COLOUR.lower()
    assert {mcolors.to_hex(b.get_facecolor()) for b in bars[1:]} == {
        persons.REMOVED_COLOUR.lower()}
    # The scale follows the rule (which one the tiny run needs depends on its draws).
    assert shown["log"] == (counts.max() >= persons.LOG_RATIO * counts[counts > 0].min())
    assert axes.get_yscale() == ("log" if shown["log"] else "linear")
    removed = int(counts[1:].sum())
    assert f"{removed:,} of {counts.sum():,} persons removed" in axes.get_title(loc="left")


@pytest.mark.parametrize("counts, log", [
    ([2800, 186], False),          # the largest bar 15 times the smallest
    ([2865, 143, 1], True),        # 2,865 times: three orders of magnitude
    ([1000, 0, 1], True),          # zeros do not count as the smallest
    ([999, 1], False),
])
def test_the_times_removed_axis_is_logarithmic_over_three_orders_of_magnitude(counts, log):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots()
    try:
        distribution = persons.Distribution(np.arange(len(counts)), np.array(counts))
        shown = persons._draw_times_removed(axes, distribution)
        assert shown["log"] == log
        assert axes.get_yscale() == ("log" if log else "linear")
        bars = axes.patches[:len(counts)]
        np.testing.assert_array_equal([b.get_height() for b in bars], counts)
    finally:
        plt.close(figure)


@pytest.mark.engine
@pytest.mark.parametrize("panel, counts_name, values_name", [
    ("departure_to_first_removal", "departure_to_first_removal", "delay"),
    ("detention_stays", "detention_stays", "stay"),
])
def test_histograms_are_the_distributions(agents_run, panel, counts_name, values_name):
    plot = draw(agents_run)
    counts = raw(agents_run, f"persons/{counts_name}")
    days = raw(agents_run, f"persons/{values_name}")
    shown = plot.data[panel]
    assert counts.sum() > 0
    assert shown["total"] == counts.sum() and shown["counts"].sum() == counts.sum()
    # Fewer steps than the bin limit: one bin per step, centred on its value, up to the last
    # non-zero count.
    last = np.nonzero(counts)[0][-1]
    assert shown["bin_days"] == 1.0
    np.testing.assert_array_equal(shown["counts"], counts[:last + 1])
    np.testing.assert_allclose(shown["edges"], np.append(days[:last + 1], days[last] + 1) - 0.5)
    assert shown["median"] == quantile(days, counts, 0.5)
    assert shown["p90"] == quantile(days, counts, 0.9)
    assert shown["mean"] == pytest.approx((days * counts).sum() / counts.sum(), rel=1e-12)
    axes = plot.figure.axes[1 if panel == "departure_to_first_removal" else 2]
    (patch,) = [p for p in axes.patches if isinstance(p, StepPatch)]
    values, edges, _ = patch.get_data()
    np.testing.assert_array_equal(values, counts[:last + 1])
    np.testing.assert_allclose(edges, shown["edges"])
    lines = {float(line.get_xdata()[0]) for line in axes.get_lines()}
    assert {shown["median"], shown["p90"]} <= lines
    assert f"{counts.sum():,}" in axes.get_title(loc="left")


@pytest.mark.engine
def test_stays_mark_the_maximum_detention_period(agents_run):
    plot = draw(agents_run)
    # tiny.yaml: the US releases detainees after 30 days, and stays of 30 days are drawn.
    assert plot.data["max_detention_days"] == {"USA": 30.0}
    stays = plot.figure.axes[2]
    assert 30.0 in {float(line.get_xdata()[0]) for line in stays.get_lines()}
    assert any("max USA" in text.get_text() for text in stays.texts)


@pytest.mark.engine
def test_trajectories_are_the_traced_statuses(agents_run):
    plot = draw(agents_run)
    trace = raw(agents_run, "persons/trace_status").astype(int)
    traced = raw(agents_run, "persons/trace_person")
    shown = plot.data["trajectories"]
    assert shown.traced == TRACED == len(traced)
    assert len(shown.persons) == persons.TRACED_SHOWN
    rows = [int(np.nonzero(traced == person)[0][0]) for person in shown.persons]
    np.testing.assert_array_equal(shown.status, trace[rows])
    # The most eventful: nobody left out changed status more often than anyone shown.
    changes = (np.diff(trace, axis=1) != 0).sum(axis=1)
    np.testing.assert_array_equal(shown.changes, changes[rows])
    left_out = np.setdiff1d(np.arange(len(traced)), rows)
    assert changes[rows].min() >= changes[left_out].max()
    # Ordered by the record of their first change.
    first = [int(np.argmax(row != row[0])) if np.any(row != row[0]) else trace.shape[1]
             for row in trace[rows]]
    assert first == sorted(first)
    # Group and times removed of each person shown, from the per-person arrays.
    with h5py.File(agents_run, "r") as f:
        groups = labels(f, "group")
        person_group = f["persons/group"][()]
        times_removed = f["persons/times_removed"][()]
    assert list(shown.groups) == [groups[person_group[p]] for p in shown.persons]
    np.testing.assert_array_equal(shown.times_removed, times_removed[shown.persons])
    # The image drawn is the statuses, masked before departure, in the status colours.
    axes = plot.figure.axes[3]
    (image,) = axes.images
    drawn = image.get_array()
    np.testing.assert_array_equal(drawn.mask, trace[rows] < 0)
    np.testing.assert_array_equal(drawn.filled(-1), trace[rows])
    statuses = [str(s) for s in raw(agents_run, "status").astype(str)]
    for index, status in enumerate(statuses):
        colour = image.cmap(image.norm(index))
        assert mcolors.to_hex(colour) == STATUS_COLOURS[status].lower(), status
    with deportsim.open_run(agents_run) as run:
        times = run.datetimes
    left, right, _, _ = image.get_extent()
    assert (left, right) == (pytest.approx(date_nums(times[:1])[0]),
                             pytest.approx(date_nums(times[-1:] + (times[1] - times[0]))[0]))
    assert axes.get_xlabel() == "Date"
    assert [t.get_text() for t in axes.get_yticklabels()][0].startswith(shown.groups[0])


@pytest.mark.engine
def test_without_a_trace_there_are_three_panels(untraced_run, tmp_path):
    plot = draw(untraced_run)
    assert plot.data["trajectories"] is None
    assert len([a for a in plot.figure.axes if a.get_visible()]) == 3
    assert png_size(plot.save(tmp_path)) == (1800, 750)
    np.testing.assert_array_equal(plot.data["times_removed"]["persons"],
                                  raw(untraced_run, "persons/persons_by_times_removed"))
    assert raw(untraced_run, "persons/trace_status").size == 0


@pytest.mark.engine
def test_the_figure_carries_a_title_labels_and_the_source_line(agents_run):
    plot = draw(agents_run)
    with deportsim.open_run(agents_run) as run:
        sha, name = run.scenario_sha256[:12], run.scenario_name
    assert plot.figure._suptitle.get_text() == "Individual distributions"
    assert any(sha in t.get_text() and name in t.get_text() and "agents mode" in t.get_text()
               for t in plot.figure.texts)
    removals, delays, stays, trace = plot.figure.axes[:4]
    assert removals.get_ylabel().startswith("Persons") and removals.get_xlabel()
    assert delays.get_ylabel().startswith("Persons per day") and "Days" in delays.get_xlabel()
    assert stays.get_ylabel().startswith("Stays per day") and "days" in stays.get_xlabel()
    assert all(a.get_title(loc="left") for a in (removals, delays, stays, trace))
    assert removals.get_legend() is not None and trace.get_legend() is not None


@pytest.mark.engine
def test_empty_distributions_are_drawn_as_such(agents_run, tmp_path):
    path = tmp_path / "no_removals.h5"
    shutil.copy(agents_run, path)
    with h5py.File(path, "r+") as f:
        f["persons/departure_to_first_removal"][...] = 0
        f["persons/detention_stays"][...] = 0
    plot = draw(path)
    for panel in ("departure_to_first_removal", "detention_stays"):
        assert plot.data[panel]["total"] == 0 and len(plot.data[panel]["counts"]) == 0
    assert any("none in this run" in a.get_title(loc="left") for a in plot.figure.axes)
    assert png_size(plot.save(tmp_path)) == (1800, 1500)


# -- bins of long runs, and the reader -----------------------------------------------------


def test_long_distributions_are_summed_into_weeks():
    counts = np.zeros(731, dtype=np.int64)
    counts[:700] = np.arange(700) % 13 + 1
    counts[0] = 65_000
    distribution = persons.Distribution(np.arange(731, dtype=float), counts)
    steps, edges, binned = persons.histogram_bins(distribution, 1.0)
    assert steps == 7 and len(binned) == 100  # 700 days of values in whole weeks
    assert binned.sum() == counts.sum()
    assert binned[0] == counts[:7].sum() and binned[-1] == counts[693:700].sum()
    np.testing.assert_allclose(edges, np.arange(101) * 7 - 0.5)
    # Half-day steps: a week is 14 steps; a short distribution keeps one bin per step.
    steps, edges, binned = persons.histogram_bins(
        persons.Distribution(np.arange(731) * 0.5, counts), 0.5)
    assert steps == 14 and binned.sum() == counts.sum() and edges[1] - edges[0] == 7.0
    short = persons.Distribution(np.arange(10, dtype=float), np.array([0, 3, 0, 1] + [0] * 6))
    steps, edges, binned = persons.histogram_bins(short, 1.0)
    assert steps == 1 and list(binned) == [0, 3, 0, 1]
    assert short.quantile(0.5) == 1.0 and short.quantile(0.9) == 3.0 and short.mean == 1.5


@pytest.mark.engine
def test_the_reader_gives_the_persons_group(agents_run):
    with deportsim.open_run(agents_run) as run:
        names = run.persons_names()
        assert {"persons_by_times_removed", "departure_to_first_removal", "detention_stays",
                "trace_status", "times_removed", "group"} <= set(names)
        np.testing.assert_array_equal(run.persons("detention_stays"),
                                      raw(agents_run, "persons/detention_stays"))
        assert run.persons_variable("times_removed").shape == (
            int(raw(agents_run, "persons/persons_by_times_removed").sum()),)
        with pytest.raises(KeyError, match="variables: .*times_removed"):
            run.persons("no_such_variable")


@pytest.mark.engine
def test_another_major_version_of_the_group_is_refused(agents_run, tmp_path):
    path = tmp_path / "future.h5"
    shutil.copy(agents_run, path)
    with h5py.File(path, "r+") as f:
        f["persons"].attrs["format_version"] = np.array([2, 0], dtype=np.int32)
    with deportsim.open_run(path) as run:
        assert run.has_persons
        with pytest.raises(deportsim.FormatError, match="/persons format version 2.0"):
            run.persons("persons_by_times_removed")
        with pytest.raises(deportsim.FormatError):
            persons.plot_persons(run)
