"""Command line: ``python3 -m deportsim plot|report|summary|compare RUN.h5 ...``.

Exit status 0 on success, 2 when an input is missing, is not a deportsim run file, or is of a
format version this package does not read (one line on stderr), or when the command line is
wrong.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import Sequence

import h5py

from . import __version__
from .run import FormatError, _text, open_run
from .summary import FORMATS, summary

PROGRAM = "python3 -m deportsim"
SWEEP_FORMAT = "deportsim-sweep"

FIGURE_HELP = """\
figures (one run; with several runs, the same panels with the runs overlaid):
  pipeline                 People by status over time, all countries together, stacked: the
                           stocks outside the removal pipeline (at large, returned home,
                           settled, dead or missing) on top, the pipeline itself (in transit,
                           detained, imprisoned abroad, sheltered abroad) below on its own scale.
  stocks_by_country        One panel per status, one line per country (the 6 with the highest
                           peak; the rest summed as "other countries").
  dispositions             Flow diagram (alluvial) from nationality to outcome: returned home,
                           imprisoned or sheltered in a third country, released, settled, still
                           detained, dead in transit. Several runs: outcome totals as bars.
  removals_by_destination  Persons removed per week, stacked bars by destination, one panel per
                           sending country. A lighter last bar is a partial week.
  programmes               Each flight programme: passengers per week against the seats on the
                           flights flown (dashed) and scheduled (dotted); spending since the
                           start against the budget (dashed), with the date it ran out.
  agreements               Each agreement: received per month against the monthly quota,
                           received since the start against the total quota, persons held
                           against the facility's places, fees paid.
  detention                Each country that detains: population against beds (dashed);
                           releases per week after maximum detention and for want of beds.
  capacity                 What binds: facility occupancy as a share of places, programme
                           passengers as a share of seats, 100% marked.
  deterrence               People setting out per week (first departures, re-migration) against
                           the deterrence factor.
  headline                 (several runs only) Headline outcomes as bars, one per run.
"""

PLOT_HELP = f"""\
Draw the report figures of one run, or of several runs overlaid, as PNG files (1800 pixels
wide, 150 dpi), and print the paths written. Every figure carries a title, axis labels with
units, dated time axes, a legend and a source line naming each scenario and the first 12
characters of its SHA-256. Colours are fixed per status (Okabe-Ito) and per country (Tol
"muted"), so they agree across figures; runs in overlays take Tol "bright" colours and their
own line styles, labelled by scenario name (or file stem when names repeat).

A sweep file (format {SWEEP_FORMAT}) is drawn by deportsim.sweep.plot_sweep.

{FIGURE_HELP}
examples:
  python3 -m deportsim plot out/baseline.h5 -o out/figures
  python3 -m deportsim plot out/baseline.h5 out/quota300.h5 -o out/compare
  python3 -m deportsim plot out/sweep.h5 -o out/sweep-figures
"""

REPORT_HELP = f"""\
Write one self-contained HTML page: the scenario summary (name, description, dates, mode,
seed, SHA-256, engine version), the headline outcomes (one column per run when there are
several), and every figure with a caption. Images are embedded as base64 PNG data URIs and the
CSS is inline; there are no scripts and no links outside the page.

{FIGURE_HELP}
examples:
  python3 -m deportsim report out/baseline.h5 -o out/baseline.html
  python3 -m deportsim report out/baseline.h5 out/quota300.h5 -o out/compare.html
"""

SUMMARY_HELP = """\
Print the headline outcomes of one run: the metrics of sim/core/headline.hpp (as
`deportsim info` and sweep files give them), each followed by its breakdowns:
  imprisoned_abroad_end         stock 'imprisoned' at the end, all countries and groups
  sheltered_end                 stock 'sheltered' at the end
  removals_total                removed over the run, onward repatriations from shelters included
  removals_by_destination.X     removed to destination X
  removals_home                 removals_total - transfers_third_country
  transfers_third_country       transferred under agreements
  detention_peak (+ _date)      highest number detained at once, all countries together
  detention_peak_by_country.X   highest number detained at once in country X
  max_detention_releases_total  released after the maximum detention period
  overflow_releases_total       stopped but released for want of beds
  deaths_total                  deaths in transit
  departures_total              first departures
  flight_cost_total             spent by flight programmes (USD)
  detention_cost_total          occupancy cost of detention facilities (USD)
  facility_cost_by_kind.K       occupancy cost of facilities of kind K (USD)
  fees_total                    fees paid to receivers under agreements (USD)
  cost_per_removal              flight_cost_total / removals_total (USD per person)
  at_large_end                  stock 'at_large' at the end
  final_stocks_by_status.S      persons in status S at the end

