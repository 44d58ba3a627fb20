// deportsim validate: check a scenario file and say what it contains.
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "scenario/load.hpp"

#include <cstdio>

namespace deportsim::cli {

int validate_command(const std::vector<std::string>& args) {
    const char* synopsis = R"(deportsim validate SCENARIO.yaml [--set PATH=VALUE ...]

Reads and checks a scenario file (every key, type, range and reference; docs/scenario-format.md)
without running it. Prints what the scenario contains, or the first error as
file:line:col: error: ... with the offending line. Exit status 0 when valid, 2 otherwise.

Options)";
    po::options_description options(synopsis);
    std::vector<std::string> overrides;
    options.add_options()("set", po::value<std::vector<std::string>>(&overrides)->composing(),
                          "override one parameter, PATH=VALUE; repeatable");
    po::variables_map values;
    if (!parse_command(args, synopsis, options, "scenario", values)) {
        return exit_ok;
    }
    const std::string path = values["scenario"].as<std::string>();
    const Scenario s = load_scenario_file(path, overrides);
    int on_map = 0;
    for (const auto& c : s.countries) {
        on_map += c.on_map ? 1 : 0;
    }
    std::printf("%s: valid scenario '%s'\n", path.c_str(), s.name.c_str());
    std::printf("  time         %s to %s, dt %g days, %d steps\n", format_iso_date(s.start).c_str(),
                format_iso_date(s.end).c_str(), s.dt_days, s.steps());
    std::printf("  countries    %d on the map, %d nationalities only\n", on_map,
                static_cast<int>(s.countries.size()) - on_map);
    std::printf("  groups       %zu (%zu profiles)\n", s.groups.size(), s.profiles.size());
    std::printf("  facilities   %zu\n  routes       %zu\n  departures   %zu streams\n",
                s.facilities.size(), s.routes.size(), s.departures.size());
    std::printf("  programmes   %zu\n  agreements   %zu\n", s.programmes.size(),
                s.agreements.size());
    std::printf("  sha256       %s\n", sha256_hex(s.yaml_text).c_str());
    return exit_ok;
}

} // namespace deportsim::cli
