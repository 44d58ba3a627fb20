"""``python3 -m deportsim``: see :mod:`deportsim.cli`."""

import sys

from .cli import main

sys.exit(main())
