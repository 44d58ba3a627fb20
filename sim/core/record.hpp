// What the engine shows its observers. Outputs are observers (sim/io's HDF5 writer, progress
// reporting, invariant checks in tests), called after the initial state (step 0) and after
// every step; model code never writes files.
#pragma once

#include "core/scenario.hpp"
#include "core/types.hpp"

#include <Eigen/Core>

#include <array>
#include <cstdint>
#include <string>

namespace deportsim {

// Row-major so that memory order is the C order of the output datasets.
using CellArray = Eigen::Array<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Stocks are (country, status, group) flattened to rows (country * status_count + status) and
// columns (group).
inline Eigen::Index stock_row(int country, Status status) {
    return static_cast<Eigen::Index>(country) * status_count + static_cast<int>(status);
}

struct RunInfo {
    Mode mode = Mode::expected;
    std::uint64_t seed = 0;
    std::string scenario_sha256; // of Scenario::yaml_text
};

// The state and the flows of one step. At step 0 every flow is zero and the stocks are the
// initial state; at step k the stocks are the state at the end of step k and the flows are
// what happened during it. Time in days is step * dt_days.
struct StepOutputs {
    CellArray stocks;                        // (country * status, group), persons
    std::array<CellArray, flow_count> flows; // each (country, group), persons in the step
    CellArray removals_by_destination;       // (sender country, destination country), persons

    // Per flight programme.
    Eigen::ArrayXd programme_flights;     // flights flown in the step
    Eigen::ArrayXd programme_passengers;  // persons carried in the step
    Eigen::ArrayXd programme_cost;        // money spent in the step
    Eigen::ArrayXd programme_budget_left; // after the step; +inf for unfunded-limit programmes

    // Per agreement.
    Eigen::ArrayXd agreement_transfers;  // persons received in the step
    Eigen::ArrayXd agreement_held;       // persons held under it at the end of the step
    Eigen::ArrayXd agreement_fees;       // fees paid by the sender in the step
    Eigen::ArrayXd agreement_quota_used; // persons received since the start (for total quotas)

    // Per facility.
    Eigen::ArrayXd facility_occupancy; // persons at the end of the step
    Eigen::ArrayXd facility_cost;      // occupancy cost in the step

    double deterrence_factor = 1.0; // applied to departures and re-migration in the step

    void resize(const Scenario& scenario); // shapes every array and sets it to zero
    void clear_flows();                    // zero everything that is per step
    void clear_step_totals();              // zero what is per step but the flows
};

class Observer {
public:
    virtual ~Observer() = default;
    virtual void start(const Scenario& scenario, const RunInfo& info) = 0;
    virtual void record(int step, const StepOutputs& outputs) = 0;
    // Called once after the last step of a run that completed; not called when a run fails.
    virtual void finish() = 0;
};

} // namespace deportsim
