// Route choice, shared by every engine: a person in transit towards a destination chooses among
// the outgoing routes from which the destination can be reached, with probability proportional
// to weight (docs/model.md, phase 3).
#pragma once

#include "core/scenario.hpp"

#include <cstddef>
#include <span>
#include <vector>

namespace deportsim {

// For every node c and destination slot d (destinations[d] is a country), the admissible
// routes from c towards destinations[d] and their choice probabilities, at index
// c * destinations.size() + d. Empty at the destination itself.
struct RouteChoice {
    std::vector<std::vector<int>> routes;
    std::vector<std::vector<double>> probabilities;
};

RouteChoice admissible_routes(const Scenario& s, std::span<const int> destinations);

} // namespace deportsim
