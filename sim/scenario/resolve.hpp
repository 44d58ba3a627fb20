// Steps 4 and 5 of loading a scenario: names become indices (resolve), then the rules that
// involve several parts of the scenario are checked (cross_check).
#pragma once

#include "core/scenario.hpp"
#include "scenario/source.hpp"

#include <vector>

namespace deportsim::loader {

// Where each part of a resolved Scenario was written, for the messages of the cross-checks.
// Each vector runs parallel to the Scenario vector of the same name.
struct ScenarioItems {
    std::vector<Item> facilities; // the facility's entry under countries.<CODE>.facilities
    std::vector<Item> routes;
    std::vector<Item> departures;
    std::vector<Item> programmes;
    std::vector<Item> agreements;
    std::vector<Item> initial; // the persons value of each initial stock
};

struct Resolved {
    Scenario scenario;
    ScenarioItems items;
};

// Builds the Scenario from a tree that passed check_schema: countries, profiles, groups,
// facilities in file order; every name resolved to its index; defaults filled in. A reference to
// a country, group, profile or facility that the scenario does not declare is an InputError at
// the reference.
Resolved resolve(const Source& source, const YAML::Node& root);

// The rules between parts: destinations reachable by routes, agreements using a facility of the
// right kind in the receiver, non-empty windows, at most one detention facility per country,
// initial stocks in places that can hold them.
void cross_check(const Source& source, const Resolved& resolved);

} // namespace deportsim::loader
