#include "sweep/cluster.hpp"

#include "core/error.hpp"

#include <cstdlib>
#include <vector>

#ifdef DEPORTSIM_WITH_MPI
#include <mpi.h>
#endif

namespace deportsim::sweep {

namespace {

// Ranks in the job as the launcher announces them: OpenMPI's mpirun, MPICH/Hydra and Slurm's
// PMI-2, and PMIx (srun --mpi=pmix). 0 when not started by a launcher.
int announced_size() {
    for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"}) {
        if (const char* value = std::getenv(name)) {
            return std::atoi(value);
        }
    }
    return std::getenv("PMIX_RANK") != nullptr ? 1 : 0;
}

#ifdef DEPORTSIM_WITH_MPI
void check(int status, const char* what) {
    if (status != MPI_SUCCESS) {
        throw Error(std::string("MPI: ") + what + " failed");
    }
}
#endif

} // namespace

bool Cluster::mpi_built() {
#ifdef DEPORTSIM_WITH_MPI
    return true;
#else
    return false;
#endif
}

Cluster::Cluster() {
    const int announced = announced_size();
#ifdef DEPORTSIM_WITH_MPI
    if (announced > 0) {
        int provided = 0;
        check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
        mpi_ = true;
        check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
        check(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
    }
#else
    if (announced > 1) {
        throw InputError("deportsim was started as one of " + std::to_string(announced) +
                         " MPI ranks but was built without MPI; rebuild with MPI (CMake option "
                         "DEPORTSIM_MPI, needs libopenmpi-dev), or run one process with --jobs");
    }
#endif
}

Cluster::~Cluster() {
#ifdef DEPORTSIM_WITH_MPI
    if (mpi_) {
        MPI_Finalize();
    }
#endif
}

void Cluster::barrier() const {
#ifdef DEPORTSIM_WITH_MPI
    if (mpi_) {
        check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier");
    }
#endif
}

std::string Cluster::broadcast(const std::string& text) const {
#ifdef DEPORTSIM_WITH_MPI
    if (mpi_) {
        long long size = static_cast<long long>(text.size());
        check(MPI_Bcast(&size, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD), "MPI_Bcast");
        std::vector<char> bytes(text.begin(), text.end());
        bytes.resize(static_cast<std::size_t>(size));
        if (size > 0) {
            check(MPI_Bcast(bytes.data(), static_cast<int>(size), MPI_CHAR, 0, MPI_COMM_WORLD),
                  "MPI_Bcast");
        }
        return std::string(bytes.begin(), bytes.end());
    }
#endif
    return text;
}

long long Cluster::sum(long long value) const {
#ifdef DEPORTSIM_WITH_MPI
    if (mpi_) {
        long long total = 0;
        check(MPI_Allreduce(&value, &total, 1, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD),
              "MPI_Allreduce");
        return total;
    }
#endif
    return value;
}

int Cluster::max(int value) const {
#ifdef DEPORTSIM_WITH_MPI
    if (mpi_) {
        int largest = 0;
        check(MPI_Allreduce(&value, &largest, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD),
              "MPI_Allreduce");
        return largest;
    }
#endif
    return value;
}

void Cluster::abort(int status) const {
#ifdef DEPORTSIM_WITH_MPI
    if (mpi_) {
        MPI_Abort(MPI_COMM_WORLD, status);
    }
#else
    (void)status;
#endif
}

} // namespace deportsim::sweep
