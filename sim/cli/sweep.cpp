// deportsim sweep: run a parameter sweep or ensemble and write one sweep file.
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "core/error.hpp"
#include "sweep/runner.hpp"
#include "sweep/spec.hpp"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <unistd.h>

namespace deportsim::cli {

namespace {

const char* sweep_synopsis = R"(deportsim sweep SWEEP.yaml [options]

Runs every point of a sweep file (docs/sweep-format.md) with its replicates and writes one HDF5
sweep file: the points, each run's headline metrics and seed, the requested per-step series,
and the sweep and base scenario texts. It opens in h5py, xarray and ncdump; plot it with
`scripts/python -m deportsim plot SWEEP.h5`.

Each completed run is kept at once in the journal SWEEP.h5.runs/; the sweep file is assembled
from it when every run is done, and the journal is then removed. A sweep that was stopped
(Ctrl-C, a kill, a node lost) continues with --resume, running only what the journal lacks;
the file it ends with is the one an uninterrupted sweep writes.

Parallel: --jobs N worker threads; under MPI (mpirun -np K deportsim sweep ...), the ranks
share the runs and rank 0 writes the file. Either way the file is the same as with --jobs 1.

Examples:
  deportsim sweep tests/sweeps/grid.yaml -o out/grid.h5 --jobs 2
  deportsim sweep big.yaml -o out/big.h5 --jobs 8 --resume
  mpirun -np 4 deportsim sweep big.yaml -o out/big.h5

Exit status: 0 written, 1 internal error, 2 bad input, 130 stopped before every run was done
(rerun with --resume).

Options)";

constexpr int exit_stopped = 130;

std::atomic<bool> stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler sets an atomic flag");
bool announce_stop = true;

extern "C" void on_stop_signal(int signal) {
    if (stop_requested.exchange(true)) {
        // A second signal: stop at once.
        std::signal(signal, SIG_DFL);
        std::raise(signal);
        return;
    }
    if (announce_stop) {
        static const char text[] = "\ndeportsim sweep: stopping after the runs under way; "
                                   "interrupt again to stop at once\n";
        const ssize_t ignored = ::write(STDERR_FILENO, text, sizeof text - 1);
        (void)ignored;
    }
}

// Installs the handlers for SIGINT and SIGTERM while it lives.
class StopSignals {
public:
    StopSignals() {
        stop_requested = false;
        previous_interrupt_ = std::signal(SIGINT, on_stop_signal);
        previous_terminate_ = std::signal(SIGTERM, on_stop_signal);
    }
    ~StopSignals() {
        std::signal(SIGINT, previous_interrupt_);
        std::signal(SIGTERM, previous_terminate_);
    }
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;

private:
    void (*previous_interrupt_)(int) = SIG_DFL;
    void (*previous_terminate_)(int) = SIG_DFL;
};

} // namespace

int sweep_command(const std::vector<std::string>& args) {
    po::options_description options(sweep_synopsis);
    options.add_options() //
        ("output,o", po::value<std::string>(),
         "sweep file to write (default: SWEEP's file name with .h5, in the current directory)") //
        ("jobs,j", po::value<int>()->default_value(1), "worker threads (per MPI rank)")         //
        ("resume", po::bool_switch(),
         "continue a sweep from its journal SWEEP.h5.runs/, running only the runs it lacks") //
        ("partial", po::bool_switch(),
         "write the sweep file from the journal as it is, without running anything (missing "
         "runs have complete = 0 and NaN values); the journal is kept") //
        ("check-invariants", po::bool_switch(),
         "check conservation, signs and every capacity after each step of every run (slower)") //
        ("quiet,q", po::bool_switch(), "print nothing but errors");
    po::variables_map values;
    if (!parse_command(args, sweep_synopsis, options, "sweep", values)) {
        return exit_ok;
    }
    const std::string sweep_path = values["sweep"].as<std::string>();
    sweep::SweepOptions run;
    run.output = values.count("output") ? values["output"].as<std::string>()
                                        : std::filesystem::path(sweep_path).stem().string() + ".h5";
    run.jobs = values["jobs"].as<int>();
    if (run.jobs < 1) {
        throw InputError("--jobs " + std::to_string(run.jobs) + ": expected 1 or more threads");
    }
    run.resume = values["resume"].as<bool>();
    run.partial = values["partial"].as<bool>();
    run.check_invariants = values["check-invariants"].as<bool>();
    const bool quiet = values["quiet"].as<bool>();

    const sweep::Cluster cluster;
    run.progress = !quiet && cluster.root() && isatty(STDERR_FILENO);
    announce_stop = cluster.root() && !quiet;
    run.stop = &stop_requested;
    try {
        const sweep::SweepPlan plan(sweep::load_sweep_file(sweep_path));
        const auto& spec = plan.spec();
        if (cluster.root() && !quiet && spec.mode == Mode::expected && spec.replicates > 1) {
            std::cerr << "deportsim sweep: warning: " << spec.replicates
                      << " replicates of an expected-mode sweep are identical runs\n";
        }
        sweep::SweepReport report;
        {
            const StopSignals signals;
            report = sweep::run_sweep(plan, run, cluster);
        }
        if (cluster.root() && !quiet) {
            std::printf("deportsim sweep: %s on %s, %s design, %s mode: %d points x %d "
                        "replicates = %d runs\n",
                        sweep_path.c_str(), spec.base.name.c_str(),
                        std::string(sweep::design_names[static_cast<int>(spec.design)]).c_str(),
                        std::string(enum_name(mode_names, spec.mode)).c_str(), plan.points(),
                        plan.replicates(), plan.runs());
            std::printf("  %d run%s done now on %d thread%s x %d rank%s, %d from the journal, in "
                        "%.2f s",
                        report.ran, report.ran == 1 ? "" : "s", run.jobs, run.jobs == 1 ? "" : "s",
                        report.ranks, report.ranks == 1 ? "" : "s", report.reused, report.seconds);
            if (report.ran > 0 && report.seconds > 0) {
                std::printf(" (%.0f runs/min)", 60.0 * report.ran / report.seconds);
            }
            std::printf("\n");
            if (report.missing > 0) {
                std::printf("  %d runs missing; the journal %s keeps the %d done", report.missing,
                            sweep::Journal::directory_for(run.output).c_str(),
                            plan.runs() - report.missing);
                std::printf(run.partial ? "\n" : "; continue with --resume\n");
            }
            if (report.written) {
                std::printf("wrote %s%s\n", run.output.c_str(),
                            report.missing > 0 ? " (partial)" : "");
            }
        }
        return report.missing > 0 && !run.partial ? exit_stopped : exit_ok;
    } catch (const InputError&) {
        if (!cluster.root()) {
            return exit_input; // every rank finds the same error; rank 0 reports it
        }
        throw;
    } catch (const sweep::RankFailed&) {
        if (!cluster.root()) {
            return exit_internal; // the rank that failed reports it
        }
        throw;
    }
}

} // namespace deportsim::cli
