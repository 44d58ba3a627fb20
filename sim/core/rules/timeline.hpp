// Phase 1: which parameters are in force. From the date of a policy event on, the run reads every
// parameter from the event's snapshot of the scenario (Scenario::timeline).
#pragma once

#include "core/scenario.hpp"

#include <cstddef>

namespace deportsim::rules {

class ParametersInForce {
public:
    // The scenario as given is in force before its first event.
    void reset(const Scenario& scenario) {
        scenario_ = &scenario;
        now_ = &scenario;
        next_change_ = 0;
    }
    // Applies every event dated up to `today`; true when the parameters changed.
    bool advance(Date today) {
        const auto& timeline = scenario_->timeline;
        bool changed = false;
        while (next_change_ < timeline.size() && timeline[next_change_].date <= today) {
            now_ = timeline[next_change_].parameters.get();
            ++next_change_;
            changed = true;
        }
        return changed;
    }
    const Scenario& now() const { return *now_; }

private:
    const Scenario* scenario_ = nullptr;
    const Scenario* now_ = nullptr;
    std::size_t next_change_ = 0;
};

} // namespace deportsim::rules
