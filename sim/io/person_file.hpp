// The per-person outputs of an agents-mode run, written into the group `/persons` of its run
// file (docs/output-format.md, "Agents mode"): one record per person (group, final status and
// country, times removed, days detained and in transit, first departure and removal), each
// person's route and removal times as contiguous ragged arrays (a count per person and one flat
// variable, CF's "contiguous ragged array"), the distributions of removals per person, time from
// departure to first removal and detention stays, and the daily trajectories of the traced
// sample. Every dimension is a dimension scale (person, route_hop and removal without a
// coordinate variable), so that ncdump and xarray (`xr.open_dataset(path,
// group="persons")`) read the group as it is.
#pragma once

#include "core/agents.hpp"
#include "core/record.hpp"
#include "io/format_version.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace deportsim {

// The version of the `/persons` group layout (its `format_version` attribute) is
// person_group_major/minor in io/format_version.hpp; readers refuse another major version.

// An Observer for agents-mode runs, added after the RunFileWriter of the same path: when the
// run completes, finish() adds `/persons` to the run file the RunFileWriter has just finished.
// The file is renamed to PATH.partial while the group is written, so that PATH appears again
// only complete; if writing fails the partial file is removed and FileError is thrown.
class PersonFileWriter final : public Observer {
public:
    PersonFileWriter(std::string run_file_path, const AgentEngine& engine);
    void start(const Scenario&, const RunInfo&) override {}
    void record(int, const StepOutputs&) override {}
    void finish() override;

private:
    std::string path_;
    const AgentEngine& engine_;
};

// Writes `/persons` into an existing, closed run file (what PersonFileWriter::finish does,
// without the renaming). Throws FileError when the file cannot be opened or written.
void write_person_group(const std::string& run_file_path, const AgentEngine& engine);

// Everything in `/persons`, read back.
struct PersonGroupContents {
    int format_major = 0;
    int format_minor = 0;
    std::vector<std::int16_t> group;
    std::vector<std::int8_t> status;
    std::vector<std::int16_t> country;
    std::vector<std::int32_t> times_removed;
    std::vector<float> days_detained;
    std::vector<float> days_in_transit;
    std::vector<float> first_departure;
    std::vector<float> first_removal;
    std::vector<std::int32_t> route_length;
    std::vector<std::int16_t> route_country;
    std::vector<double> removal_time;
    std::vector<std::int16_t> removal_destination;
    std::vector<std::int64_t> persons_by_times_removed;
    std::vector<double> delay_days; // coordinate of departure_to_first_removal
    std::vector<std::int64_t> departure_to_first_removal;
    std::vector<double> stay_days; // coordinate of detention_stays
    std::vector<std::int64_t> detention_stays;
    std::vector<std::int64_t> trace_person;
    std::vector<std::int8_t> trace_status;   // [trace_person][time]
    std::vector<std::int16_t> trace_country; // [trace_person][time]
};

// Reads `/persons` of a run file. Throws FileError when the file cannot be read and FormatError
// when it has no `/persons` group, or one of another major version or with missing variables.
PersonGroupContents read_person_group(const std::string& run_file_path);

} // namespace deportsim