formats: markdown (a report table), csv (rows metric,value,unit; run identity first),
json ({"run": {...}, "headline": {...}}; missing values are null).

example:
  python3 -m deportsim summary out/baseline.h5 --format csv > baseline.csv
"""

COMPARE_HELP = """\
Print the headline outcomes of several runs side by side, one column per run (labelled by
scenario name, or file stem when names repeat): people imprisoned abroad, removals in all and
by destination, detention peak, releases after maximum detention, cost per removal, deaths
in transit, and the rest of the summary's outcomes. A destination a run never removed
to shows 0 there; an undefined value shows n/a (CSV: empty; JSON: null).

formats: markdown (a table), csv (rows metric,unit,<run>...; run identity first),
json ({"runs": [{"label", "run", "headline"}], "rows": [{"metric", "unit", "values"}]}).

example:
  python3 -m deportsim compare out/baseline.h5 out/quota300.h5 --format markdown
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROGRAM,
        description="Read, summarise, compare, plot and report deportsim run files "
        "(format deportsim-run 1.x).",
        epilog="Run '%(prog)s COMMAND --help' for what each command writes.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    raw = argparse.RawDescriptionHelpFormatter

    plot = commands.add_parser("plot", help="draw the report figures of runs (or a sweep) as PNG files",
                               description=PLOT_HELP, formatter_class=raw)
    plot.add_argument("runs", metavar="RUN.h5", nargs="+",
                      help="run files written by the engine (or one sweep file)")
    plot.add_argument(
        "-o", "--output", metavar="DIR", type=Path,
        help="directory for the PNG files (created if needed; default: RUN-figures next to the "
        "first file, or RUN-compared-figures for several runs)",
    )
    plot.add_argument("--figure", action="append", metavar="NAME", dest="figures",
                      help="draw only this figure (repeatable); names as listed above")
    plot.add_argument("--dpi", type=_dpi, default=None, metavar="N",
                      help="resolution (default 150: 1800 pixels wide; 80 gives 960 pixels, "
                      "a third of the bytes)")

    report = commands.add_parser("report", help="write a self-contained HTML report of runs",
                                 description=REPORT_HELP, formatter_class=raw)
    report.add_argument("runs", metavar="RUN.h5", nargs="+", help="run files written by the engine")
    report.add_argument("-o", "--output", metavar="REPORT.html", type=Path,
                        help="file to write (default: RUN-report.html next to the first run)")
    report.add_argument("--figure", action="append", metavar="NAME", dest="figures",
                        help="include only this figure (repeatable)")
    report.add_argument("--title", help="heading of the page (default: from the scenario names)")

    summary_parser = commands.add_parser("summary", help="print the headline outcomes of a run",
                                         description=SUMMARY_HELP, formatter_class=raw)
    summary_parser.add_argument("run", metavar="RUN.h5", help="run file written by the engine")
    summary_parser.add_argument("--format", choices=FORMATS, default="markdown",
                                help="output format (default markdown)")

    compare_parser = commands.add_parser(
        "compare", help="print the headline outcomes of several runs side by side",
        description=COMPARE_HELP, formatter_class=raw)
    compare_parser.add_argument("runs", metavar="RUN.h5", nargs="+", help="run files written by the engine")
    compare_parser.add_argument("--format", choices=FORMATS, default="markdown",
                                help="output format (default markdown)")
    return parser


def _dpi(text: str) -> float:
    value = float(text)
    if not 30 <= value <= 600:
        raise argparse.ArgumentTypeError(f"{text}: give a resolution from 30 to 600 dots per inch")
    return value


def _fail(message: str) -> int:
    first_line = " ".join(str(message).split("\n")[0].split())
    print(f"deportsim: error: {first_line}", file=sys.stderr)
    return 2


