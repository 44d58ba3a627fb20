// The types and versions of the files sim/io writes, defined once on the C++ side, so that a
// reader, a writer and `deportsim info` can never disagree (the Python package defines its own
// in analysis/deportsim/versions.py; docs/output-format.md and docs/sweep-format.md describe
// them). Readers refuse another major version and accept any minor version (a minor version
// only adds attributes or variables).
#pragma once

namespace deportsim {

// The run file (docs/output-format.md): one simulation, written by RunFileWriter. 1.1 added the
// group `parameters` (the parameters in force at each step) and the root attribute
// `scenario_description`.
inline constexpr const char* run_file_type = "deportsim-run";
inline constexpr int run_format_major = 1, run_format_minor = 1;

// The group `/persons` of an agents-mode run file (docs/output-format.md, "Agents mode"): its
// own `format_version` attribute, versioned apart from the run file that holds it, since it is
// written by another observer (PersonFileWriter) and read on its own (read_person_group).
inline constexpr int person_group_major = 1, person_group_minor = 0;

// The sweep file (docs/sweep-format.md): many runs' headline metrics.
inline constexpr const char* sweep_file_type = "deportsim-sweep";
inline constexpr int sweep_format_major = 1, sweep_format_minor = 0;

} // namespace deportsim
