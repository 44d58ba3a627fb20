"""python3 -m deportsim: plot and summary commands, help, and exit status 2 on bad input."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest

from conftest import REPOSITORY, make_run_file
from deportsim import cli
from direct import png_size


def deportsim_module(*args, cwd=None):
    """Runs ``python -m deportsim`` in a fresh interpreter, as a user would."""
    environment = dict(os.environ)
    environment["PYTHONPATH"] = str(REPOSITORY / "analysis")
    environment["MPLBACKEND"] = "Agg"
    return subprocess.run(
        [sys.executable, "-m", "deportsim", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, env=environment, timeout=300,
    )


def test_plot_writes_every_figure_and_lists_the_files(run_file, tmp_path):
    result = deportsim_module("plot", run_file, "-o", tmp_path / "figures")
    assert result.returncode == 0, result.stderr
    listed = result.stdout.split()
    names = ["pipeline", "stocks_by_country", "removals_by_destination", "capacity"]
    assert listed == [str(tmp_path / "figures" / f"{name}.png") for name in names]
    for path in listed:
        width, height = png_size(path)
        assert width == 1800 and height >= 675


def test_plot_one_figure_into_the_default_directory(run_file, capsys):
    assert cli.main(["plot", str(run_file), "--figure", "pipeline"]) == 0
    written = capsys.readouterr().out.split()
    assert written == [str(run_file.with_name("fixture-figures") / "pipeline.png")]
    assert png_size(written[0]) == (1800, 1200)


def test_summary_in_each_format_parses(run_file, capsys):
    assert cli.main(["summary", str(run_file), "--format", "json"]) == 0
    parsed = json.loads(capsys.readouterr().out)
    assert parsed["headline"]["removals_total"] > 0

    assert cli.main(["summary", str(run_file), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    values = {row["metric"]: row["value"] for row in rows}
    assert float(values["removals_total"]) == parsed["headline"]["removals_total"]

    assert cli.main(["summary", str(run_file)]) == 0  # markdown by default
    text = capsys.readouterr().out
    assert text.startswith("# Run summary: fixture")
    assert "| outcome | value | unit |" in text


def test_summary_through_the_module_entry_point(run_file):
    result = deportsim_module("summary", run_file, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["run"]["scenario_name"] == "fixture"


def assert_fails_with_one_line(argv, fragment, capsys):
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("deportsim: error: ")
    assert fragment in lines[0]


def test_exit_status_2_on_files_that_are_not_runs(tmp_path, capsys):
    text = tmp_path / "notes.txt"
    text.write_text("hello\n")
    assert_fails_with_one_line(["summary", str(text)], "not an HDF5 file", capsys)
    assert_fails_with_one_line(["plot", str(text), "-o", str(tmp_path)], "not an HDF5 file", capsys)
    assert_fails_with_one_line(["summary", str(tmp_path / "absent.h5")], "no such file", capsys)
    plain = tmp_path / "plain.h5"
    with h5py.File(plain, "w") as f:
        f["x"] = np.arange(3)
    assert_fails_with_one_line(["summary", str(plain)], "not a deportsim run file", capsys)
    newer = make_run_file(tmp_path / "v2.h5", steps=3, format_version=(2, 0))
    assert_fails_with_one_line(["summary", str(newer)], "format version 2.0 is not supported", capsys)
    assert_fails_with_one_line(
        ["plot", str(make_run_file(tmp_path / "ok.h5", steps=3)), "--figure", "map"],
        "unknown figure 'map'", capsys,
    )


def test_exit_status_2_from_a_fresh_interpreter(tmp_path):
    text = tmp_path / "notes.h5"
    text.write_text("hello\n")
    result = deportsim_module("plot", text, "-o", tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and "not an HDF5 file" in result.stderr


def test_command_line_mistakes_exit_2(run_file, capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["summary", str(run_file), "--format", "xml"])
    assert stopped.value.code == 2
    with pytest.raises(SystemExit) as stopped:
        cli.main([])
    assert stopped.value.code == 2


def test_help_describes_each_figure_and_each_format(capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["plot", "--help"])
    assert stopped.value.code == 0
    text = capsys.readouterr().out
    for name in ("pipeline", "stocks_by_country", "removals_by_destination", "capacity"):
        assert f"\n  {name} " in text, name
    assert "dashed" in text and "per week" in text and "SHA-256" in text
    with pytest.raises(SystemExit):
        cli.main(["summary", "--help"])
    text = capsys.readouterr().out
    for fragment in ("markdown", "csv", "json", "cost_per_person_removed", "detention_peak"):
        assert fragment in text
