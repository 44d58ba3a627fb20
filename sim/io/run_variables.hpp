// The time-indexed variables of the run file, defined once: name, group, dimensions, units and
// long_name. RunFileWriter creates them from this list, read_run_file and `deportsim info` find
// them by it, and a test checks the tables of docs/output-format.md against it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace deportsim {

struct RunVariable {
    std::string group;                   // "" (the root group), "flows" or "parameters"
    std::string name;                    // within its group
    std::vector<std::string> dimensions; // the first is always "time"
    std::string units;
    std::string long_name;
    int since_minor = 0; // the minor format version (of run_format_major) that added it

    std::string path() const { return group.empty() ? name : group + "/" + name; }
};

// Every time-indexed variable, in the order the writer creates them: the root group's, then
// the group `flows` (one per process, in the engine's order, described by flow_descriptions),
// then the group `parameters` (the parameters in force at each step, format 1.1).
const std::vector<RunVariable>& run_variables();

// The variable at `path` ("stocks", "flows/arrests", "parameters/route_weight"); throws
// InternalError for a path the registry does not define.
const RunVariable& run_variable(std::string_view path);

// The values `return_policy` takes, in the order of return_policy_names (CF flag_values and
// flag_meanings attributes of that variable).
inline constexpr std::string_view return_policy_flag_meanings = "accept refuse cap";

} // namespace deportsim
