// The journal of a sweep: one small file per completed run, so that nothing a run computed is
// lost when the sweep stops (SIGINT, SIGKILL, a rank dying) and nothing is counted half.
//
// SWEEP.h5.runs/
//   manifest             which sweep this is: its file's SHA-256, the base scenario's, the
//                        sizes of a record, and when the sweep began (docs/sweeps.md)
//   lock                 held (flock) by the process that owns the journal while it runs
//   p<point>_r<replicate>.bin   one completed run (format below)
//
// A run file is written to a temporary name, flushed to disk (fsync), renamed into place and
// the directory flushed: a run file that exists is whole. Its layout (little-endian):
//   "DSWEEPRN" (8 bytes), u32 version = 1, u32 metrics M, u32 series S, u32 records T,
//   u64 point, u64 replicate, u64 seed, f64 summary[M], f64 series[S][T],
//   u64 FNV-1a hash of every byte before it.
#pragma once

#include "core/headline.hpp"
#include "sweep/plan.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace deportsim::sweep {

struct RunRecord {
    RunId id;
    std::uint64_t seed = 0;
    HeadlineValues summary{};
    std::vector<std::vector<double>> series; // per requested series, one value per record
};

// What identifies the sweep a journal belongs to.
struct JournalManifest {
    std::string sweep_sha256;
    std::string base_sha256;
    int points = 0;
    int replicates = 0;
    int metrics = 0;
    int series = 0;
    int records = 0;
    std::string created; // ISO 8601 UTC time the sweep began
};

class Journal {
public:
    // The journal directory of an output file: OUTPUT.runs.
    static std::string directory_for(const std::string& output) { return output + ".runs"; }

    Journal(std::string directory, JournalManifest expected);

    const std::string& directory() const { return directory_; }
    bool exists() const;
    // Creates the directory and its manifest. Throws InputError when the directory exists.
    void create();
    // Checks an existing journal's manifest against the sweep's and, with `clean`, removes the
    // temporary files of writes that were cut short (only the journal's owner may). Returns the
    // manifest as found (its `created` is when the sweep began). Throws InputError naming what
    // differs when the journal belongs to another sweep.
    JournalManifest reopen(bool clean);

    // Writes a completed run durably (temporary file, fsync, rename, fsync of the directory).
    void write(const RunRecord& record) const;
    // The run's record; nullopt when it is missing. A file that is damaged (wrong size, hash
    // or identity) is removed and reported as missing, so that the run is done again.
    std::optional<RunRecord> read(RunId id, std::uint64_t seed) const;
    // Which runs (by run index, point-major) have a whole record.
    std::vector<char> completed(const SweepPlan& plan) const;
    // Removes the whole directory.
    void remove() const;

    std::string run_file(RunId id) const;

private:
    std::string directory_;
    JournalManifest expected_;
};

// Holds an exclusive lock on DIRECTORY/lock while it lives; throws InputError when another
// process holds it.
class JournalLock {
public:
    explicit JournalLock(const std::string& directory);
    ~JournalLock();
    JournalLock(const JournalLock&) = delete;
    JournalLock& operator=(const JournalLock&) = delete;

private:
    int fd_ = -1;
};

} // namespace deportsim::sweep
