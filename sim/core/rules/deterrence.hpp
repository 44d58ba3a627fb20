// Deterrence: the factor on departures and re-migration (phase 2), from the removals and
// arrivals over a trailing window of steps (recorded in phase 10).
#pragma once

#include "core/record.hpp"
#include "core/scenario.hpp"

#include <numeric>
#include <vector>

namespace deportsim::rules {

class DeterrenceWindow {
public:
    void reset(int steps) {
        removals_.assign(steps, 0.0);
        arrivals_.assign(steps, 0.0);
    }
    // The factor in force on `today` (Deterrence::factor of the parameters in force).
    double factor(const Scenario& now, Date today) const {
        return now.deterrence.factor(today,
                                     std::accumulate(removals_.begin(), removals_.end(), 0.0),
                                     std::accumulate(arrivals_.begin(), arrivals_.end(), 0.0));
    }
    // The step's removals and arrivals enter the window (step > 0).
    void record(int step, const StepOutputs& out) {
        if (step <= 0) {
            return;
        }
        const std::size_t slot = static_cast<std::size_t>(step) % removals_.size();
        removals_[slot] = out.flows[static_cast<int>(Flow::removals)].sum();
        arrivals_[slot] = out.flows[static_cast<int>(Flow::arrivals)].sum();
    }

private:
    std::vector<double> removals_;
    std::vector<double> arrivals_;
};

} // namespace deportsim::rules
