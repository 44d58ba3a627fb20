// Phase 8, receiver dispositions: where a removed person ends up and which flows count it.
// The same for a cohort of persons (cohort engine) and for one person (agents engine).
#pragma once

#include "core/removal_rules.hpp"
#include "core/scenario.hpp"
#include "core/types.hpp"

namespace deportsim::rules {

// Where persons removed through `channel` (an agreement, or home_channel(n)) end up: the
// country and the status (returned home; imprisoned or sheltered under the agreement; at large
// in the receiver when it releases them).
struct Destination {
    int country = -1;
    Status status = Status::returned;
};
inline Destination removal_destination(const Scenario& now, int channel) {
    if (channel < 0) {
        return {-1 - channel, Status::returned};
    }
    const auto& a = now.agreements[channel];
    switch (a.disposition) {
    case Disposition::imprison:
        return {a.receiver, Status::imprisoned};
    case Disposition::shelter:
        return {a.receiver, Status::sheltered};
    case Disposition::release:
        break;
    }
    return {a.receiver, Status::at_large};
}

// Counts `persons` of group g removed by `sender` through `channel` in the flows: removals by
// the sender, removals by destination, and returns received (home) or transfers received with
// the agreement's transfers (third country). Counter has flow(Flow, country, group, persons),
// by_destination(sender, destination, persons) and transfer(agreement, persons).
template <class Counter>
Destination count_removal(const Scenario& now, Counter& counter, int sender, int g, int channel,
                          double persons) {
    const Destination to = removal_destination(now, channel);
    counter.flow(Flow::removals, sender, g, persons);
    counter.by_destination(sender, to.country, persons);
    if (channel < 0) {
        counter.flow(Flow::returns_received, to.country, g, persons);
    } else {
        counter.flow(Flow::transfers_received, to.country, g, persons);
        counter.transfer(channel, persons);
    }
    return to;
}

// Counts persons of group g flown home to nationality n from a shelter in `receiver`.
template <class Counter>
void count_onward_return(Counter& counter, int receiver, int n, int g, double persons) {
    counter.flow(Flow::onward_returns, receiver, g, persons);
    counter.flow(Flow::returns_received, n, g, persons);
    counter.by_destination(receiver, n, persons);
}

} // namespace deportsim::rules
