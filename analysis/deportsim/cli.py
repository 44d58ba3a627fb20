"""Command line: ``python3 -m deportsim plot|summary RUN.h5 ...``.

Exit status 0 on success, 2 when the input is missing, is not a deportsim run file, or is
of a format version this package does not read (one line on stderr), or when the command
line is wrong.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from . import __version__
from .run import FormatError, open_run
from .summary import FORMATS, summary

PROGRAM = "python3 -m deportsim"

PLOT_HELP = """\
Draw the report figures of one run as PNG files (1800 pixels wide, 150 dpi) and print the
paths written. Every figure carries a source line naming the scenario and the first 12
characters of its SHA-256. Colours are fixed per status (Okabe-Ito) and per country (Tol
"muted", by the country's position in the run), so they agree across figures.

figures:
  pipeline                 People by status over time, all countries together, as stacked
                           areas in two panels: the large stocks outside the removal
                           pipeline (at large, returned home, settled, dead or missing) on
                           top, and the pipeline itself (in transit, detained, imprisoned
                           abroad, sheltered abroad) below on its own scale.
  stocks_by_country        One panel per status (at large, detained, imprisoned, sheltered,
                           returned, and the other statuses summed), one line per country:
                           the 6 countries with the highest peak in the panel, the rest
                           summed as "other countries".
  removals_by_destination  Persons removed per week (7-day periods from the start date),
                           stacked bars by destination, one panel per sending country. A
                           lighter last bar is a partial week.
  capacity                 Capacity use: each facility's occupancy with its capacity as a
                           dashed line (one panel each), and each flight programme's
                           passengers per week against the seats on the flights it flew
                           (seats per flight read from the scenario text the run carries).

example:
  python3 -m deportsim plot out/baseline.h5 -o out/figures
"""

SUMMARY_HELP = """\
Print the headline outcomes of one run:
  imprisoned_abroad_end       stock 'imprisoned' at the end, summed over countries
  removals_total              everyone removed over the run
  removals_by_destination.X   removed to destination X
  detention_peak (+ _date)    highest number detained at once, all countries together
  detention_peak_by_country.X highest number detained at once in country X
  max_detention_releases      released after the maximum detention period
  programme_cost_total        spent by flight programmes (USD)
  cost_per_person_removed     programme cost / removals_total (USD per person)
  agreement_fees_total        fees paid to receivers under agreements (USD)
  facility_cost_total         occupancy cost of facilities (USD)
  deaths_in_transit           deaths in transit
  final_stocks_by_status.S    persons in status S at the end

formats: markdown (a report table), csv (rows metric,value,unit; run identity first),
json ({"run": {...}, "headline": {...}}; missing values are null).

example:
  python3 -m deportsim summary out/baseline.h5 --format csv > baseline.csv
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROGRAM,
        description="Read, summarise and plot deportsim run files (format deportsim-run 1.x).",
        epilog="Run '%(prog)s COMMAND --help' for what each command writes.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    plot = commands.add_parser(
        "plot",
        help="draw the report figures of a run as PNG files",
        description=PLOT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    plot.add_argument("run", metavar="RUN.h5", help="run file written by the engine")
    plot.add_argument(
        "-o", "--output", metavar="DIR", type=Path,
        help="directory for the PNG files (created if needed; default: RUN-figures next to "
        "the run file)",
    )
    plot.add_argument(
        "--figure", action="append", metavar="NAME", dest="figures",
        help="draw only this figure (repeatable); names as listed above",
    )

    summary_parser = commands.add_parser(
        "summary",
        help="print the headline outcomes of a run",
        description=SUMMARY_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    summary_parser.add_argument("run", metavar="RUN.h5", help="run file written by the engine")
    summary_parser.add_argument(
        "--format", choices=FORMATS, default="markdown", help="output format (default markdown)"
    )
    return parser


def _fail(message: str) -> int:
    first_line = " ".join(str(message).split("\n")[0].split())
    print(f"deportsim: error: {first_line}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        with open_run(arguments.run) as run:
            if arguments.command == "plot":
                from .figures import FIGURES, write_figures

                names = arguments.figures or list(FIGURES)
                unknown = [name for name in names if name not in FIGURES]
                if unknown:
                    return _fail(
                        f"unknown figure {unknown[0]!r}; figures: {', '.join(FIGURES)}"
                    )
                directory = arguments.output or Path(arguments.run).with_name(
                    Path(arguments.run).stem + "-figures"
                )
                for path in write_figures(run, directory, names):
                    print(path)
            else:
                sys.stdout.write(summary(run, arguments.format))
    except (FileNotFoundError, FormatError) as error:
        return _fail(str(error))
    except KeyError as error:
        # A run file without a variable the command needs: damaged, or from another writer.
        message = error.args[0] if error.args else str(error)
        return _fail(f"{arguments.run}: incomplete run file: {message}")
    except BrokenPipeError:
        return 0
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

