"""deportsim: reading, summarising and plotting runs of the deportsim simulation engine.

    >>> import deportsim
    >>> with deportsim.open_run("out/baseline.h5") as run:
    ...     print(run.dates[-1], deportsim.headline(run)["removals_total"])

Needs numpy, h5py and matplotlib; uses xarray (and pandas) when importable, and PyYAML to
read the scenario text a run carries. Command line: ``python3 -m deportsim --help``.
"""

from .headline import headline, run_identity
from .run import FORMAT, SUPPORTED_MAJOR, FormatError, Run, open_run
from .summary import summary

__version__ = "0.1.0"

__all__ = [
    "FORMAT",
    "SUPPORTED_MAJOR",
    "FormatError",
    "Run",
    "headline",
    "open_run",
    "run_identity",
    "summary",
    "__version__",
]
