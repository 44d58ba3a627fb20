// deportsim run: load a scenario, run it, write the run file.
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "cli/progress.hpp"
#include "core/agents.hpp"
#include "core/engine.hpp"
#include "core/error.hpp"
#include "io/person_file.hpp"
#include "io/run_file.hpp"
#include "scenario/load.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <unistd.h>

namespace deportsim::cli {

namespace {

const char* run_synopsis = R"(deportsim run SCENARIO.yaml [options]

Runs a scenario from its start date to its end date and writes an HDF5 run file: stocks by
(time, country, status, group), flows by process, flight programmes, agreements and facilities
(docs/output-format.md). The file appears only when the run has completed.

Modes:
  expected    deterministic: every transition takes its expected value (default)
  stochastic  whole persons: binomial, multinomial and hypergeometric draws from random
              streams keyed by (seed, step, cell, purpose); the same seed gives the same file
  agents      one record per person with its own history (times removed, days detained,
              route taken); the same meaning, the same distributions as stochastic; the run
              file gets a /persons group (docs/agents.md)

Examples:
  deportsim run scenarios/el_salvador_2025.yaml -o out/base.h5
  deportsim run scenarios/el_salvador_2025.yaml --mode stochastic --seed 42 -o out/s42.h5
  deportsim run scenarios/el_salvador_2025.yaml --set enforcement.MEX.interdiction_per_day=0.05
  deportsim run scenarios/el_salvador_2025.yaml --mode agents --threads 2 --trace 500

Options)";

Mode parse_mode(const std::string& text) {
    const auto mode = enum_from_name<Mode>(mode_names, text);
    if (!mode) {
        throw InputError("--mode " + text + ": expected one of expected, stochastic, agents");
    }
    return *mode;
}

} // namespace

int run_command(const std::vector<std::string>& args) {
    po::options_description options(run_synopsis);
    std::vector<std::string> overrides;
    options.add_options() //
        ("output,o", po::value<std::string>(),
         "run file to write (default: SCENARIO's file name with .h5, in the current directory)") //
        ("mode,m", po::value<std::string>()->default_value("expected"),
         "expected, stochastic or agents")                                                     //
        ("seed,s", po::value<std::uint64_t>(), "random seed (default: the scenario's `seed`)") //
        ("set", po::value<std::vector<std::string>>(&overrides)->composing(),
         "override one scenario parameter, PATH=VALUE with YAML syntax, e.g. "
         "--set routes.COL->PAN.mortality=0.002; repeatable") //
        ("threads", po::value<int>()->default_value(0),
         "threads for the agents engine and for compressing the run file (0: OMP_NUM_THREADS or "
         "all cores); the output does not depend on it") //
        ("trace", po::value<std::size_t>()->default_value(0),
         "agents mode: record the daily status and country of a random sample of N persons") //
        ("check-invariants", po::bool_switch(),
         "check conservation, signs and every capacity after each step (slower)") //
        ("quiet,q", po::bool_switch(), "print nothing but errors");
    po::variables_map values;
    if (!parse_command(args, run_synopsis, options, "scenario", values)) {
        return exit_ok;
    }
    const std::string scenario_path = values["scenario"].as<std::string>();
    const Mode mode = parse_mode(values["mode"].as<std::string>());
    const bool quiet = values["quiet"].as<bool>();

    Scenario scenario = load_scenario_file(scenario_path, overrides);
    RunInfo info;
    info.mode = mode;
    info.seed = values.count("seed") ? values["seed"].as<std::uint64_t>() : scenario.seed;
    info.scenario_sha256 = sha256_hex(scenario.yaml_text);

    std::string output;
    if (values.count("output")) {
        output = values["output"].as<std::string>();
    } else {
        output = std::filesystem::path(scenario_path).stem().string() + ".h5";
    }
    const auto parent = std::filesystem::path(output).parent_path();
    if (!parent.empty() && !std::filesystem::is_directory(parent)) {
        throw InputError("-o " + output + ": directory " + parent.string() + " does not exist");
    }

    const auto started = std::chrono::steady_clock::now();
    const auto engine = make_engine(std::move(scenario), info);
    engine->set_check_invariants(values["check-invariants"].as<bool>());
    auto* agents = dynamic_cast<AgentEngine*>(engine.get());
    const int threads = values["threads"].as<int>();
    if (threads < 0) {
        throw InputError("--threads " + std::to_string(threads) +
                         ": expected 0 (all cores) or a number of threads");
    }
    if (agents == nullptr && values["trace"].as<std::size_t>() > 0) {
        throw InputError("--trace applies to --mode agents only");
    }
    if (agents != nullptr) {
        agents->set_threads(threads);
        agents->set_trace(values["trace"].as<std::size_t>());
    }
    RunFileWriter writer(output, threads);
    engine->add_observer(writer);
    std::optional<PersonFileWriter> persons; // after the run file: adds /persons to it
    if (agents != nullptr) {
        engine->add_observer(persons.emplace(output, *agents));
    }
    ProgressReporter progress(engine->steps_total(), !quiet && isatty(STDERR_FILENO));
    engine->add_observer(progress);
    engine->run();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    if (!quiet) {
        const auto& s = engine->scenario();
        std::printf("deportsim: %s, %s mode, seed %llu: %d steps of %g days (%s to %s) in %.2f s\n",
                    s.name.c_str(), std::string(enum_name(mode_names, mode)).c_str(),
                    static_cast<unsigned long long>(info.seed), engine->steps_total(), s.dt_days,
                    format_iso_date(s.start).c_str(), format_iso_date(s.end).c_str(), seconds);
        std::printf("wrote %s\n", output.c_str());
    }
    return exit_ok;
}

} // namespace deportsim::cli
