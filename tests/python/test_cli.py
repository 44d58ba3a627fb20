"""python3 -m deportsim: plot, report, summary and compare commands, sweep files handed to
deportsim.sweep, help, and exit status 2 on bad input."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import types
from pathlib import Path

import h5py
import numpy as np
import pytest

from conftest import REPOSITORY, make_run_file
from deportsim import cli, figures
from direct import expected_figure_px, png_size


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
    assert listed == [str(tmp_path / "figures" / f"{name}.png") for name in figures.FIGURES]
    for path in listed:
        assert png_size(path) == expected_figure_px(run_file, Path(path).stem)


def test_plot_several_runs_overlays_them(tmp_path, capsys):
    first = make_run_file(tmp_path / "a.h5", name="baseline", steps=21)
    second = make_run_file(tmp_path / "b.h5", name="variant", steps=21, with_agreements=False)
    argv = ["plot", str(first), str(second), "--figure", "pipeline", "--figure", "headline"]
    assert cli.main(argv) == 0
    written = capsys.readouterr().out.split()
    directory = tmp_path / "a-compared-figures"  # the default next to the first run
    assert written == [str(directory / "pipeline.png"), str(directory / "headline.png")]
    for path in written:
        assert png_size(path) == expected_figure_px([first, second], Path(path).stem)
    # "headline" is a comparison: a single run has no such figure.
    assert cli.main(["plot", str(first), "--figure", "headline"]) == 2
    assert "unknown figure 'headline'" in capsys.readouterr().err


def test_report_writes_one_html_file(run_file, tmp_path, capsys):
    target = tmp_path / "out" / "report.html"
    assert cli.main(["report", str(run_file), "-o", str(target), "--figure", "capacity",
                     "--title", "Capacity only"]) == 0
    assert capsys.readouterr().out.split() == [str(target)]
    text = target.read_text(encoding="utf-8")
    assert "<title>Capacity only</title>" in text
    assert text.count("data:image/png;base64,") == 1
    assert cli.main(["report", str(run_file)]) == 0  # default: RUN-report.html beside the run
    assert capsys.readouterr().out.split() == [str(run_file.with_name("fixture-report.html"))]


def test_compare_prints_one_column_per_run(tmp_path, capsys):
    first = make_run_file(tmp_path / "a.h5", name="baseline", steps=14)
    second = make_run_file(tmp_path / "b.h5", name="variant", steps=14, with_programmes=False)
    assert cli.main(["compare", str(first), str(second), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert list(rows[0]) == ["metric", "unit", "baseline", "variant"]
    by_metric = {row["metric"]: row for row in rows}
    assert by_metric["cost_per_removal"]["variant"] == ""
    assert float(by_metric["removals_total"]["baseline"]) > 0
    result = deportsim_module("compare", first, second, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert [run["label"] for run in json.loads(result.stdout)["runs"]] == ["baseline", "variant"]


def make_sweep_file(path):
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "deportsim-sweep"
        f.attrs["format_version"] = np.array([1, 0], dtype=np.int32)
    return path


def test_plot_hands_a_sweep_file_to_the_sweep_module(tmp_path, capsys, monkeypatch):
    sweep = make_sweep_file(tmp_path / "sweep.h5")
    calls = []

    def plot_sweep(path, outdir):
        calls.append((path, outdir))
        return [outdir / "sweep.png"]

    monkeypatch.setitem(sys.modules, "deportsim.sweep", types.SimpleNamespace(plot_sweep=plot_sweep))
    assert cli.main(["plot", str(sweep), "-o", str(tmp_path / "figs")]) == 0
    assert calls == [(sweep, tmp_path / "figs")]
    assert capsys.readouterr().out.split() == [str(tmp_path / "figs" / "sweep.png")]
    assert cli.main(["plot", str(sweep)]) == 0  # default: SWEEP-figures beside the file
    assert calls[-1] == (sweep, tmp_path / "sweep-figures")


def test_a_sweep_without_the_sweep_module_is_a_clear_error(tmp_path, capsys, monkeypatch):
    sweep = make_sweep_file(tmp_path / "sweep.h5")
    monkeypatch.setitem(sys.modules, "deportsim.sweep", None)  # as if sweep.py were absent
    assert cli.main(["plot", str(sweep)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("deportsim: error: ")
    assert "sweep file" in captured.err and "deportsim.sweep" in captured.err
    assert len(captured.err.splitlines()) == 1
    with pytest.raises(ImportError, match="deportsim.sweep"):
        import deportsim
        deportsim.open_sweep(sweep)
    # Sweeps are drawn alone, and are not run files for the other commands.
    run = make_run_file(tmp_path / "run.h5", steps=3)
    assert cli.main(["plot", str(run), str(sweep)]) == 2
    assert "is a sweep file" in capsys.readouterr().err
    assert cli.main(["summary", str(sweep)]) == 2
    assert "use 'plot SWEEP.h5' for sweeps" in capsys.readouterr().err


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
    for command in ("plot", "report"):
        with pytest.raises(SystemExit) as stopped:
            cli.main([command, "--help"])
        assert stopped.value.code == 0
        text = capsys.readouterr().out
        for name in [*figures.FIGURES, "headline"]:
            assert f"\n  {name} " in text, (command, name)
    assert "dashed" in text and "per week" in text and "SHA-256" in text
    with pytest.raises(SystemExit):
        cli.main(["compare", "--help"])
    text = capsys.readouterr().out
    assert "one column per run" in text and "markdown" in text
    with pytest.raises(SystemExit):
        cli.main(["summary", "--help"])
    text = capsys.readouterr().out
    for fragment in ("markdown", "csv", "json", "cost_per_removal", "detention_peak"):
        assert fragment in text


def test_plot_at_another_resolution(run_file, tmp_path, capsys):
    assert cli.main(["plot", str(run_file), "-o", str(tmp_path), "--figure", "pipeline",
                     "--dpi", "72"]) == 0
    (written,) = capsys.readouterr().out.split()
    assert png_size(written) == (864, 576)  # 12 x 8 inches at 72 dpi
    with pytest.raises(SystemExit) as stopped:
        cli.main(["plot", str(run_file), "--dpi", "5"])
    assert stopped.value.code == 2
