// A sweep ready to run: the spec, its design, and the runs it asks for. Run r is point
// r / replicates, replicate r % replicates (point-major order), with seed
// run_seed(sweep seed, point, replicate) (sweep/seed.hpp).
#pragma once

#include "core/scenario.hpp"
#include "sweep/design.hpp"
#include "sweep/spec.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace deportsim::sweep {

struct RunId {
    int point = 0;
    int replicate = 0;
};

class SweepPlan {
public:
    explicit SweepPlan(SweepSpec spec); // makes the design

    const SweepSpec& spec() const { return spec_; }
    const Design& design() const { return design_; }
    int points() const { return design_.points(); }
    int replicates() const { return spec_.replicates; }
    int runs() const { return points() * replicates(); }
    RunId run(int index) const { return {index / replicates(), index % replicates()}; }
    int run_index(RunId id) const { return id.point * replicates() + id.replicate; }
    std::uint64_t seed(RunId id) const;
    // Records per series: the scenario's steps plus the initial state.
    int records() const { return spec_.base.steps() + 1; }

    // The point's `--set` assignments "path=value", one per parameter, in parameter order.
    std::vector<std::string> assignments(int point) const;
    // The base scenario with the point's assignments. An InputError points at the parameter in
    // the sweep file and quotes the scenario loader's message.
    Scenario scenario(int point) const;
    // Loads every point's scenario (on up to `jobs` threads) and throws the error of the first
    // point, in point order, that does not load: nothing runs unless every point is valid.
    void validate(int jobs) const;

private:
    SweepSpec spec_;
    Design design_;
};

} // namespace deportsim::sweep
