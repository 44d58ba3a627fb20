// The sweep file (docs/sweep-format.md): YAML naming a base scenario, the design, the swept
// parameters and the outputs to keep, read into a SweepSpec. Errors point into the sweep file
// (file:line:col, the offending line and a caret), as the scenario loader's do, whose helpers
// (sim/scenario/source.hpp) this reuses.
#pragma once

#include "core/error.hpp"
#include "core/scenario.hpp"
#include "core/types.hpp"
#include "sweep/design.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace deportsim::sweep {

// A per-step series kept for every run: a stock or a flow, summed over groups and over every
// country or one.
struct SeriesRequest {
    enum class Kind { stock, flow };
    std::string name; // "stocks.detained", "flows.removals.USA"
    Kind kind = Kind::stock;
    int index = 0;    // a Status or a Flow
    int country = -1; // -1: every country
    std::string long_name;
};

// Reads a series name against a scenario's countries; nullopt-free: throws InputError (without
// location) naming what is wrong.
SeriesRequest parse_series_name(const std::string& name, const Scenario& scenario);

struct SweepSpec {
    std::string path;   // the sweep file, as given
    std::string text;   // its full text
    std::string sha256; // of `text`
    std::string description;

    std::string base_path; // `base` as written
    std::string base_file; // `base` resolved against the sweep file's directory
    std::string base_text;
    std::string base_sha256;
    Scenario base; // the base scenario without any parameter set

    Mode mode = Mode::expected;
    std::uint64_t seed = 0; // default: the base scenario's seed
    DesignKind design = DesignKind::grid;
    int samples = 0; // latin_hypercube and sobol
    int replicates = 1;
    std::vector<ParameterSpec> parameters;
    std::vector<SourceLocation> parameter_locations; // of each parameter's key, for errors
    std::vector<SeriesRequest> series;
};

// Reads and checks a sweep file and loads its base scenario. Throws InputError located in the
// sweep file (or in the base scenario, for an error there).
SweepSpec load_sweep_file(const std::string& path);
// The same from a text; `file_name` is used in messages and to resolve `base`.
SweepSpec load_sweep_text(const std::string& text, const std::string& file_name);

} // namespace deportsim::sweep
