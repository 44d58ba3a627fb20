"""deportsim: reading, summarising, comparing, plotting and reporting runs of the deportsim
simulation engine.

    >>> import deportsim
    >>> with deportsim.open_run("out/baseline.h5") as run:
    ...     print(run.dates[-1], deportsim.headline(run)["removals_total"])
    ...     deportsim.figures.write_figures(run, "out/figures")

Needs numpy, h5py and matplotlib; uses xarray (and pandas) when importable. Everything it
needs of a run, the limits in force included, is a variable of the run file: it never parses
the scenario text the file carries. Command line: ``python3 -m deportsim --help``.
Modules: :mod:`~deportsim.run` (reader), :mod:`~deportsim.headline`,
:mod:`~deportsim.summary`, :mod:`~deportsim.compare`, :mod:`~deportsim.figures` (with
:mod:`~deportsim.dispositions` and :mod:`~deportsim.operations`), :mod:`~deportsim.report`,
and ``deportsim.sweep`` for sweep files (imported only when used).
"""

from .headline import headline, run_identity
from .run import FORMAT, SUPPORTED_MAJOR, FormatError, Run, open_run
from .versions import PERSONS_MAJOR, RUN_MAJOR, SWEEP_MAJOR
from .summary import summary

__version__ = "0.1.0"


def open_sweep(path):
    """Open a sweep file (format ``deportsim-sweep``): ``deportsim.sweep.open_sweep``, imported
    on first use, so that reading runs never depends on the sweep module."""
    try:
        from .sweep import open_sweep as open_sweep_file
    except ImportError as error:
        if getattr(error, "name", None) == f"{__name__}.sweep":
            raise ImportError(
                "reading sweep files needs the module deportsim.sweep "
                "(analysis/deportsim/sweep.py), which this installation lacks",
                name=error.name,
            ) from None
        raise
    return open_sweep_file(path)


def __getattr__(name: str):
    # The plotting modules import matplotlib; load them when first named
    # (deportsim.figures, deportsim.report, ...), not on ``import deportsim``.
    if name in ("figures", "report", "compare", "dispositions", "operations", "plotting",
                "palette", "specs", "persons"):
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "FORMAT",
    "SUPPORTED_MAJOR",
    "FormatError",
    "PERSONS_MAJOR",
    "RUN_MAJOR",
    "SWEEP_MAJOR",
    "Run",
    "headline",
    "open_run",
    "open_sweep",
    "run_identity",
    "summary",
    "__version__",
]
