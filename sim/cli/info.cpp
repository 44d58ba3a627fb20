// deportsim info: describe a run file.
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "core/error.hpp"
#include "io/run_file.hpp"

#include <iostream>

namespace deportsim::cli {

int info_command(const std::vector<std::string>& args) {
    const char* synopsis = R"(deportsim info RUN.h5 [--format text|csv]

Describes a run file written by `deportsim run` (any mode: expected, stochastic or agents):
format and engine versions, scenario name and SHA-256, mode, seed, dates, dimension sizes,
whether it holds the parameters in force (/parameters, format 1.1), final stocks by status and
the headline metrics, defined as in sweep files and `python -m deportsim summary`
(sim/core/headline.hpp). `--format csv` prints only the headline metrics, as
`metric,value,units` lines with every digit. Exit status 2 when the file is missing or is not a
deportsim run file.

Options)";
    po::options_description options(synopsis);
    options.add_options() //
        ("format", po::value<std::string>()->default_value("text"),
         "text (a description) or csv (the headline metrics)");
    po::variables_map values;
    if (!parse_command(args, synopsis, options, "file", values)) {
        return exit_ok;
    }
    const std::string format = values["format"].as<std::string>();
    const std::string file = values["file"].as<std::string>();
    if (format == "text") {
        std::cout << describe_run_file(file);
    } else if (format == "csv") {
        std::cout << headline_csv(file);
    } else {
        throw InputError("--format " + format + ": expected text or csv");
    }
    return exit_ok;
}

} // namespace deportsim::cli
