"""deportsim.compare: headline outcomes of several runs side by side, in Markdown, CSV and JSON,
each value equal to the same sum taken with h5py."""

from __future__ import annotations

import contextlib
import csv
import io
import json

import pytest

import deportsim
from conftest import make_run_file
from deportsim.compare import compare, comparison
from direct import headline_from_h5py

REQUIRED = (
    "imprisoned_abroad_end", "removals_total", "detention_peak", "max_detention_releases_total",
    "cost_per_removal", "deaths_total",
)


@pytest.fixture
def runs(tmp_path):
    paths = [
        make_run_file(tmp_path / "baseline.h5", name="baseline"),
        make_run_file(tmp_path / "no_deals.h5", name="no_deals", with_agreements=False),
        make_run_file(tmp_path / "no_flights.h5", name="no_flights", with_programmes=False),
    ]
    with contextlib.ExitStack() as stack:
        yield paths, [stack.enter_context(deportsim.open_run(p)) for p in paths]


def flat_expected(path) -> dict:
    expected = headline_from_h5py(path)
    flat = {}
    for key, value in expected.items():
        if isinstance(value, dict):
            flat.update({f"{key}.{label}": v for label, v in value.items()})
        else:
            flat[key] = value
    return flat


def test_rows_hold_every_headline_outcome_of_every_run(runs):
    paths, opened = runs
    table = comparison(opened)
    assert table["labels"] == ["baseline", "no_deals", "no_flights"]
    metrics = [metric for metric, _, _ in table["rows"]]
    assert metrics[:3] == ["imprisoned_abroad_end", "sheltered_end", "removals_total"]
    assert metrics[3].startswith("removals_by_destination.")
    for key in REQUIRED:
        assert key in metrics
    values = {metric: row for metric, _, row in table["rows"]}
    for column, path in enumerate(paths):
        for metric, value in flat_expected(path).items():
            if value is None:
                assert values[metric][column] is None, metric
            else:
                assert values[metric][column] == pytest.approx(value, rel=1e-12), (metric, column)
    # Without agreements nobody goes to Panama (only its shelter took people): 0, not missing.
    assert values["removals_by_destination.PAN"][1] == 0.0
    # Without programmes the cost per person removed is undefined.
    assert values["cost_per_removal"][2] is None


def test_markdown_has_one_column_per_run(runs):
    _, opened = runs
    text = compare(opened, "markdown")
    lines = text.splitlines()
    assert lines[0] == "# Runs compared"
    table = [line for line in lines if line.startswith("| ")]
    assert table[0] == "| outcome | unit | baseline | no_deals | no_flights |"
    assert all(line.count("|") == 6 for line in table)
    assert any(line.startswith("| flight_cost_total / removals_total;") and line.endswith("| n/a |")
               for line in table)
    for run in opened:
        assert run.scenario_sha256[:12] in text


def test_csv_round_trips_every_value(runs):
    paths, opened = runs
    rows = list(csv.DictReader(io.StringIO(compare(opened, "csv"))))
    assert list(rows[0]) == ["metric", "unit", "baseline", "no_deals", "no_flights"]
    by_metric = {row["metric"]: row for row in rows}
    assert by_metric["scenario_name"]["no_flights"] == "no_flights"
    for label, path in zip(["baseline", "no_deals", "no_flights"], paths):
        for metric, value in flat_expected(path).items():
            cell = by_metric[metric][label]
            if value is None:
                assert cell == ""
            elif isinstance(value, float):
                assert float(cell) == pytest.approx(value, rel=1e-15), metric


def test_json_parses_to_runs_and_rows(runs):
    paths, opened = runs
    document = json.loads(compare(opened, "json"))
    assert [r["label"] for r in document["runs"]] == ["baseline", "no_deals", "no_flights"]
    for entry, path in zip(document["runs"], paths):
        assert entry["run"]["path"] == str(path)
        assert entry["headline"]["removals_total"] == pytest.approx(
            headline_from_h5py(path)["removals_total"], rel=1e-15)
    rows = {row["metric"]: row for row in document["rows"]}
    assert rows["cost_per_removal"]["values"][2] is None
    assert rows["detention_peak"]["unit"] == "persons"


def test_unknown_format_is_refused(runs):
    _, opened = runs
    with pytest.raises(ValueError, match="markdown, csv, json"):
        compare(opened, "xml")


@pytest.mark.engine
def test_compare_engine_runs(real_run, real_run_variant, real_run_stochastic):
    paths = [real_run, real_run_variant, real_run_stochastic]
    with contextlib.ExitStack() as stack:
        opened = [stack.enter_context(deportsim.open_run(p)) for p in paths]
        table = comparison(opened)
    assert table["labels"] == ["tiny", "tiny_quota", "tiny_stochastic"]
    values = {metric: row for metric, _, row in table["rows"]}
    for column, path in enumerate(paths):
        for metric, value in flat_expected(path).items():
            if value is not None:
                assert values[metric][column] == pytest.approx(value, rel=1e-12), (metric, column)
    assert values["imprisoned_abroad_end"][1] <= 40 + 1e-9  # the total quota of the variant
    assert float(values["removals_total"][2]).is_integer()  # stochastic: whole persons
