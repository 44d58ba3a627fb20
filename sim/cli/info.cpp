// deportsim info: describe a run file.
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "io/run_file.hpp"

#include <iostream>

namespace deportsim::cli {

int info_command(const std::vector<std::string>& args) {
    const char* synopsis = R"(deportsim info RUN.h5

Describes a run file written by `deportsim run`: format and engine versions, scenario name and
SHA-256, mode, seed, dates, dimension sizes and headline totals. Exit status 2 when the file
is missing or is not a deportsim run file.

Options)";
    po::options_description options(synopsis);
    po::variables_map values;
    if (!parse_command(args, synopsis, options, "file", values)) {
        return exit_ok;
    }
    std::cout << describe_run_file(values["file"].as<std::string>());
    return exit_ok;
}

} // namespace deportsim::cli
