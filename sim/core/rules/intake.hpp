// Phase 5, detention intake: the persons stopped in a country this step are admitted within its
// free beds, higher priority first; within a priority class the beds are shared without
// replacement. Whoever finds no bed is released at large (overflow).
#pragma once

#include "core/rules/counting.hpp"
#include "core/scenario.hpp"

#include <span>
#include <vector>

namespace deportsim::rules {

// Free beds in country c's detention facility holding `detained` persons (0 without one).
double free_beds(const Scenario& now, int country, double detained, bool whole);

// Room for the decisions of one country, kept from country to country.
struct IntakeScratch {
    std::vector<double> classes, counts, taken;
};

// The persons admitted by group (`admitted`) out of those waiting by group: all of them when
// they fit; otherwise the priority classes (enforcement priority of the profile) from the
// highest, each taking from the beds left (chooser cell country * 64 + class rank).
void admit_by_priority(const Scenario& now, int country, std::span<const double> waiting,
                       double beds, Chooser& chooser, std::span<double> admitted,
                       IntakeScratch& scratch);

} // namespace deportsim::rules
