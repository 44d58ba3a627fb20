// The sweep file: every run of a parameter sweep in one HDF5 file that netCDF-4 tools read as
// they are (docs/sweep-format.md): the points, each run's headline metrics, seed and completion,
// the requested per-step series, and the sweep and base scenario texts.
//
// SweepFileWriter writes SWEEP.h5.partial and renames it to SWEEP.h5 in finish(). It is given
// the header first, then the runs one point at a time in point order; the bytes it writes
// depend only on what it is given (the `created` attribute included), so the same sweep gives
// the same file however its runs were scheduled.
#pragma once

#include "core/calendar.hpp"
#include "core/types.hpp"
#include "io/format_version.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace deportsim {

// sweep_file_type and sweep_format_major/minor are in io/format_version.hpp.

// Everything known before any run: root attributes, labels, the design.
struct SweepFileHeader {
    // Root attributes.
    Mode mode = Mode::expected;
    std::uint64_t seed = 0; // the sweep seed; each run's seed is in run_seed
    std::string design;     // grid, latin_hypercube or sobol
    int samples = 0;        // N for latin_hypercube and sobol; 0 for grid
    int replicates = 1;
    std::string description;
    std::string scenario_name; // the base scenario's name
    std::string base_scenario_path;
    std::string base_scenario_yaml;
    std::string base_scenario_sha256;
    std::string sweep_yaml;
    std::string sweep_sha256;
    std::string created; // ISO 8601 UTC
    Date start_date;
    double dt_days = 1;

    // Dimension `parameter` and the variables along it.
    std::vector<std::string> parameters; // scenario paths
    std::vector<std::string> parameter_units;
    std::vector<std::string> parameter_distribution; // values, uniform or loguniform
    std::vector<double> parameter_low;               // NaN for explicit values
    std::vector<double> parameter_high;
    std::vector<std::int8_t> parameter_integer;

    int point_count = 0;           // points of the design (1 for an ensemble: no parameters)
    std::vector<double> points;    // (point, parameter), row-major
    std::vector<int> sobol_matrix; // (point): 0 = A, 1 = B, 2 + i = A_B^i; empty unless sobol
    std::vector<int> sobol_row;    // (point): row within its matrix; empty unless sobol

    // Dimension `metric`.
    std::vector<std::string> metrics;
    std::vector<std::string> metric_units;
    std::vector<std::string> metric_long_names;

    // Dimension `time` (records per series: steps + 1) and the series in the group `series`.
    int records = 0;
    std::vector<std::string> series;
    std::vector<std::string> series_long_names;
};

// The runs of one point, replicate by replicate. An incomplete run has complete 0, seed as
// planned, and NaN for every value.
struct SweepPointResults {
    std::vector<double> summary;             // (replicate, metric)
    std::vector<std::uint64_t> seeds;        // (replicate)
    std::vector<std::int8_t> complete;       // (replicate)
    std::vector<std::vector<double>> series; // per series: (replicate, time)
};

class SweepFileWriter {
public:
    // Creates PATH.partial and writes the header. Throws FileError when it can't.
    SweepFileWriter(std::string path, const SweepFileHeader& header);
    // Removes PATH.partial unless finish() was called.
    ~SweepFileWriter();
    SweepFileWriter(const SweepFileWriter&) = delete;
    SweepFileWriter& operator=(const SweepFileWriter&) = delete;

    // The next point's runs (points in order from 0). Throws InternalError on wrong shapes.
    void write_point(const SweepPointResults& results);
    // After the last point: writes the summaries, closes the file and renames it to PATH.
    void finish();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// A whole sweep file read back (for tests and tools).
struct SweepFileContents {
    std::string format;
    int format_major = 0;
    int format_minor = 0;
    std::string engine_version;
    std::string git_revision;
    SweepFileHeader header;
    std::vector<double> summary;             // (point, replicate, metric)
    std::vector<std::uint64_t> run_seed;     // (point, replicate)
    std::vector<std::int8_t> complete;       // (point, replicate)
    std::vector<double> time;                // days since start_date
    std::vector<std::vector<double>> series; // per series: (point, replicate, time)
};

// Throws FileError when the file can't be read, FormatError when it is not a deportsim-sweep
// file of major version sweep_format_major.
SweepFileContents read_sweep_file(const std::string& path);

} // namespace deportsim
