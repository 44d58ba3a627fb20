// The per-step probabilities and means of the parameters in force, one definition for every
// mode: the cohort engine applies them to cells, the agents engine to each person's clocks.
#pragma once

#include "core/rules/counting.hpp"
#include "core/rules/structure.hpp"
#include "core/scenario.hpp"

namespace deportsim::rules {

// Phase 2: mean departures of stream `d` in a step on `today`, under deterrence `factor`.
inline double departure_mean(const DepartureStream& d, Date today, double factor, double dt) {
    const double multiplier = d.multiplier ? d.multiplier->at(today) : 1.0;
    return d.persons_per_day * multiplier * factor * dt;
}

// Phase 2: the re-migration rate per day of returned persons of group g (0 for a group without
// a departure stream to go back along).
inline double remigration_per_day(const Scenario& now, const RunStructure& structure, int g) {
    if (structure.group_destination[g] < 0 || now.remigration.per_day.empty()) {
        return 0.0;
    }
    return std::max(0.0, now.remigration.per_day[now.groups[g].profile]);
}

// Phase 4: probability that a person of group g in transit on a route leaving country c is
// stopped by c within a step (a country does not interdict its own nationals).
inline double interdiction_probability(const Scenario& now, int route, int g) {
    const int c = now.routes[route].from;
    if (now.groups[g].nationality == c) {
        return 0.0;
    }
    return hazard_probability(now.enforcement[c].interdiction_per_day[now.groups[g].profile],
                              now.dt_days);
}

// Phase 4: probability that a person of group g at large in country c is arrested in a step.
inline double arrest_probability(const Scenario& now, int c, int g) {
    const auto& e = now.enforcement[c];
    return hazard_probability(e.arrest_per_day * e.priority[now.groups[g].profile], now.dt_days);
}

// Phase 6: probability that one processing stage ends within a step (Erlang-k: each of the
// k stages has rate k / mean).
inline double processing_probability(const Scenario& now, int c, int stages) {
    return hazard_probability(stages / now.enforcement[c].processing_mean_days, now.dt_days);
}

// Phase 6: whether group g is never released from country c's detention for time held.
inline bool max_detention_exempt(const Scenario& now, int c, int g) {
    const auto& exempt = now.enforcement[c].max_detention_exempt;
    return !exempt.empty() && exempt[now.groups[g].profile];
}

// Phase 9: probability that a person imprisoned under an agreement is released within a step.
inline double prison_release_probability(const Scenario& now, int a) {
    return hazard_probability(now.agreements[a].release_per_day, now.dt_days);
}

} // namespace deportsim::rules