def file_format(path: str | Path) -> str | None:
    """The root attribute ``format`` of an HDF5 file, or None when there is none or the file
    cannot be read (``open_run`` then says why)."""
    try:
        with h5py.File(path, "r") as f:
            value = f.attrs.get("format")
            return None if value is None else _text(value)
    except (OSError, TypeError, ValueError):
        return None


def _plot_sweep(path: Path, output: Path | None, figures: Sequence[str] | None) -> int:
    """Hand a sweep file to ``deportsim.sweep.plot_sweep``, imported only now."""
    if figures:
        return _fail(f"{path}: --figure chooses run figures; a sweep file is drawn whole")
    try:
        from .sweep import plot_sweep
    except ImportError as error:
        if getattr(error, "name", None) == f"{__package__}.sweep":
            return _fail(
                f"{path} is a sweep file (format {SWEEP_FORMAT}); drawing it needs the module "
                "deportsim.sweep (analysis/deportsim/sweep.py), which this installation lacks"
            )
        return _fail(
            f"{path} is a sweep file (format {SWEEP_FORMAT}), but deportsim.sweep could not be "
            f"imported: {error}"
        )
    directory = output or path.with_name(path.stem + "-figures")
    written = plot_sweep(path, directory)
    if isinstance(written, (str, Path)):
        written = [written]
    for item in written or []:
        print(item)
    return 0


def _default_output(paths: Sequence[str], suffix: str) -> Path:
    first = Path(paths[0])
    if len(paths) > 1:
        return first.with_name(first.stem + "-compared" + suffix)
    return first.with_name(first.stem + suffix)


def _run_command(arguments) -> int:
    from .figures import FIGURES, HEADLINE_FIGURE, RUN_FIGURES

    paths = arguments.runs if hasattr(arguments, "runs") else [arguments.run]
    if arguments.command == "plot" and len(paths) == 1 and file_format(paths[0]) == SWEEP_FORMAT:
        return _plot_sweep(Path(paths[0]), arguments.output, arguments.figures)
    sweeps = [p for p in paths if file_format(p) == SWEEP_FORMAT]
    if sweeps:
        hint = ("plot it alone ('plot SWEEP.h5')" if arguments.command == "plot"
                else "use 'plot SWEEP.h5' for sweeps")
        return _fail(f"{sweeps[0]} is a sweep file (format {SWEEP_FORMAT}), not a run file; {hint}")
    if arguments.command in ("plot", "report") and arguments.figures:
        # Figures that only some runs have (persons: agents mode) are checked against the
        # files by write_figures, which names what the file lacks.
        allowed = (list(FIGURES) + (list(RUN_FIGURES) if len(paths) == 1 else [])
                   + ([HEADLINE_FIGURE] if len(paths) > 1 else []))
        unknown = [name for name in arguments.figures if name not in allowed]
        if unknown:
            return _fail(f"unknown figure {unknown[0]!r}; figures: {', '.join(allowed)}")

    with contextlib.ExitStack() as stack:
        runs = [stack.enter_context(open_run(path)) for path in paths]
        if arguments.command == "summary":
            sys.stdout.write(summary(runs[0], arguments.format))
        elif arguments.command == "compare":
            from .compare import compare

            sys.stdout.write(compare(runs, arguments.format))
        elif arguments.command == "plot":
            from .figures import write_figures, write_overlays

            directory = arguments.output or _default_output(paths, "-figures")
            if len(runs) == 1:
                written = write_figures(runs[0], directory, arguments.figures, arguments.dpi)
            else:
                written = write_overlays(runs, directory, arguments.figures, dpi=arguments.dpi)
            for path in written:
                print(path)
        else:
            from .report import write_report

            target = arguments.output or _default_output(paths, "-report.html")
            print(write_report(runs, target, arguments.figures, arguments.title))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        return _run_command(arguments)
    except (FileNotFoundError, FormatError) as error:
        return _fail(str(error))
    except KeyError as error:
        # A run file without a variable the command needs: damaged, or from another writer.
        message = error.args[0] if error.args else str(error)
        return _fail(f"incomplete run file: {message}")
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
