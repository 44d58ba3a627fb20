// Purpose: throughput, thread scaling and memory of the agents mode on the synthetic 50-country
// scenario (synthetic_scenario.hpp), a whole run with its output: the run file and its
// /persons group, exactly what `deportsim run --mode agents` writes.
//
// Targets (issue "Agent mode: one record per person"): at least 50 million person-days per
// second on 2 threads; at least 1.7x from 1 to 2 threads; at most 48 bytes per person (peak
// resident set / persons); run time linear in persons and in days.
//
// Usage: bench_agents [--people N] [--days D] [--threads T] [--output FILE|none] [--trace K]
//                     [--seed S] [--no-person-group]
// Prints the phases' times and one line `result ...` of key=value pairs for scripts
// (run_benchmarks.sh takes medians over repeats).
#include "core/agents.hpp"
#include "io/person_file.hpp"
#include "io/run_file.hpp"
#include "synthetic_scenario.hpp"

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>

using namespace deportsim;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

long peak_resident_kib() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss; // KiB on Linux
}

[[noreturn]] void usage_error(const char* message) {
    std::fprintf(stderr,
                 "bench_agents: %s\nusage: bench_agents [--people N] [--days D] [--threads T] "
                 "[--output FILE|none] [--trace K] [--seed S] [--no-person-group]\n",
                 message);
    std::exit(2);
}

} // namespace

int main(int argc, char** argv) {
    double people = 1e6;
    int days = 365;
    int threads = 0;
    std::string output = "bench_agents.h5";
    std::size_t trace = 0;
    std::uint64_t seed = 1;
    bool person_group = true;
    for (int i = 1; i < argc; ++i) {
        const std::string option = argv[i];
        if (option == "--no-person-group") { // the run file alone, to measure the parts
            person_group = false;
            continue;
        }
        if (i + 1 >= argc) {
            usage_error(("missing value for " + option).c_str());
        }
        const char* value = argv[++i];
        if (option == "--people") {
            people = std::atof(value);
        } else if (option == "--days") {
            days = std::atoi(value);
        } else if (option == "--threads") {
            threads = std::atoi(value);
        } else if (option == "--output") {
            output = value;
        } else if (option == "--trace") {
            trace = static_cast<std::size_t>(std::atoll(value));
        } else if (option == "--seed") {
            seed = std::strtoull(value, nullptr, 10);
        } else {
            usage_error(("unknown option " + option).c_str());
        }
    }
    if (people < 100 || days < 1) {
        usage_error("--people must be at least 100 and --days at least 1");
    }
    const long resident_at_start = peak_resident_kib();

    try {
        const auto started = std::chrono::steady_clock::now();
        Scenario scenario =
            benchmarks::synthetic_scenario(static_cast<std::size_t>(people), days, seed);
        RunInfo info;
        info.mode = Mode::agents;
        info.seed = seed;
        AgentEngine engine(std::move(scenario), info);
        engine.set_threads(threads);
        engine.set_trace(trace);
        const bool write = output != "none";
        std::optional<RunFileWriter> run_file;
        std::optional<PersonFileWriter> persons;
        if (write) {
            engine.add_observer(run_file.emplace(output, engine.threads()));
            if (person_group) {
                engine.add_observer(persons.emplace(output, engine));
            }
        }
        engine.initialize();
        const double initialize = seconds_since(started);
        const long resident_after_initialize = peak_resident_kib();
        const std::size_t initial_persons = engine.persons();

        const auto stepping = std::chrono::steady_clock::now();
        double person_days = 0;
        while (engine.steps_done() < engine.steps_total()) {
            engine.step();
            person_days += static_cast<double>(engine.persons());
        }
        const double steps = seconds_since(stepping);
        const long resident_after_steps = peak_resident_kib();

        const auto finishing = std::chrono::steady_clock::now();
        engine.finalize();
        const double finish = seconds_since(finishing);
        const double total = seconds_since(started);

        const long resident = peak_resident_kib();
        const double persons_total = static_cast<double>(engine.persons());
        const double bytes_per_person = resident * 1024.0 / persons_total;
        std::printf("agents benchmark: %.0f persons (%zu at the start), %d days, %d threads\n",
                    persons_total, initial_persons, days, engine.threads());
        std::printf("  initialize %.3f s, steps %.3f s, finish (output) %.3f s, total %.3f s\n",
                    initialize, steps, finish, total);
        std::printf("  %.1f million person-days per second (whole run)\n",
                    person_days / total / 1e6);
        std::printf("  peak resident set %.1f MiB (before the run %.1f MiB, after initialize %.1f "
                    "MiB, after the steps %.1f MiB): %.1f bytes per person\n",
                    resident / 1024.0, resident_at_start / 1024.0,
                    resident_after_initialize / 1024.0, resident_after_steps / 1024.0,
                    bytes_per_person);
        if (write) {
            std::printf("  wrote %s (%.1f MiB)\n", output.c_str(),
                        static_cast<double>(std::filesystem::file_size(output)) / (1 << 20));
        }
        std::printf("result persons=%.0f days=%d threads=%d initialize=%.4f steps=%.4f "
                    "finish=%.4f total=%.4f person_days=%.0f mpd_per_s=%.2f rss_kib=%ld "
                    "bytes_per_person=%.2f\n",
                    persons_total, days, engine.threads(), initialize, steps, finish, total,
                    person_days, person_days / total / 1e6, resident, bytes_per_person);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_agents: %s\n", e.what());
        return 1;
    }
    return 0;
}
