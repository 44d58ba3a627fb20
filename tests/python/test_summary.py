"""deportsim.summary: the headline outcomes as Markdown, CSV and JSON that parse back."""

from __future__ import annotations

import csv
import io
import json

import pytest

import deportsim
from conftest import make_run_file
from deportsim.headline import flatten


def test_json_parses_to_the_headline_and_identity(run_file):
    with deportsim.open_run(run_file) as run:
        text = deportsim.summary(run, "json")
        outcomes = deportsim.headline(run)
        sha = run.scenario_sha256
    parsed = json.loads(text)
    assert parsed["headline"] == outcomes  # JSON keeps every digit of a float
    assert parsed["run"]["scenario_sha256"] == sha
    assert parsed["run"]["scenario_name"] == "fixture"
    assert parsed["run"]["seed"] == 42
    assert parsed["run"]["start_date"] == "2025-02-01" and parsed["run"]["end_date"] == "2025-04-12"


def test_json_writes_missing_values_as_null(tmp_path):
    path = make_run_file(tmp_path / "bare.h5", with_programmes=False, with_facilities=False)
    with deportsim.open_run(path) as run:
        parsed = json.loads(deportsim.summary(run, "json"))
    assert parsed["headline"]["cost_per_removal"] is None


def test_csv_rows_round_trip_every_outcome(run_file):
    with deportsim.open_run(run_file) as run:
        text = deportsim.summary(run, "csv")
        outcomes = deportsim.headline(run)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert set(rows[0]) == {"metric", "value", "unit"}
    by_metric = {row["metric"]: row for row in rows}
    assert by_metric["scenario_name"]["value"] == "fixture"
    for key, value, unit in flatten(outcomes):
        row = by_metric[key]
        assert row["unit"] == unit
        if isinstance(value, float):
            assert float(row["value"]) == value, key  # repr keeps every digit
        else:
            assert row["value"] == str(value), key
    assert by_metric["removals_by_destination.MEX"]["unit"] == "persons"
    assert by_metric["cost_per_removal"]["unit"] == "USD per person"


def test_markdown_is_a_table_with_every_outcome(run_file):
    with deportsim.open_run(run_file) as run:
        text = deportsim.summary(run, "markdown")
        outcomes = deportsim.headline(run)
        sha = run.scenario_sha256[:12]
    lines = text.splitlines()
    assert lines[0] == "# Run summary: fixture"
    assert sha in text
    table = [line for line in lines if line.startswith("| ")]
    assert table[0] == "| outcome | value | unit |"
    assert all(line.count("|") == 4 for line in table)
    rows = table[1:]
    assert len(rows) == len(flatten(outcomes)) + 1  # plus the separator row
    removed = f"{outcomes['removals_total']:,.0f}"
    assert any(row.startswith("| persons removed over the run, every sender and destination")
               and row.endswith(f"| {removed} | persons |") for row in rows)


def test_unknown_format_is_refused(run_file):
    with deportsim.open_run(run_file) as run, pytest.raises(ValueError, match="markdown, csv, json"):
        deportsim.summary(run, "xml")
