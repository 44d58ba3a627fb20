// The types and versions of the files sim/io writes: one header, so that a reader, a writer and
// `deportsim info` can never disagree. Readers refuse another major version and accept any
// minor version (a minor version only adds attributes or variables).
#pragma once

namespace deportsim {

// The run file (docs/output-format.md): one simulation, written by RunFileWriter.
inline constexpr const char* run_file_type = "deportsim-run";
inline constexpr int run_format_major = 1, run_format_minor = 0;

} // namespace deportsim
