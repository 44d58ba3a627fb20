// deportsim: the command-line program. It only parses the command line, calls the library and
// maps errors to exit statuses (0 ok, 1 internal error, 2 bad input).
#include "cli/commands.hpp"
#include "core/error.hpp"

#include <deportsim/version.hpp>

#include <boost/program_options/errors.hpp>

#include <cstring>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

namespace {

const char* usage = R"(deportsim: simulate deportation and irregular-migration flows

Usage:
  deportsim run SCENARIO.yaml [-o OUT.h5] [--mode expected|stochastic|agents] [--seed N]
                              [--threads N] [--trace N] [--set PATH=VALUE ...]
                              [--check-invariants]
  deportsim validate SCENARIO.yaml [--set PATH=VALUE ...]
  deportsim info OUT.h5 [--format text|csv]
  deportsim sweep SWEEP.yaml [-o SWEEP.h5] [--jobs N] [--resume]
  deportsim --version | --help
  deportsim COMMAND --help      (options of one command)

Commands:
  run       run a scenario and write an HDF5 run file (opens in h5py, xarray, ncdump)
  validate  check a scenario file and print what it contains, without running it
  info      describe a run file: scenario, mode, seed, dimensions, headline metrics
  sweep     run a parameter sweep or ensemble (threads, MPI) and write one HDF5 sweep file

Examples:
  deportsim run scenarios/el_salvador_2025.yaml -o out/el_salvador_2025.h5
  deportsim run scenarios/el_salvador_2025.yaml --mode stochastic --seed 7 \
      --set agreements.usa_slv_cecot.profiles=[violent_record,nonviolent_record]
  deportsim info out/el_salvador_2025.h5

Documentation: docs/scenario-format.md, docs/output-format.md, docs/model.md.
Exit status: 0 success, 1 internal error, 2 bad input.
)";

} // namespace

int main(int argc, char** argv) {
    using namespace deportsim;
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        std::cout << usage;
        return args.empty() ? cli::exit_input : cli::exit_ok;
    }
    if (args[0] == "--version" || args[0] == "-V") {
        std::cout << "deportsim " << engine_version << " (" << git_revision << ")\n";
        return cli::exit_ok;
    }
    const std::string command = args[0];
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    try {
        if (command == "run") {
            return cli::run_command(rest);
        }
        if (command == "validate") {
            return cli::validate_command(rest);
        }
        if (command == "info") {
            return cli::info_command(rest);
        }
        if (command == "sweep") {
            return cli::sweep_command(rest);
        }
        std::cerr << "deportsim: unknown command '" << command
                  << "'; commands: run, validate, info, sweep (see deportsim --help)\n";
        return cli::exit_input;
    } catch (const InputError& e) {
        std::cerr << e.what() << "\n";
        return cli::exit_input;
    } catch (const boost::program_options::error& e) {
        std::cerr << "deportsim " << command << ": error: " << e.what() << " (see deportsim "
                  << command << " --help)\n";
        return cli::exit_input;
    } catch (const InternalError& e) {
        std::cerr << "deportsim: internal error: " << e.what()
                  << "\nThis is a bug in deportsim; please report it with the scenario.\n";
        return cli::exit_internal;
    } catch (const Error& e) {
        std::cerr << "deportsim: error: " << e.what() << "\n";
        return cli::exit_internal;
    } catch (const std::exception& e) {
        std::cerr << "deportsim: internal error: " << e.what() << "\n";
        return cli::exit_internal;
    }
}
