// Run setup shared by both engines: what a scenario's structure means in steps and slots.
// Policy events change values, never this structure, so it is built once per run.
#pragma once

#include "core/scenario.hpp"

#include <functional>
#include <vector>

namespace deportsim::rules {

struct RunStructure {
    // Destinations of departure streams, each a slot; travellers are tracked by slot.
    std::vector<int> destinations;      // by slot: country
    std::vector<int> destination_slot;  // by country: slot, -1 when not a destination
    std::vector<int> group_destination; // by group: slot of its departure destination, -1
    std::vector<int> group_origin;      // by group: origin of its departure stream, -1
    std::vector<int> route_steps;       // by route: steps a traversal takes (at least 1)
    // Detention, by country: the release age A (steps held before the maximum detention
    // release; 0 without a detention facility) and the processing stages k (Erlang-k dwell).
    std::vector<int> detention_ages;
    std::vector<int> detention_stages;
    std::vector<int> detention_countries; // those with a detention facility, in order
    int return_delay = 0;                 // steps before a returned person may leave again
    int deterrence_window = 1;            // steps of the deterrence signal's trailing window

    int slots() const { return static_cast<int>(destinations.size()); }
};

// The structure of a scenario as given (the first departure stream of a group fixes its origin
// and destination for re-migration).
RunStructure run_structure(const Scenario& s);

// Persons of an initial `detained` stock spread evenly over the ages 0 .. spread - 1, where
// spread is the mean processing time in steps (at least 1, at most the release age): all still
// pending, so that their releases after the maximum period do not fall on one day. Whole
// persons (the first ages take the remainder's share by rounding) or real shares.
std::vector<double> initial_detention_by_age(const Scenario& s, const RunStructure& structure,
                                             int country, double persons, bool whole);

// Throws InputError when an initial detained stock is in a country without a detention
// facility, or the initial detainees of a country exceed its beds; `detained(c)` is the
// engine's count of a country's initial detainees.
void check_initial_detention(const Scenario& s, const RunStructure& structure,
                             const InitialStock& stock);
void check_initial_beds(const Scenario& s, const std::function<double(int)>& detained);

} // namespace deportsim::rules
