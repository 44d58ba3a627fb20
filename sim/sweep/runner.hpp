// Running a sweep: every run of the plan on a pool of worker threads (and, under MPI, on every
// rank), each run's result written to the journal as soon as it completes, and the sweep file
// assembled from the journal once every run is there (docs/sweeps.md).
//
// What a run computes depends only on its point and replicate (its seed is derived from them),
// and the sweep file is assembled from the journal in point-major order, so the file is the
// same for any number of threads or ranks and for a sweep interrupted and resumed.
#pragma once

#include "io/sweep_file.hpp"
#include "sweep/cluster.hpp"
#include "sweep/journal.hpp"
#include "sweep/plan.hpp"

#include <atomic>
#include <functional>
#include <string>

namespace deportsim::sweep {

// Thrown on the ranks whose own runs went well when another rank's run failed; the rank that
// failed throws its own error.
class RankFailed : public Error {
public:
    using Error::Error;
};

struct SweepOptions {
    std::string output;            // SWEEP.h5
    int jobs = 1;                  // worker threads (per rank)
    bool resume = false;           // reuse an existing journal
    bool partial = false;          // assemble from the journal as it is; run nothing
    bool check_invariants = false; // check every run's invariants after each step
    bool progress = false;         // a progress line on stderr (rank 0)
    // Set to stop handing out runs (the runs under way complete and are kept). Optional.
    const std::atomic<bool>* stop = nullptr;
};

struct SweepReport {
    int runs = 0;    // in the design
    int reused = 0;  // found complete in the journal
    int ran = 0;     // completed by this invocation, every rank together
    int missing = 0; // not complete when the invocation ended
    bool written = false;
    double seconds = 0;
    int ranks = 1;
};

// The result of one run: its headline metrics and series, computed with a fresh engine.
RunRecord run_one(const SweepPlan& plan, const Scenario& scenario, RunId id,
                  bool check_invariants = false);

// The sweep file header for a plan (root attributes, labels, the design).
SweepFileHeader sweep_header(const SweepPlan& plan, const std::string& created);

// Writes the sweep file from the journal, point by point; runs the journal lacks have
// complete = 0 and NaN values.
void assemble_sweep_file(const SweepPlan& plan, const Journal& journal, const std::string& output,
                         const std::string& created);

// Units of a scenario parameter, from the scenario format's schema: "per day", "persons",
// "USD", ... or "1" when the schema names none.
std::string parameter_units(const std::string& path);

// Runs what the journal lacks and writes the sweep file when every run is complete (or, with
// options.partial, from what the journal has). Every rank of `cluster` calls it. Throws
// InputError for a bad sweep file, a point whose scenario does not load, or a journal that
// belongs to another sweep or exists without options.resume.
SweepReport run_sweep(const SweepPlan& plan, const SweepOptions& options, const Cluster& cluster);

} // namespace deportsim::sweep
