// The processes a sweep runs on: one, or the ranks of an MPI job (when deportsim is built with
// MPI, DEPORTSIM_WITH_MPI, and started by an MPI launcher such as mpirun or srun).
//
// Only the few collective operations the runner needs, each called by every rank in the same
// order, and only from the thread that made the Cluster.
#pragma once

#include <string>

namespace deportsim::sweep {

class Cluster {
public:
    // Joins the MPI job when there is one (MPI_Init_thread, MPI_THREAD_FUNNELED): detected from
    // the environment the launchers set (OMPI_COMM_WORLD_SIZE, PMI_SIZE, PMIX_RANK). Throws
    // InputError when started by a launcher with several ranks but built without MPI.
    Cluster();
    ~Cluster(); // MPI_Finalize
    Cluster(const Cluster&) = delete;
    Cluster& operator=(const Cluster&) = delete;

    int rank() const { return rank_; }
    int size() const { return size_; }
    bool root() const { return rank_ == 0; }

    void barrier() const;
    // Rank 0's text, on every rank.
    std::string broadcast(const std::string& text) const;
    // Over every rank.
    long long sum(long long value) const;
    int max(int value) const;
    // Ends every rank of the job (MPI_Abort); returns only without MPI.
    void abort(int status) const;

    // Whether this build can distribute a sweep over MPI ranks.
    static bool mpi_built();

private:
    int rank_ = 0;
    int size_ = 1;
    bool mpi_ = false;
};

} // namespace deportsim::sweep
