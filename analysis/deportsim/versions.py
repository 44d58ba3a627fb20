"""The file formats this package reads, and the major versions it accepts: defined here once
for Python, as ``sim/io/format_version.hpp`` defines them for C++ (docs/output-format.md,
"Versions"). A reader refuses another major version and reads every minor version of its own.
"""

RUN_FORMAT = "deportsim-run"
RUN_MAJOR = 1
# The run-file minor version that added the group /parameters and the root attribute
# scenario_description; an older file has neither.
RUN_PARAMETERS_MINOR = 1

# The group /persons of an agents-mode run file carries its own format_version.
PERSONS_MAJOR = 1

SWEEP_FORMAT = "deportsim-sweep"
SWEEP_MAJOR = 1
