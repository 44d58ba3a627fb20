// The run file: one simulation's output as HDF5 that netCDF-4 tools read as they are
// (docs/output-format.md). RunFileWriter is an Observer that writes it; read_run_file reads all
// of it back; describe_run_file summarises it for `deportsim info`.
#pragma once

#include "core/calendar.hpp"
#include "core/headline.hpp"
#include "core/record.hpp"
#include "core/scenario.hpp"
#include "core/types.hpp"
#include "io/format_version.hpp"

#include <Eigen/Core>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace deportsim {

// An Observer (core/record.hpp) that writes OUT.h5. It writes to OUT.h5.partial and renames it
// to OUT.h5 in finish(); if destroyed before finish() (a failed run) it removes the partial
// file, leaving any earlier OUT.h5 untouched. Throws FileError when the file can't be written,
// InternalError when the outputs it is shown do not have the scenario's shapes or the steps do
// not increase.
//
// Steps are buffered in memory (about 2 MiB, whatever the run's length) and written one chunk of
// steps at a time, compressed on `threads` threads (0: OMP_NUM_THREADS or all cores), which
// changes nothing in the file. The root attribute
// `created` is the current UTC time, or the time SOURCE_DATE_EPOCH gives when that environment
// variable is set (two runs with the same scenario, seed and mode then give identical bytes).
class RunFileWriter final : public Observer {
public:
    explicit RunFileWriter(std::string path, int threads = 1);
    ~RunFileWriter() override;
    RunFileWriter(const RunFileWriter&) = delete;
    RunFileWriter& operator=(const RunFileWriter&) = delete;

    void start(const Scenario& scenario, const RunInfo& info) override;
    void record(int step, const StepOutputs& outputs) override;
    void finish() override;

private:
    struct Impl;
    std::string path_;
    int threads_ = 1;
    std::unique_ptr<Impl> impl_;
};

// Everything in a run file, read back. The series hold one row per record (time) and, in their
// columns, the remaining dimensions flattened in C order: exactly the layout of the datasets.
struct RunFileContents {
    // Root attributes.
    std::string format; // run_file_type
    int format_major = 0;
    int format_minor = 0;
    std::string engine_version;
    std::string git_revision;
    std::string created; // ISO 8601 UTC, "2025-02-01T12:00:00Z"
    Mode mode = Mode::expected;
    std::uint64_t seed = 0;
    std::string scenario_name;
    std::string scenario_description; // "" in a file of format 1.0
    std::string scenario_yaml;
    std::string scenario_sha256;
    std::vector<std::string> scenario_overrides; // the `--set` assignments, in order
    Date start_date;
    double dt_days = 1.0;

    // Labels: the coordinate variables and the auxiliary variables along each dimension.
    std::vector<std::string> countries; // ISO alpha-3 codes; also the `destination` labels
    std::vector<std::string> country_names;
    std::vector<bool> country_on_map;
    std::vector<std::string> statuses; // status_names
    std::vector<std::string> groups;   // "VEN/gang_tda"
    std::vector<std::string> group_nationalities;
    std::vector<std::string> group_profiles;
    std::vector<std::string> programmes;
    std::vector<std::string> programme_senders;
    std::vector<std::string> agreements;
    std::vector<std::string> agreement_senders;
    std::vector<std::string> agreement_receivers;
    std::vector<std::string> agreement_dispositions;
    std::vector<std::string> facilities;
    std::vector<std::string> facility_countries;
    std::vector<std::string> facility_kinds;
    Eigen::ArrayXd facility_capacity;
    std::vector<std::string> profiles; // /parameters/profile; empty in a file of format 1.0
    std::vector<std::string> routes;   // /parameters/route; empty in a file of format 1.0

    // Time in days since start_date, one per record; record 0 is the initial state.
    Eigen::ArrayXd time;

    CellArray stocks;                        // (time, country * status * group), persons
    std::array<CellArray, flow_count> flows; // each (time, country * group), persons per step
    CellArray removals_by_destination;       // (time, country * destination), persons
    Eigen::ArrayXd deterrence_factor;        // (time)
    CellArray programme_flights;             // (time, programme), flights
    CellArray programme_passengers;          // (time, programme), persons
    CellArray programme_cost;                // (time, programme), USD
    CellArray programme_budget_left;         // (time, programme), USD; inf when unlimited
    CellArray agreement_transfers;           // (time, agreement), persons
    CellArray agreement_held;                // (time, agreement), persons
    CellArray agreement_fees;                // (time, agreement), USD
    CellArray agreement_quota_used;          // (time, agreement), persons
    CellArray facility_occupancy;            // (time, facility), persons
    CellArray facility_cost;                 // (time, facility), USD
    // The group `parameters` (format 1.1; empty in a 1.0 file): each variable by its name in
    // the group, (time, cells) as above, dimensions and units as in io/run_variables.hpp.
    std::map<std::string, CellArray> parameters;

    Eigen::Index records() const { return time.size(); }
    // The engine's step number of a record: time / dt_days, rounded.
    int step(Eigen::Index record) const;
    double stock(Eigen::Index record, int country, Status status, int group) const;
    // One record, shaped as the StepOutputs the writer was shown.
    StepOutputs outputs(Eigen::Index record) const;
};

// Reads a whole run file. Throws FileError when the file cannot be opened or read, FormatError
// when it is not a deportsim-run file (not HDF5, no or another `format`, missing variables or
// wrong shapes) or when its major format version differs from run_format_major.
RunFileContents read_run_file(const std::string& path);

// The headline metrics (core/headline.hpp) of a run read back: a HeadlineRecorder shown every
// record, so the same numbers, by the same definitions, as a sweep records for the run.
HeadlineValues headline_of_run_file(const RunFileContents& run);

// A human summary for `deportsim info`: format, versions, scenario name and SHA-256, mode, seed,
// dates, dimension sizes, whether the file has the parameters in force, the final stocks by
// status and every headline metric. Reads the whole file; throws as read_run_file does.
std::string describe_run_file(const std::string& path);

// The headline metrics of a run file as CSV (`deportsim info --format csv`): a header line
// `metric,value,units`, then one line per metric in the order of headline_metrics, values with
// every digit (%.17g), an undefined value (NaN) empty.
std::string headline_csv(const std::string& path);

} // namespace deportsim
